//! Judging a sample of a unittest benchmark (BigCodeBench, ClassEval): the
//! program and the task's TestCase classes in one job, run by the worker's
//! unittest harness, and the official outcome decided from its report.

use serde_json::{Map, Value, json};
use verdict_exec::{Job, JobKind, Limits, Outcome, Pool, Status, UnittestHarness};

use crate::benchmarks::UnittestRules;
use crate::dataset::Task;
use crate::judge::EvalLimits;
use crate::results::{RESULT_PASSED, RESULT_TIMED_OUT, ResultRow, clip, result_failed};
use crate::trace::TraceOptions;

/// BigCodeBench's stack limit (`max_stack_limit`, 10 MiB).
const BIGCODEBENCH_STACK_BYTES: u64 = 10 << 20;

/// Longest traceback kept per test in a result row.
const TRACE_BYTES: usize = 8000;

/// The program BigCodeBench runs for `code` (the sample's solution, or
/// `complete_prompt + completion`): calibrated, `code_prompt + "\n
/// pass\n"` before it.
pub fn bigcodebench_program(task: &Task, code: &str, calibrated: bool) -> String {
    match (&task.unittest, calibrated) {
        (Some(unit), true) => format!("{}\n    pass\n{}", unit.code_prompt, code),
        _ => code.to_string(),
    }
}

/// Runs `program` against `task`'s tests and returns the row.
pub fn judge(
    pool: &Pool,
    task: &Task,
    program: String,
    rules: UnittestRules,
    limits: &EvalLimits,
    fields: Map<String, Value>,
    trace: Option<&TraceOptions>,
) -> ResultRow {
    let suite_ms = limits.check_cpu_ms;
    let task_classes = task
        .unittest
        .as_ref()
        .map(|u| u.classes.clone())
        .unwrap_or_default();
    let (classes, stack_bytes, job_ms) = match rules.harness {
        // The official join deadline is a second past the suite's timer.
        UnittestHarness::BigCodeBench => (Vec::new(), BIGCODEBENCH_STACK_BYTES, suite_ms + 1_000),
        UnittestHarness::ClassEval => {
            let count = task_classes.len().max(1) as u64;
            (task_classes.clone(), 0, suite_ms * count + 1_000)
        }
    };
    let job = Job {
        code: program.clone(),
        kind: JobKind::Unittest {
            test: task.test.clone(),
            harness: rules.harness,
            classes,
            suite_ms,
            stack_bytes,
            module: match rules.harness {
                UnittestHarness::BigCodeBench => String::new(),
                UnittestHarness::ClassEval => format!("{}_0", module_name(&task.task_id)),
            },
        },
        stdin: None,
        limits: Limits {
            cpu_ms: job_ms,
            active_ms: job_ms,
            memory_bytes: limits.memory_bytes,
            processes: 256,
            ..Limits::default()
        },
        trace: None,
    };
    let again = trace.map(|_| job.clone());
    let outcome = pool.run(job);
    let failing = failing_tests(outcome.harness.as_ref());
    let mut row = match rules.harness {
        UnittestHarness::BigCodeBench => bigcodebench_row(fields, &outcome, program),
        UnittestHarness::ClassEval => crate::classeval::row(fields, &task_classes, &outcome),
    };
    if let (Some(options), Some(job)) = (trace, again)
        && options.wants(row.passed)
    {
        // The failing tests by name; all of them when the report names
        // none (the job ended before it, or failed outside any test).
        let wanted = (!options.all && !failing.is_empty()).then_some(failing);
        let timed_out = outcome.status == Status::TimeLimit;
        let traced = pool.run(options.traced(&job, wanted.clone(), timed_out));
        crate::trace::attach(
            &mut row.details,
            crate::trace::of_unittest(&traced, wanted.as_deref()),
        );
    }
    row
}

/// The tests a unittest report says failed or raised, by the names the
/// tracer knows them by: BigCodeBench's method names, ClassEval's
/// `Class.method`.
fn failing_tests(report: Option<&Value>) -> Vec<String> {
    let Some(report) = report else {
        return Vec::new();
    };
    let mut names = Vec::new();
    if let Some(details) = report.get("details").and_then(Value::as_object) {
        names.extend(details.keys().filter(|k| *k != "ALL").cloned());
    }
    for class in report
        .get("classes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let owner = class.get("class").and_then(Value::as_str).unwrap_or("");
        for key in ["failures", "errors"] {
            for entry in class
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(name) = entry.get(0).and_then(Value::as_str) {
                    names.push(format!("{owner}.{name}"));
                }
            }
        }
    }
    names
}

