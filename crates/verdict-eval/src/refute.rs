//! `verdict refute`: checking proposed counterexamples. Given a program
//! believed wrong, a reference solution (or a checker), an input validator
//! and proposed inputs, each input is `invalid_input` (the validator does
//! not accept it), `counterexample` (the program and the reference
//! disagree on it, or the program crashes or runs out of a limit on it),
//! `no_difference`, or `reference_failed` (the reference itself fails on
//! a valid input: nothing can be concluded). Function-style tasks (the
//! arguments as Python source) and stdin/stdout tasks in every language.

use serde::Deserialize;
use serde_json::{Value, json};
use verdict_exec::{Guard, Job, JobKind, Language, Limits, Outcome, Pool, Status, compile_limits};

use crate::compare::{Comparator, decode};
use crate::pyvalue::PyValue;
use crate::results::clip;

/// Code, with its language (`python` when given as a bare string).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Code {
    /// Python source.
    Python(String),
    /// Source in a language of `verdict languages`.
    In {
        /// The language.
        language: String,
        /// The source.
        code: String,
    },
}

impl Code {
    fn parts(&self) -> (&str, &str) {
        match self {
            Code::Python(code) => ("python", code),
            Code::In { language, code } => (language, code),
        }
    }
}

/// One refutation request.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefuteRequest {
    /// Anything that names the request in the answer.
    #[serde(default)]
    pub id: Value,
    /// A function-style task: the function called with each input's
    /// arguments (Python only). Without it, a stdin/stdout task.
    pub entry_point: Option<String>,
    /// The program believed wrong.
    pub program: Code,
    /// The reference solution (or, for stdin/stdout with a checker, any
    /// program whose output the checker is given as the expected one).
    pub reference: Code,
    /// The input validator: for a function, Python code defining
    /// `validate`, called with the input's arguments (it accepts unless it
    /// raises or returns `False`); for stdin/stdout, a program reading the
    /// input on stdin (it accepts by exiting 0). None: every input is valid.
    pub validator: Option<Code>,
    /// The proposed inputs: for a function, the arguments as Python source
    /// (`"[1, 2], 3"`); for stdin/stdout, the input's text.
    pub inputs: Vec<String>,
    /// stdin/stdout: how outputs are compared (as in problem files:
    /// `exact`, `trailing_whitespace`, `{"mode": "tokens", ..}`, `checker`).
    pub compare: Option<Value>,
    /// stdin/stdout: a checker `{language, code}` for `compare: checker`.
    pub checker: Option<Value>,
    /// Function: the absolute tolerance of float outputs (EvalPlus's rules).
    #[serde(default)]
    pub atol: f64,
    /// CPU time of each run, milliseconds.
    pub time_limit_ms: Option<u64>,
}

