//! ClassEval (FudanSELab/ClassEval): the program a sample becomes, and the
//! outcome of each of the task's test classes.

use serde_json::{Map, Value, json};
use verdict_exec::Outcome;

use crate::dataset::Task;
use crate::results::{RESULT_PASSED, RESULT_TIMED_OUT, ResultRow, result_failed};
use crate::unittest_judge::no_report_status;

/// The program of a sample: the task's `import_statement` lines, then the
/// class code.
pub fn program(task: &Task, code: &str) -> String {
    let imports = task
        .unittest
        .as_ref()
        .map(|u| u.imports.join("\n"))
        .unwrap_or_default();
    format!("{imports}\n{code}")
}

/// The outcome of one test class from unittest's counts: `success` when
/// every test ran clean, `error` when any raised, `fail` when every test
/// failed, `partial_success` otherwise.
pub fn class_outcome(entry: &Value) -> &'static str {
    if entry.get("error").is_some() {
        return "error";
    }
    let count = |key: &str| entry.get(key).and_then(Value::as_array).map_or(0, Vec::len);
    let run = entry.get("run").and_then(Value::as_u64).unwrap_or(0) as usize;
    let (failures, errors) = (count("failures"), count("errors"));
    if errors > 0 {
        "error"
    } else if failures == 0 {
        "success"
    } else if failures == run {
        "fail"
    } else {
        "partial_success"
    }
}

/// The row of a ClassEval sample: per test class its outcome; the sample
/// passes when every class succeeds.
pub fn row(fields: Map<String, Value>, outcome: &Outcome) -> ResultRow {
    let report = outcome.harness.as_ref();
    let mut details = Map::new();
    details.insert("wall_ms".into(), json!(outcome.wall_ms));
    details.insert("cpu_ms".into(), json!(outcome.cpu_ms));
    let Some(report) = report else {
        details.insert("exit_code".into(), json!(outcome.exit_code));
        details.insert("signal".into(), json!(outcome.signal));
        return ResultRow {
            fields,
            passed: false,
            result: RESULT_TIMED_OUT.into(),
            status: no_report_status(outcome).into(),
            details: Some(Value::Object(details)),
        };
    };
    if let Some(error) = report.get("load_error").and_then(Value::as_str) {
        details.insert("load_error".into(), json!(error));
        return ResultRow {
            fields,
            passed: false,
            result: result_failed(error),
            status: "failed".into(),
            details: Some(Value::Object(details)),
        };
    }
    let classes: Vec<Value> = report
        .get("classes")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut outcomes = Map::new();
    for entry in &classes {
        let name = entry.get("class").and_then(Value::as_str).unwrap_or("");
        outcomes.insert(name.to_string(), json!(class_outcome(entry)));
    }
    let passed = !classes.is_empty() && outcomes.values().all(|o| o == "success");
    let first_bad = outcomes
        .iter()
        .find(|(_, o)| *o != "success")
        .map(|(name, o)| format!("{name}: {}", o.as_str().unwrap_or("")));
    details.insert("test_classes".into(), Value::Object(outcomes));
    details.insert("tests".into(), json!(classes));
    ResultRow {
        fields,
        passed,
        result: if passed {
            RESULT_PASSED.into()
        } else {
            result_failed(&first_bad.unwrap_or_default())
        },
        status: if passed { "passed" } else { "failed" }.into(),
        details: Some(Value::Object(details)),
    }
}
