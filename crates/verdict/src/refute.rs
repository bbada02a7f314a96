//! `verdict refute`: proposed counterexamples checked (see
//! `verdict_eval::refute`).

use anyhow::{Context, Result, bail};
use serde_json::Value;
use verdict_eval::refute::{read_requests, refute as check};
use verdict_exec::{Language, Pool};

use crate::cli::RefuteArgs;
use crate::exit;
use crate::run::pool_config;

pub fn refute(args: RefuteArgs) -> Result<i32> {
    let path = &args.requests;
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading `{}`", path.display()))?;
    let requests = match read_requests(&text) {
        Ok(requests) if requests.is_empty() => bail!("`{}` has no request", path.display()),
        Ok(requests) => requests,
        Err((line, what)) => bail!("`{}` line {line}: {what}", path.display()),
    };
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let config = pool_config(
        Language::Python,
        &args.sandbox,
        args.jobs.unwrap_or(cores),
        1 << 30,
    )?;
    let pool = Pool::start(config).context("starting the sandbox (see `verdict doctor`)")?;
    let mut answers = Vec::new();
    for (line, request) in &requests {
        let answer = check(request, &pool)
            .map_err(|e| anyhow::anyhow!("`{}` line {line}: {e}", path.display()))?;
        answers.push(answer);
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&answers)?);
    } else {
        for answer in &answers {
            print!("{}", text_of(answer));
        }
    }
    Ok(exit::OK)
}

fn text_of(answer: &Value) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let id = match &answer["id"] {
        Value::Null => String::new(),
        Value::String(s) => format!("{s}: "),
        other => format!("{other}: "),
    };
    let _ = writeln!(
        out,
        "{id}{} counterexample(s), {} without difference, {} invalid input(s), {} where the reference failed",
        answer["counterexamples"],
        answer["no_difference"],
        answer["invalid_inputs"],
        answer["reference_failed"]
    );
    for result in answer["results"].as_array().into_iter().flatten() {
        let mut line = format!(
            "  input {}: {}",
            result["index"],
            result["verdict"].as_str().unwrap_or("?")
        );
        if let Some(reason) = result.get("reason").and_then(Value::as_str) {
            let _ = write!(line, " ({reason})");
        }
        if let (Some(expected), Some(actual)) = (result.get("expected"), result.get("actual")) {
            let _ = write!(line, ": expected {expected}, got {actual}");
        }
        for key in ["validator", "reference", "program"] {
            if let Some(why) = result.get(key) {
                let _ = write!(line, "; {key}: {why}");
            }
        }
        let _ = writeln!(out, "{line}");
    }
    out
}
