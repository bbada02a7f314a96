//! `POST /v1/run` and `POST /v1/judge`: one program, or one program and its
//! tests, on the slots.

use std::sync::Arc;
use verdict_eval::trace::TraceOptions;

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use verdict_eval::judge::check_row;
use verdict_eval::stdio;
use verdict_exec::{Job, JobKind, Language, Limits, Outcome, compile_limits};

use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::share::{Share, SharedResult};
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

/// Checks a language name, and that its toolchain is installed here.
pub fn language(name: &str, field: &str) -> Result<Language, ApiError> {
    let language = Language::from_name(name).ok_or_else(|| {
        ApiError::field(
            field,
            format!(
                "unsupported language `{name}` (supported: {})",
                Language::known_names()
            ),
        )
    })?;
    if !language.is_available() {
        return Err(ApiError::field(
            field,
            format!(
                "{} is not installed on this server (Debian packages: {})",
                language.name(),
                language.debian_packages()
            ),
        ));
    }
    Ok(language)
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
    let language = language(&request.language, "language")?;
    let limits = request.limits.to_limits(state.config().max_memory_bytes)?;
    if language == Language::Python {
        let job = Job {
            code: request.code,
            kind: JobKind::Program,
            stdin: request.stdin,
            limits,
            trace: None,
        };
        return run_shared(&state, "run", job, |outcome| {
            let mut value = serde_json::to_value(outcome)?;
            value["language"] = json!("python");
            Ok(value)
        })
        .await;
    }
    let key = Share::key(
        "run",
        &json!({ "language": language.name(), "code": request.code, "stdin": request.stdin, "limits": limits }),
    );
    let ticket = state.admit()?;
    let (code, stdin) = (request.code, request.stdin);
    let (result, shared) = state
        .run_once(key, || async move {
            let recipe = language.recipe();
            let ran = ticket
                .run_with(move |pool| {
                    run_compiled(pool, &recipe, &code, stdin, limits, compile_limits())
                })
                .await?;
            let mut value = serde_json::to_value(&ran.outcome)
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            value["language"] = json!(language.name());
            if let Some((compile, cached)) = &ran.compile {
                value["compile"] = json!({
                    "status": compile.status,
                    "wall_ms": compile.wall_ms,
                    "cpu_ms": compile.cpu_ms,
                    "peak_memory_bytes": compile.peak_memory_bytes,
                    "stderr": compile.stderr,
                    "cached": cached,
                });
            }
            Ok(Arc::new(value))
        })
        .await;
    shared_answer(result, shared, false)
}

/// A program in a compiled or interpreted language, run once: its compile
/// step (outcome, and whether the build was reused) and its run. When it
/// does not compile, `outcome` is the compile failure (`compile_error`) and
/// `compile` is `None`.
pub struct Compiled {
    /// The compile step, for compiled languages that compiled.
    pub compile: Option<(Outcome, bool)>,
    /// The run, or the compile failure.
    pub outcome: Outcome,
}

/// Compiles (once per distinct source) and runs a program.
pub fn run_compiled(
    pool: &verdict_exec::Pool,
    recipe: &verdict_exec::Recipe,
    code: &str,
    stdin: Option<String>,
    limits: Limits,
    compile: Limits,
) -> Compiled {
    match pool.prepare(recipe, code, &compile) {
        Ok(program) => Compiled {
            compile: program
                .build()
                .map(|b| (b.compile.clone(), program.reused_build())),
            outcome: pool.run_program(&program, stdin, limits),
        },
        Err(failed) => Compiled {
            compile: None,
            outcome: (*failed).clone(),
        },
    }
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
    shared_answer(result, shared, false)
}

