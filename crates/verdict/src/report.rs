//! `verdict report RESULTS... --html FILE`: one self-contained HTML page
//! (styles, script and SVG plots inline; nothing fetched) from one or more
//! results files: pass@k and its curve per run (base and plus for the plus
//! benchmarks), a sortable, filterable table of tasks (rendered a page at a
//! time, so that a file of 100,000 rows opens at once), each failing
//! sample's code and why it failed (with its trace when `--trace` was on),
//! and with two runs, the tasks that flip between them.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use verdict_eval::passk;
use verdict_eval::verifiers::{Outcomes, Settings, Verdict, compare};

use crate::cli::ReportArgs;
use crate::exit;

const TEMPLATE: &str = include_str!("report.html");

/// Failing samples kept per task and run (the others are counted).
const FAILURES_KEPT: usize = 5;

/// One run read from its results file.
struct Run {
    name: String,
    /// Per task, in order of first appearance: (samples, passed, base passed).
    tasks: Vec<(String, u64, u64, Option<u64>)>,
    failures: BTreeMap<String, Vec<Value>>,
    rows: Vec<Value>,
}

fn read_run(path: &Path) -> Result<Run> {
    let file =
        std::fs::File::open(path).with_context(|| format!("reading `{}`", path.display()))?;
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let mut run = Run {
        name: path.display().to_string(),
        tasks: Vec::new(),
        failures: BTreeMap::new(),
        rows: Vec::new(),
    };
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("reading `{}`", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let row: Value = serde_json::from_str(&line)
            .with_context(|| format!("`{}` line {}: not JSON", path.display(), i + 1))?;
        if matches!(
            row.get("status").and_then(Value::as_str),
            Some("invalid" | "skipped")
        ) {
            continue;
        }
        let task = match row.get("task_id") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => bail!(
                "`{}` line {}: field `task_id`: expected a string or a number",
                path.display(),
                i + 1
            ),
        };
        let passed = row
            .get("passed")
            .and_then(Value::as_bool)
            .with_context(|| {
                format!(
                    "`{}` line {}: field `passed`: expected true or false",
                    path.display(),
                    i + 1
                )
            })?;
        let base = row
            .get("base_status")
            .and_then(Value::as_str)
            .map(|s| s == "pass");
        let at = *index.entry(task.clone()).or_insert_with(|| {
            run.tasks.push((task.clone(), 0, 0, base.map(|_| 0)));
            run.tasks.len() - 1
        });
        let entry = &mut run.tasks[at];
        entry.1 += 1;
        entry.2 += passed as u64;
        if let (Some(b), Some(count)) = (base, entry.3.as_mut()) {
            *count += b as u64;
        }
        if !passed {
            let kept = run.failures.entry(task.clone()).or_default();
            if kept.len() < FAILURES_KEPT {
                kept.push(failure_of(&row, i + 1));
            }
        }
        run.rows.push(row);
    }
    if run.tasks.is_empty() {
        bail!("`{}` has no result rows", path.display());
    }
    Ok(run)
}

fn clip(text: &str, max: usize) -> String {
    verdict_eval::results::clip(text, max)
}