/// Why a request cannot be run.
#[derive(Debug, thiserror::Error)]
#[error("field `{field}`: {message}")]
pub struct RefuteError {
    /// The field.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

fn bad(field: &str, message: impl Into<String>) -> RefuteError {
    RefuteError {
        field: field.into(),
        message: message.into(),
    }
}

/// The most inputs one request may propose.
pub const MAX_INPUTS: usize = 1_000;

/// Checks every input of `request` on `pool`: one answer per input.
pub fn refute(request: &RefuteRequest, pool: &Pool) -> Result<Value, RefuteError> {
    if request.inputs.is_empty() {
        return Err(bad("inputs", "must not be empty"));
    }
    if request.inputs.len() > MAX_INPUTS {
        return Err(bad("inputs", format!("at most {MAX_INPUTS} inputs")));
    }
    let time_ms = request.time_limit_ms.unwrap_or(2_000);
    if !(1..=60_000).contains(&time_ms) {
        return Err(bad("time_limit_ms", "must be between 1 and 60000"));
    }
    let limits = Limits {
        cpu_ms: time_ms,
        active_ms: time_ms,
        memory_bytes: 1 << 30,
        kept_output_bytes: 1 << 20,
        ..Limits::default()
    };
    let results = match &request.entry_point {
        Some(entry) => function_style(request, entry, limits, pool)?,
        None => stdio_style(request, limits, pool)?,
    };
    let count = |verdict: &str| results.iter().filter(|r| r["verdict"] == verdict).count();
    Ok(json!({
        "id": request.id,
        "counterexamples": count("counterexample"),
        "no_difference": count("no_difference"),
        "invalid_inputs": count("invalid_input"),
        "reference_failed": count("reference_failed"),
        "results": results,
    }))
}

/// What a failed run says: its status and the tail of its stderr.
fn failure(outcome: &Outcome) -> Value {
    json!({
        "status": outcome.status.name(),
        "exit_code": outcome.exit_code,
        "stderr": clip(&outcome.stderr, 1000),
        "error": outcome.error,
    })
}

// ---- functions

fn python_only(code: &Code, field: &str) -> Result<String, RefuteError> {
    match code.parts() {
        ("python", text) => Ok(text.to_string()),
        (other, _) => Err(bad(
            field,
            format!("a function-style task is Python; `{other}` given"),
        )),
    }
}

/// One call of `entry` in `code` on `args` (Python source): its record.
fn call(
    pool: &Pool,
    code: &str,
    entry: &str,
    args: &str,
    limits: Limits,
) -> (Outcome, Option<PyValue>) {
    let job = Job {
        code: code.to_string(),
        kind: JobKind::Calls {
            entry_point: entry.to_string(),
            inputs_json: "[]".into(),
            input_cpu_ms: vec![limits.cpu_ms],
            guard: Some(Guard::EvalPlus),
            set_outputs: false,
            inputs_python: Some(vec![args.to_string()]),
            return_args: false,
        },
        stdin: None,
        // The call's own limit is the one reached first, so that its record
        // says so.
        limits: Limits {
            cpu_ms: limits.cpu_ms + 1_000,
            active_ms: limits.active_ms + 1_000,
            ..limits
        },
        trace: None,
    };
    let outcome = pool.run(job);
    let record = crate::judge::records_of(&outcome)
        .into_iter()
        .find(|r| r.get("i").is_some() || r.get("setup_error").is_some());
    (outcome, record)
}

/// What a call's record says when it has no output.
fn call_failure(outcome: &Outcome, record: Option<&PyValue>) -> Option<Value> {
    match record {
        Some(r) if r.get("out").is_some() => None,
        Some(r) => {
            let text = |k: &str| r.get(k).and_then(PyValue::as_str).map(str::to_string);
            Some(json!({
                "status": if r.get("timeout").is_some() { "time_limit" } else { "exception" },
                "exception": text("exc").or_else(|| text("setup_error")),
                "message": text("message"),
            }))
        }
        None => Some(failure(outcome)),
    }
}

fn function_style(
    request: &RefuteRequest,
    entry: &str,
    limits: Limits,
    pool: &Pool,
) -> Result<Vec<Value>, RefuteError> {
    let program = python_only(&request.program, "program")?;
    let reference = python_only(&request.reference, "reference")?;
    let validator = match &request.validator {
        Some(code) => Some(python_only(code, "validator")?),
        None => None,
    };
    if request.compare.is_some() || request.checker.is_some() {
        return Err(bad(
            "compare",
            "a function's outputs are compared by EvalPlus's rules (`atol`); `compare` and `checker` are for stdin/stdout",
        ));
    }
    let mut results = Vec::new();
    for (index, args) in request.inputs.iter().enumerate() {
        let mut result = json!({"index": index, "input": args});
        if let Some(validator) = &validator {
            let (outcome, record) = call(pool, validator, "validate", args, limits);
            let rejected = match call_failure(&outcome, record.as_ref()) {
                Some(why) => Some(why),
                None => {
                    let out = record.as_ref().and_then(|r| r.get("out"));
                    (out.map(|o| o.to_python()) == Some("False".into()))
                        .then(|| json!({"status": "rejected", "returned": "False"}))
                }
            };
            if let Some(why) = rejected {
                result["verdict"] = json!("invalid_input");
                result["validator"] = why;
                results.push(result);
                continue;
            }
        }
        let (ref_outcome, ref_record) = call(pool, &reference, entry, args, limits);
        if let Some(why) = call_failure(&ref_outcome, ref_record.as_ref()) {
            result["verdict"] = json!("reference_failed");
            result["reference"] = why;
            results.push(result);
            continue;
        }
        let expected = ref_record.as_ref().and_then(|r| r.get("out")).cloned();
        result["expected"] = json!(expected.as_ref().map(PyValue::to_python));
        let (outcome, record) = call(pool, &program, entry, args, limits);
        if let Some(why) = call_failure(&outcome, record.as_ref()) {
            result["verdict"] = json!("counterexample");
            result["reason"] = json!("the program fails on it");
            result["program"] = why;
            results.push(result);
            continue;
        }
        let actual = record.as_ref().and_then(|r| r.get("out")).cloned();
        result["actual"] = json!(actual.as_ref().map(PyValue::to_python));
        let verdict = match (expected.as_ref().map(decode), actual.as_ref().map(decode)) {
            (Some(Ok(exp)), Some(Ok(out))) => {
                // No special oracle: the arguments are not read.
                match Comparator::new(request.atol, None).check_call(&[], None, &out, &exp) {
                    Ok(()) => ("no_difference", None),
                    Err(reason) => ("counterexample", Some(reason)),
                }
            }
            _ => (
                "reference_failed",
                Some("an output could not be read".to_string()),
            ),
        };
        result["verdict"] = json!(verdict.0);
        if let Some(reason) = verdict.1 {
            result["reason"] = json!(reason);
        }
        results.push(result);
    }
    Ok(results)
}

// ---- stdin/stdout

fn language_of(code: &Code, field: &str) -> Result<Language, RefuteError> {
    let (name, _) = code.parts();
    Language::from_name(name).ok_or_else(|| {
        bad(
            field,
            format!(
                "unknown language `{name}` (known: {})",
                Language::known_names()
            ),
        )
    })
}

fn stdio_style(
    request: &RefuteRequest,
    limits: Limits,
    pool: &Pool,
) -> Result<Vec<Value>, RefuteError> {
    let mut row = json!({"task_id": "refute", "tests": [{"input": "", "output": ""}]});
    if let Some(compare) = &request.compare {
        row["compare"] = compare.clone();
    }
    if let Some(checker) = &request.checker {
        row["checker"] = checker.clone();
    }
    let set = crate::stdio::parse_problems(std::path::Path::new("request"), &row.to_string())
        .map_err(|e| {
            bad(
                if request.checker.is_some() {
                    "checker"
                } else {
                    "compare"
                },
                e.to_string(),
            )
        })?;
    let template = set
        .problems
        .into_iter()
        .next()
        .ok_or_else(|| bad("compare", "not a stdin/stdout comparison"))?;
    let program_language = language_of(&request.program, "program")?;
    let reference_language = language_of(&request.reference, "reference")?;
    let prepare = |code: &Code, language: Language, field: &str| {
        pool.prepare(&language.recipe(), code.parts().1, &compile_limits())
            .map_err(|failed| {
                bad(
                    field,
                    format!(
                        "does not compile ({}): {}",
                        failed.status.name(),
                        clip(&failed.stderr, 2000)
                    ),
                )
            })
    };
    let reference = prepare(&request.reference, reference_language, "reference")?;
    let validator = match &request.validator {
        Some(code) => {
            let language = language_of(code, "validator")?;
            Some(prepare(code, language, "validator")?)
        }
        None => None,
    };
    let mut results: Vec<Value> = Vec::new();
    let mut cases = Vec::new();
    for (index, input) in request.inputs.iter().enumerate() {
        let mut result = json!({"index": index, "input": clip(input, 1000)});
        if let Some(validator) = &validator {
            let outcome = pool.run_program(validator, Some(input.clone()), limits);
            if outcome.status != Status::Ok {
                result["verdict"] = json!("invalid_input");
                result["validator"] = failure(&outcome);
                results.push(result);
                continue;
            }
        }
        let outcome = pool.run_program(&reference, Some(input.clone()), limits);
        if outcome.status != Status::Ok || outcome.stdout_truncated {
            result["verdict"] = json!("reference_failed");
            result["reference"] = failure(&outcome);
            results.push(result);
            continue;
        }
        result["expected"] = json!(clip(&outcome.stdout, 2000));
        cases.push((
            results.len(),
            crate::stdio::Case {
                input: input.clone(),
                expected: outcome.stdout,
            },
        ));
        results.push(result);
    }
    if !cases.is_empty() {
        let mut problem = template;
        problem.tests = cases.iter().map(|(_, case)| case.clone()).collect();
        problem.time_limit_ms = Some(limits.cpu_ms);
        let options = crate::stdio::StdioOptions {
            time_limit_ms: limits.cpu_ms,
            memory_bytes: limits.memory_bytes,
            stop_on_first_failure: false,
            trace: None,
        };
        let verdict = crate::stdio::judge_program(
            pool,
            &problem,
            &program_language.recipe(),
            request.program.parts().1,
            &options,
        );
        if verdict.verdict == "compile_error" {
            return Err(bad(
                "program",
                format!(
                    "does not compile: {}",
                    verdict.compile_message.unwrap_or_default()
                ),
            ));
        }
        for case in &verdict.tests {
            let (at, _) = cases[case.index];
            let result = &mut results[at];
            result["actual"] = json!(clip(&case.outcome.stdout, 2000));
            result["program_status"] = json!(case.outcome.status.name());
            if case.verdict == "accepted" {
                result["verdict"] = json!("no_difference");
            } else {
                result["verdict"] = json!("counterexample");
                result["reason"] = json!(case.verdict);
                if let Some(message) = &case.message {
                    result["message"] = json!(message);
                }
            }
        }
    }
    Ok(results)
}

/// Reads refutation requests: a JSON object, or JSONL (one per line).
pub fn read_requests(text: &str) -> Result<Vec<(usize, RefuteRequest)>, (usize, String)> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{')
        && let Ok(one) = serde_json::from_str::<RefuteRequest>(text)
    {
        return Ok(vec![(1, one)]);
    }
    let mut requests = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let request: RefuteRequest =
            serde_json::from_str(line).map_err(|e| (i + 1, e.to_string()))?;
        requests.push((i + 1, request));
    }
    Ok(requests)
}
