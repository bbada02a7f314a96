//! `verdict languages`: what each language is, how verdict compiles and runs
//! it, and whether its toolchain is installed on this host.

use anyhow::Result;
use serde_json::json;
use verdict_exec::{Language, MemoryMode};

use crate::cli::LanguagesArgs;
use crate::exit;

pub fn languages(args: LanguagesArgs) -> Result<i32> {
    let rows: Vec<_> = Language::ALL
        .iter()
        .map(|&language| {
            let recipe = language.recipe();
            let memory = match language.memory_mode() {
                MemoryMode::AddressSpace => "address space (RLIMIT_AS)",
                MemoryMode::Cgroup => "memory cgroup",
            };
            let run = if language == Language::Python {
                "warm fork server (python3 main.py)".to_string()
            } else {
                recipe.run.join(" ")
            };
            json!({
                "language": language.name(),
                "aliases": language.aliases(),
                "available": language.is_available(),
                "version": language.version(),
                "source": recipe.source_name,
                "compile": recipe.compile.as_ref().map(|c| c.join(" ")),
                "run": run,
                "memory_limit": memory,
                "debian_packages": language.debian_packages(),
            })
        })
        .collect();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(exit::OK);
    }
    for row in &rows {
        let available = row["available"].as_bool().unwrap_or(false);
        println!(
            "{:<11} {:<9} {}",
            row["language"].as_str().unwrap_or(""),
            if available { "available" } else { "missing" },
            row["version"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| format!(
                    "install: {}",
                    row["debian_packages"].as_str().unwrap_or("")
                )),
        );
        let aliases: Vec<&str> = row["aliases"]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        if !aliases.is_empty() {
            println!("            also: {}", aliases.join(", "));
        }
        if let Some(compile) = row["compile"].as_str() {
            println!("            compile: {compile}");
        }
        println!("            run: {}", row["run"].as_str().unwrap_or(""));
        println!(
            "            memory: {}",
            row["memory_limit"].as_str().unwrap_or("")
        );
    }
    Ok(exit::OK)
}