/// What the page shows of a failing sample.
fn failure_of(row: &Value, line: usize) -> Value {
    let code = row
        .get("solution")
        .or(row.get("completion"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let details = row.get("details").cloned().unwrap_or(Value::Null);
    let mut shown = json!({
        "line": line,
        "status": row.get("status"),
        "result": row.get("result"),
        "code": clip(code, 6000),
    });
    for key in [
        "exception",
        "message",
        "failing_line",
        "traceback",
        "stderr",
    ] {
        if let Some(value) = details.get(key) {
            shown[key] = value.clone();
        }
    }
    for list in ["base", "plus"] {
        if let Some(failure) = details
            .get(list)
            .and_then(|l| l.get("failure"))
            .filter(|f| !f.is_null())
        {
            shown[list] = failure.clone();
        }
    }
    if let Some(tests) = details.get("tests") {
        let text = tests.to_string();
        shown["tests"] = if text.len() > 6000 {
            json!(clip(&text, 6000))
        } else {
            tests.clone()
        };
    }
    if let Some(traces) = details.get("traces").and_then(Value::as_array) {
        shown["traces"] = json!(traces.iter().take(2).collect::<Vec<_>>());
    }
    shown
}

/// pass@k of a run for each k every task allows (all k up to the fewest
/// samples, thinned on a log scale past 10).
fn curve(tasks: &[(String, u64, u64, Option<u64>)], base: bool) -> Vec<(u64, f64)> {
    let fewest = tasks.iter().map(|t| t.1).min().unwrap_or(0);
    let mut ks: Vec<u64> = (1..=fewest.min(10)).collect();
    let mut k = 20;
    while k <= fewest {
        ks.push(k);
        k = if k < 100 { k + 10 } else { k * 2 };
    }
    if fewest > 10 && ks.last() != Some(&fewest) {
        ks.push(fewest);
    }
    ks.into_iter()
        .map(|k| {
            let values: Vec<f64> = tasks
                .iter()
                .map(|t| passk::estimate(t.1, if base { t.3.unwrap_or(0) } else { t.2 }, k))
                .collect();
            (k, passk::mean(&values))
        })
        .collect()
}

/// The curves as an inline SVG plot.
fn svg(curves: &[(String, Vec<(u64, f64)>)]) -> String {
    let (w, h, pad) = (560.0, 260.0, 40.0);
    let max_k = curves
        .iter()
        .flat_map(|(_, c)| c.iter().map(|(k, _)| *k))
        .max()
        .unwrap_or(1)
        .max(2) as f64;
    let x = |k: u64| pad + (k as f64).ln() / max_k.ln() * (w - 2.0 * pad);
    let y = |v: f64| h - pad - v * (h - 2.0 * pad);
    let colours = [
        "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b",
    ];
    let mut out = format!(
        "<svg width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"pass@k curves\">\
<line x1=\"{pad}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#888\"/><line x1=\"{pad}\" y1=\"{pad}\" x2=\"{pad}\" y2=\"{}\" stroke=\"#888\"/>",
        h - pad,
        w - pad,
        h - pad,
        h - pad
    );
    for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
        out += &format!(
            "<text x=\"4\" y=\"{:.1}\" font-size=\"10\">{tick:.2}</text>",
            y(tick) + 3.0
        );
    }
    for (i, (name, points)) in curves.iter().enumerate() {
        let colour = colours[i % colours.len()];
        let path: Vec<String> = points
            .iter()
            .map(|(k, v)| format!("{:.1},{:.1}", x(*k), y(*v)))
            .collect();
        out += &format!(
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>",
            path.join(" ")
        );
        for (k, v) in points {
            out += &format!(
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.5\" fill=\"{colour}\"><title>{} pass@{k} = {v:.4}</title></circle>",
                x(*k),
                y(*v),
                html_escape(name)
            );
        }
        out += &format!(
            "<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"{colour}\">{}</text>",
            pad + 8.0,
            pad + 14.0 * (i as f64 + 1.0),
            html_escape(name)
        );
    }
    for (k, _) in curves.first().map(|(_, c)| c.as_slice()).unwrap_or(&[]) {
        out += &format!(
            "<text x=\"{:.1}\" y=\"{}\" font-size=\"9\" text-anchor=\"middle\">{k}</text>",
            x(*k),
            h - pad + 14.0
        );
    }
    out + "</svg>"
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn report(args: ReportArgs) -> Result<i32> {
    if args.results.is_empty() {
        bail!("give at least one results file");
    }
    let runs: Vec<Run> = args
        .results
        .iter()
        .map(|p| read_run(p))
        .collect::<Result<_>>()?;
    let mut summaries = Vec::new();
    let mut curves = Vec::new();
    for run in &runs {
        let plus = run.tasks.iter().all(|t| t.3.is_some());
        let fewest = run.tasks.iter().map(|t| t.1).min().unwrap_or(0);
        let at = |k: u64, base: bool| {
            (k <= fewest).then(|| {
                let values: Vec<f64> = run
                    .tasks
                    .iter()
                    .map(|t| passk::estimate(t.1, if base { t.3.unwrap_or(0) } else { t.2 }, k))
                    .collect();
                passk::mean(&values)
            })
        };
        let samples: u64 = run.tasks.iter().map(|t| t.1).sum();
        let passed: u64 = run.tasks.iter().map(|t| t.2).sum();
        let table = |base: bool| -> Vec<Value> {
            [1u64, 10, 100]
                .iter()
                .filter_map(|&k| at(k, base).map(|v| json!([k, v])))
                .collect()
        };
        let base_table = if plus {
            json!(table(true))
        } else {
            Value::Null
        };
        summaries.push(json!({
            "name": run.name,
            "tasks": run.tasks.len(),
            "samples": samples,
            "passed": passed,
            "pass_at_k": table(false),
            "base_pass_at_k": base_table,
        }));
        curves.push((run.name.clone(), curve(&run.tasks, false)));
        if plus {
            curves.push((
                format!("{} (base tests)", run.name),
                curve(&run.tasks, true),
            ));
        }
    }
    // The tasks, with each run's counts side by side.
    let mut order: Vec<String> = Vec::new();
    let mut table: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for (r, run) in runs.iter().enumerate() {
        for (task, n, c, b) in &run.tasks {
            let cells = table.entry(task.clone()).or_insert_with(|| {
                order.push(task.clone());
                vec![Value::Null; runs.len()]
            });
            cells[r] = json!({"n": n, "c": c, "base": b, "failures": run.failures.get(task).cloned().unwrap_or_default()});
        }
    }
    let tasks: Vec<Value> = order
        .iter()
        .map(|t| json!({"task_id": t, "runs": table[t]}))
        .collect();
    let flips = if runs.len() >= 2 {
        let side = |run: &Run| {
            Outcomes::from_rows(&run.name, &run.rows, Verdict::Passed)
                .map_err(|(i, what)| anyhow::anyhow!("`{}` row {}: {what}", run.name, i + 1))
        };
        let report = compare(
            &side(&runs[0])?,
            &side(&runs[1])?,
            &Settings {
                ks: vec![1],
                resamples: 1000,
                seed: 0,
            },
        );
        serde_json::to_value(&report)?
    } else {
        Value::Null
    };
    let data = json!({
        "title": args.title.clone().unwrap_or_else(|| "verdict report".into()),
        "runs": summaries,
        "tasks": tasks,
        "compare": flips,
    });
    // No `<` in the script element the data sits in: nothing in it can
    // close it or open markup (`<` only occurs inside JSON strings, where
    // `\u003c` means the same).
    let data = data.to_string().replace('<', "\\u003c");
    let page = TEMPLATE
        .replace(
            "{{TITLE}}",
            &html_escape(args.title.as_deref().unwrap_or("verdict report")),
        )
        .replace("{{SVG}}", &svg(&curves))
        .replace("{{DATA}}", &data);
    std::fs::write(&args.html, page)
        .with_context(|| format!("writing `{}`", args.html.display()))?;
    eprintln!(
        "report of {} run(s), {} task(s) written to {}",
        runs.len(),
        order.len(),
        args.html.display()
    );
    Ok(exit::OK)
}