/// The answer of a run that may have been shared: `"shared": true` added
/// when it was (`always`: the field is there either way, as `/v1/judge`
/// answers).
pub fn shared_answer(
    result: SharedResult,
    shared: bool,
    always: bool,
) -> Result<Json<Value>, ApiError> {
    let mut value = (*result?).clone();
    if shared || always {
        value["shared"] = json!(shared);
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
    #[serde(default, alias = "input")]
    pub stdin: String,
    /// The expected standard output, compared as `compare` says (default:
    /// ignoring trailing whitespace).
    #[serde(alias = "output")]
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
    /// How case outputs are compared (docs/stdio-format.md): `exact`,
    /// `trailing_whitespace` (default), `{"mode": "tokens", "abs_tol", "rel_tol"}`
    /// or `checker`.
    pub compare: Option<Value>,
    /// A checker program `{"language", "code"}` for `compare: checker`.
    pub checker: Option<Value>,
    /// Argument lists to call `entry_point` with (Python; EvalPlus style), in
    /// verdict's tagged JSON (`{"$t": [..]}` for a tuple, `{"$d": [[k, v]]}`
    /// for a dict, `{"$set": [..]}`).
    pub inputs: Option<Vec<Value>>,
    /// The expected return value of each input, in the same encoding;
    /// compared outside the sandbox with EvalPlus's rules.
    pub expected: Option<Vec<Value>>,
    /// Absolute tolerance for float outputs (EvalPlus's `atol`; 0 means
    /// exact, with EvalPlus's 1e-6 for float outputs).
    #[serde(default)]
    pub atol: f64,
    /// Stop at the first failing case.
    #[serde(default)]
    pub stop_on_first_failure: bool,
    /// Limits of each run.
    #[serde(default)]
    pub limits: LimitsRequest,
    /// Runtime traces of a Python program's own code (docs/traces.md):
    /// `true` or `"failing"` for its failing tests, `"all"` for every
    /// test, or `{"tests": "failing"|"all", "events", "value_chars",
    /// "bytes", "lines"}`. The answer then has `traces`.
    pub trace: Option<Value>,
}

/// The `trace` field of a judge request, read.
fn trace_options(trace: Option<&Value>) -> Result<Option<TraceOptions>, ApiError> {
    let bad = |message: String| ApiError::field("trace", message);
    let which = |text: &str| match text {
        "failing" => Ok(false),
        "all" => Ok(true),
        other => Err(bad(format!("`{other}` is neither `failing` nor `all`"))),
    };
    let mut options = TraceOptions::failing();
    match trace {
        None | Some(Value::Null) | Some(Value::Bool(false)) => return Ok(None),
        Some(Value::Bool(true)) => {}
        Some(Value::String(text)) => options.all = which(text)?,
        Some(Value::Object(fields)) => {
            for (key, value) in fields {
                let number = |low: u64, high: u64| {
                    value
                        .as_u64()
                        .filter(|n| (low..=high).contains(n))
                        .map(|n| n as u32)
                        .ok_or_else(|| {
                            ApiError::field(
                                format!("trace.{key}"),
                                format!("must be an integer from {low} to {high}"),
                            )
                        })
                };
                match key.as_str() {
                    "tests" => {
                        options.all = which(value.as_str().ok_or_else(|| {
                            ApiError::field("trace.tests", "must be `failing` or `all`")
                        })?)?
                    }
                    "events" => options.request.events = number(1, 100_000)?,
                    "value_chars" => options.request.value_chars = number(8, 100_000)?,
                    "bytes" => options.request.bytes = number(1024, 16 << 20)?,
                    "lines" => {
                        options.request.lines = value.as_bool().ok_or_else(|| {
                            ApiError::field("trace.lines", "must be true or false")
                        })?
                    }
                    other => {
                        return Err(ApiError::field(
                            format!("trace.{other}"),
                            "unknown field (known: tests, events, value_chars, bytes, lines)",
                        ));
                    }
                }
            }
        }
        Some(_) => {
            return Err(bad("must be true, \"failing\", \"all\" or an object".into()));
        }
    }
    Ok(Some(options))
}

/// Judges one program against its tests.
pub async fn judge(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<JudgeRequest>,
) -> Result<Json<Value>, ApiError> {
    let language = language(&request.language, "language")?;
    let trace = trace_options(request.trace.as_ref())?;
    if trace.is_some() && language != Language::Python {
        return Err(ApiError::field("trace", "traces are of Python programs"));
    }
    let mut limits = request.limits.to_limits(state.config().max_memory_bytes)?;
    // As in `verdict eval`: a program that sleeps past the limit fails, one
    // merely waiting for a CPU does not.
    limits.active_ms = limits.cpu_ms;
    if request.inputs.is_some() || request.expected.is_some() {
        if request.test.is_some() || request.cases.is_some() {
            return Err(ApiError::field(
                "inputs",
                "give one of `test`, `cases` or `inputs`/`expected`",
            ));
        }
        if language != Language::Python {
            return Err(ApiError::field(
                "inputs",
                "function-call tests are Python only",
            ));
        }
        let (Some(inputs), Some(expected)) = (request.inputs, request.expected) else {
            return Err(ApiError::field(
                "expected",
                "`inputs` and `expected` go together",
            ));
        };
        if inputs.is_empty() || inputs.len() != expected.len() {
            return Err(ApiError::field(
                "expected",
                format!(
                    "needs one value per input ({} inputs, {} expected)",
                    inputs.len(),
                    expected.len()
                ),
            ));
        }
        if let Some(index) = inputs.iter().position(|i| !i.is_array()) {
            return Err(ApiError::field(
                format!("inputs[{index}]"),
                "must be a list of arguments",
            ));
        }
        let Some(entry_point) = request.entry_point else {
            return Err(ApiError::field(
                "entry_point",
                "the function to call is required with `inputs`",
            ));
        };
        let key = Share::key(
            "judge",
            &json!({ "code": request.code, "inputs": inputs, "expected": expected, "entry_point": entry_point, "atol": request.atol, "limits": limits, "trace": format!("{trace:?}") }),
        );
        let ticket = state.admit()?;
        let (code, atol) = (request.code, request.atol);
        let (result, shared) = state
            .run_once(key, || async move {
                let calls = Calls {
                    entry_point,
                    inputs,
                    expected,
                    atol,
                };
                judge_calls(&ticket, code, calls, limits, trace)
                    .await
                    .map(Arc::new)
            })
            .await;
        return shared_answer(result, shared, true);
    }
    let plan = match (request.test, request.cases) {
        (Some(test), None) if language == Language::Python => Plan::Check {
            test,
            entry_point: request.entry_point,
        },
        (Some(_), None) => {
            return Err(ApiError::field(
                "test",
                "check()-style tests are Python; give `cases` for other languages",
            ));
        }
        (None, Some(cases)) if !cases.is_empty() => {
            if request.entry_point.is_some() {
                return Err(ApiError::field("entry_point", "only with `test`"));
            }
            Plan::Cases(cases_problem(cases, request.compare, request.checker)?)
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
        &json!({ "code": request.code, "plan": plan.key(), "stop": request.stop_on_first_failure, "limits": limits, "trace": format!("{trace:?}") }),
    );
    let ticket = state.admit()?;
    let (code, stop) = (request.code, request.stop_on_first_failure);
    let (result, shared) = state
        .run_once(key, || async move {
            let value = match plan {
                Plan::Check { test, entry_point } => {
                    judge_check(&ticket, code, test, entry_point, limits, trace).await?
                }
                Plan::Cases(problem) => {
                    judge_cases(&ticket, language, code, *problem, stop, limits, trace).await?
                }
            };
            Ok(Arc::new(value))
        })
        .await;
    shared_answer(result, shared, true)
}

enum Plan {
    Check {
        test: String,
        entry_point: Option<String>,
    },
    Cases(Box<stdio::Problem>),
}

impl Plan {
    fn key(&self) -> Value {
        match self {
            Plan::Check { test, entry_point } => {
                json!({ "test": test, "entry_point": entry_point })
            }
            Plan::Cases(problem) => json!({
                "cases": problem.tests.iter().map(|c| [&c.input, &c.expected]).collect::<Vec<_>>(),
                "compare": format!("{:?}", problem.compare),
                "checker": problem.checker.as_ref().map(|c| [&c.language, &c.code]),
            }),
        }
    }
}

async fn judge_check(
    ticket: &Ticket,
    code: String,
    test: String,
    entry_point: Option<String>,
    limits: Limits,
    trace: Option<TraceOptions>,
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
        trace: None,
    };
    let again = trace.as_ref().map(|_| job.clone());
    let outcome = ticket.run(job).await?;
    let row = check_row(Map::new(), &outcome);
    let test =
        json!({ "index": 0, "passed": row.passed, "status": row.status, "details": row.details });
    let mut answer = json!({ "passed": row.passed, "status": row.status, "result": row.result, "tests": [test], "skipped": 0 });
    if let (Some(options), Some(job)) = (trace, again)
        && options.wants(row.passed)
    {
        let traced = ticket
            .run(options.traced(&job, None, row.status == "timed_out"))
            .await?;
        let mut label = Map::new();
        label.insert("test".into(), json!(0));
        answer["traces"] = json!([verdict_eval::trace::single(&traced, label)]);
    }
    Ok(answer)
}

/// The function-call tests of a judge request.
struct Calls {
    entry_point: String,
    inputs: Vec<Value>,
    expected: Vec<Value>,
    atol: f64,
}

/// EvalPlus-style judging of a function on inputs with expected outputs:
/// the candidate gets only the inputs; its return values come back typed and
/// are compared outside the sandbox.
async fn judge_calls(
    ticket: &Ticket,
    code: String,
    calls: Calls,
    limits: Limits,
    trace: Option<TraceOptions>,
) -> Result<Value, ApiError> {
    let Calls {
        entry_point,
        inputs,
        expected,
        atol,
    } = calls;
    let inputs_json = Value::Array(inputs).to_string();
    let parsed = verdict_eval::pyvalue::parse_json(&inputs_json)
        .map_err(|e| ApiError::field("inputs", e.to_string()))?;
    let verdict_eval::pyvalue::PyValue::List(parsed) = parsed else {
        return Err(ApiError::field("inputs", "must be a list"));
    };
    let expected = verdict_eval::expected::ListExpected::given(
        expected.iter().map(Value::to_string).collect(),
    );
    if let Err(e) = expected.decoded() {
        return Err(ApiError::field("expected", e));
    }
    let count = parsed.len() as u64;
    let job = Job {
        code,
        kind: JobKind::Calls {
            entry_point,
            inputs_json,
            input_cpu_ms: vec![limits.cpu_ms; count as usize],
            guard: None,
            set_outputs: false,
            inputs_python: None,
            return_args: false,
        },
        stdin: None,
        limits: Limits {
            cpu_ms: (limits.cpu_ms * count).min(MAX_TIME_MS) + 1_000,
            ..limits
        },
        trace: None,
    };
    let again = trace.as_ref().map(|_| job.clone());
    let outcome = ticket.run(job).await?;
    let mut verdict = verdict_eval::judge::judge_list(
        &outcome,
        &parsed,
        &expected,
        verdict_eval::judge::Verified::none(verdict_eval::compare::Comparator::new(atol, None)),
    );
    if let (Some(options), Some(job)) = (trace, again) {
        let judged = verdict.clone();
        verdict.traces = ticket
            .run_with(move |pool| {
                verdict_eval::judge::trace_calls(pool, &options, &job, &judged, "inputs")
            })
            .await?;
    }
    let status = match verdict.status {
        "pass" => "passed",
        "timeout" => "timed_out",
        _ if verdict.cause == Some(verdict_exec::Status::TimeLimit) => "timed_out",
        _ => "failed",
    };
    let mut answer = json!({
        "passed": verdict.status == "pass",
        "status": status,
        "evalplus_status": verdict.status,
        "failure": verdict.failure,
        "usage": verdict.usage,
    });
    if !verdict.traces.is_empty() {
        answer["traces"] = json!(verdict.traces);
    }
    Ok(answer)
}

/// The request's cases as a stdin/stdout problem, read by the same reader
/// as problem files (so `compare` and `checker` mean what they mean there).
fn cases_problem(
    cases: Vec<Case>,
    compare: Option<Value>,
    checker: Option<Value>,
) -> Result<Box<stdio::Problem>, ApiError> {
    let tests: Vec<Value> = cases
        .iter()
        .map(|c| json!({ "input": c.stdin, "output": c.expected_stdout }))
        .collect();
    let mut row = json!({ "task_id": "request", "tests": tests });
    if let Some(compare) = compare {
        row["compare"] = compare;
    }
    if let Some(checker) = checker {
        row["checker"] = checker;
    }
    let mut set = stdio::parse_problems(std::path::Path::new("request"), &row.to_string())
        .map_err(|e| {
            let message = e.to_string();
            let field = ["checker", "compare"]
                .into_iter()
                .find(|f| {
                    message.contains(&format!("`{f}")) || message.contains(&format!("field {f}"))
                })
                .unwrap_or("cases");
            ApiError::field(field, message)
        })?;
    let problem = set
        .problems
        .pop()
        .ok_or_else(|| ApiError::field("cases", "no case can be judged on stdin/stdout"))?;
    Ok(Box::new(problem))
}

async fn judge_cases(
    ticket: &Ticket,
    language: Language,
    code: String,
    problem: stdio::Problem,
    stop_on_first_failure: bool,
    limits: Limits,
    trace: Option<TraceOptions>,
) -> Result<Value, ApiError> {
    let options = stdio::StdioOptions {
        trace,
        time_limit_ms: limits.cpu_ms,
        memory_bytes: limits.memory_bytes,
        stop_on_first_failure,
    };
    let recipe = language.recipe();
    let verdict = ticket
        .run_with(move |pool| stdio::judge_program(pool, &problem, &recipe, &code, &options))
        .await?;
    let mut value = verdict.to_json();
    let passed = verdict.accepted();
    // The names the rest of the API uses: `passed` for an accepted test.
    let status = if passed {
        "passed".to_string()
    } else {
        verdict.verdict.clone()
    };
    value["status"] = json!(status);
    if let Some(tests) = value["tests"].as_array_mut() {
        for test in tests {
            let name = match test["verdict"].as_str() {
                Some("accepted") => "passed".to_string(),
                Some(other) => other.to_string(),
                None => "unknown".to_string(),
            };
            test["status"] = json!(name);
            let stdout = test.get("stdout").cloned();
            if stdout.is_none() {
                test["stdout"] = json!("");
                test["stderr"] = json!("");
            }
        }
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

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
