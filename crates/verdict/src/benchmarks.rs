//! `verdict benchmarks`: the registry, with whether each benchmark's data
//! file is here and how to fetch it.

use anyhow::Result;
use serde_json::{Value, json};
use verdict_eval::benchmarks::Benchmark;
use verdict_eval::data::resolve;

use crate::cli::BenchmarksArgs;
use crate::exit;

pub fn benchmarks(args: BenchmarksArgs) -> Result<i32> {
    let rows: Vec<Value> = Benchmark::all()
        .map(|benchmark| {
            let spec = benchmark.spec();
            let found = resolve(benchmark, args.data_dir.as_deref()).ok();
            json!({
                "name": spec.name,
                "aliases": spec.aliases,
                "tasks": spec.tasks,
                "title": spec.title,
                "official_evaluator": spec.evaluator,
                "data_file": found.as_ref().map(|p| p.display().to_string()),
                "fetch": spec.data.map(|_| format!("verdict data fetch {}", spec.name)),
                "url": spec.data.map(|d| d.url),
            })
        })
        .collect();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(exit::OK);
    }
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".to_string(),
        other => other.to_string(),
    };
    let table: Vec<[String; 5]> = std::iter::once(
        [
            "benchmark",
            "tasks",
            "official evaluator",
            "data file",
            "title",
        ]
        .map(String::from),
    )
    .chain(rows.iter().map(|row| {
        let data = match (&row["data_file"], &row["fetch"]) {
            (Value::String(path), _) => path.clone(),
            (_, Value::String(fetch)) => format!("missing: {fetch}"),
            _ => "your --problems file".to_string(),
        };
        [
            text(&row["name"]),
            text(&row["tasks"]),
            text(&row["official_evaluator"]),
            data,
            text(&row["title"]),
        ]
    }))
    .collect();
    let widths: Vec<usize> = (0..5)
        .map(|c| {
            table
                .iter()
                .map(|r| r[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in &table {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        println!("{}", cells.join("  ").trim_end());
    }
    Ok(exit::OK)
}