/// `task_id` as a Python module name (ClassEval's ids already are one).
fn module_name(task_id: &str) -> String {
    task_id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// BigCodeBench's status from the worker's report, as `untrusted_check`
/// decides it: no report is `timeout`; a report of a suite that ran is
/// `pass` without details and `fail` with; an error outside the suite is
/// `fail` with `{"ALL": message}`.
pub fn bigcodebench_status(report: Option<&Value>) -> (&'static str, Map<String, Value>) {
    let Some(report) = report else {
        return ("timeout", Map::new());
    };
    let details = report
        .get("details")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    match report.get("state").and_then(Value::as_str) {
        Some("success") if details.is_empty() => ("pass", details),
        Some("success") | Some("failed") => ("fail", details),
        _ => ("timeout", Map::new()),
    }
}

fn bigcodebench_row(fields: Map<String, Value>, outcome: &Outcome, program: String) -> ResultRow {
    let (official, tests) = bigcodebench_status(outcome.harness.as_ref());
    let tests: Map<String, Value> = tests
        .into_iter()
        .map(|(name, trace)| {
            let text = trace
                .as_str()
                .map(|t| tail(t, TRACE_BYTES))
                .unwrap_or_default();
            (name, json!(text))
        })
        .collect();
    let (status, result) = match official {
        "pass" => ("passed", RESULT_PASSED.to_string()),
        "fail" => ("failed", result_failed(&first_failure(&tests))),
        _ => (no_report_status(outcome), RESULT_TIMED_OUT.to_string()),
    };
    let mut details = Map::new();
    details.insert("bigcodebench_status".into(), json!(official));
    details.insert("tests".into(), Value::Object(tests));
    details.insert("program".into(), json!(program));
    details.insert("wall_ms".into(), json!(outcome.wall_ms));
    details.insert("cpu_ms".into(), json!(outcome.cpu_ms));
    details.insert("peak_memory_bytes".into(), json!(outcome.peak_memory_bytes));
    if official == "timeout" {
        details.insert("exit_code".into(), json!(outcome.exit_code));
        details.insert("signal".into(), json!(outcome.signal));
        if !outcome.stderr.is_empty() {
            details.insert("stderr".into(), json!(clip(&outcome.stderr, 2000)));
        }
        if let Some(error) = &outcome.error {
            details.insert("error".into(), json!(error));
        }
    }
    ResultRow {
        fields,
        passed: official == "pass",
        result,
        status: status.into(),
        details: Some(Value::Object(details)),
    }
}

/// The rows' status of a job that left no report: why it ended.
pub fn no_report_status(outcome: &Outcome) -> &'static str {
    match outcome.status {
        Status::TimeLimit => "timed_out",
        Status::MemoryLimit => "memory_limit",
        Status::OutputLimit => "output_limit",
        Status::SandboxError => "sandbox_error",
        Status::CompileError => "compile_error",
        Status::Ok | Status::RuntimeError => "runtime_error",
    }
}

/// The first failing test's name and the last line of its traceback (or
/// the module's error), for the `result` text.
fn first_failure(tests: &Map<String, Value>) -> String {
    let Some((name, trace)) = tests.iter().next() else {
        return String::new();
    };
    let trace = trace.as_str().unwrap_or("");
    let last = trace
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    if name == "ALL" {
        trace.to_string()
    } else {
        format!("{name}: {}", last.trim())
    }
}

/// At most `max` bytes of the end of `text`, cut at a character boundary.
fn tail(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut start = text.len() - max;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    format!("[... {start} bytes cut]\n{}", &text[start..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_untrusted_check() {
        assert_eq!(bigcodebench_status(None).0, "timeout");
        let ran = json!({"state": "success", "details": {}});
        assert_eq!(bigcodebench_status(Some(&ran)).0, "pass");
        let failed_test = json!({"state": "success", "details": {"test_a": "Traceback..."}});
        assert_eq!(bigcodebench_status(Some(&failed_test)).0, "fail");
        let broken = json!({"state": "failed", "details": {"ALL": "invalid syntax"}});
        let (status, details) = bigcodebench_status(Some(&broken));
        assert_eq!(
            (status, details["ALL"].as_str()),
            ("fail", Some("invalid syntax"))
        );
    }

    #[test]
    fn the_result_text_names_the_first_failing_test() {
        let mut tests = Map::new();
        tests.insert(
            "test_case_1".into(),
            json!("Traceback (most recent call last):\n  ...\nAssertionError: 1 != 2\n"),
        );
        assert_eq!(first_failure(&tests), "test_case_1: AssertionError: 1 != 2");
    }
}
