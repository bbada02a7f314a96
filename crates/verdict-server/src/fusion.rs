//! `POST /run_code`, SandboxFusion's API: its request fields and its response
//! shape, so that clients written for SandboxFusion (verl's reward code among
//! them) work unchanged for Python.
//!
//! SandboxFusion answers `status` `Success` only when every step finished
//! with exit code 0, `Failed` when the program failed or timed out (with the
//! step's `run_result.status` `Finished`, `TimeLimitExceeded` or `Error`), and
//! `SandboxError` when it could not run the program at all. Languages verdict
//! does not run get a `SandboxError` that says so. Compiled languages report
//! their compile step as `compile_result` (SandboxFusion's shape), and a
//! program that does not compile is `Failed` with no `run_result`.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::sync::Arc;

use verdict_exec::{Job, JobKind, Language, Limits, Outcome, Recipe, Status, compile_limits};

use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::jobs::{run_compiled, run_shared, shared_answer};
use crate::share::Share;
use crate::state::AppState;

/// SandboxFusion's `RunCodeRequest`.
#[derive(Debug, Deserialize)]
pub struct RunCodeRequest {
    /// The program.
    pub code: String,
    /// SandboxFusion's language name (`python`, `cpp`, `nodejs`, ...).
    pub language: String,
    /// Seconds of compile time (default 30; at least 10 is given).
    pub compile_timeout: Option<f64>,
    /// Seconds of run time (default 10).
    pub run_timeout: Option<f64>,
    /// Memory, MB; -1 (the default) means the server's limit.
    #[serde(rename = "memory_limit_MB")]
    pub memory_limit_mb: Option<i64>,
    /// Standard input.
    pub stdin: Option<String>,
    /// Files to place beside the program (path → base64); not supported yet.
    #[serde(default)]
    pub files: BTreeMap<String, Option<String>>,
    /// Files to return after the run; not supported yet.
    #[serde(default)]
    pub fetch_files: Vec<String>,
}

/// SandboxFusion's `CommandRunResult`.
#[derive(Debug, Serialize)]
pub struct CommandRunResult {
    /// `Finished`, `TimeLimitExceeded` or `Error`.
    pub status: &'static str,
    /// Seconds.
    pub execution_time: Option<f64>,
    /// The exit code; negative for a signal, as Python's subprocess reports.
    pub return_code: Option<i32>,
    /// Standard output.
    pub stdout: Option<String>,
    /// Standard error.
    pub stderr: Option<String>,
}

/// SandboxFusion's `RunCodeResponse`.
#[derive(Debug, Serialize)]
pub struct RunCodeResponse {
    /// `Success`, `Failed` or `SandboxError`.
    pub status: &'static str,
    /// Why, when not `Success`.
    pub message: String,
    /// The compile step of a compiled language; `null` otherwise.
    pub compile_result: Option<CommandRunResult>,
    /// The run.
    pub run_result: Option<CommandRunResult>,
    /// SandboxFusion's pod name; always `null`.
    pub executor_pod_name: Option<String>,
    /// Fetched files; always empty.
    pub files: BTreeMap<String, String>,
}

impl RunCodeResponse {
    fn sandbox_error(message: String) -> RunCodeResponse {
        RunCodeResponse {
            status: "SandboxError",
            message,
            compile_result: None,
            run_result: None,
            executor_pod_name: None,
            files: BTreeMap::new(),
        }
    }
}

/// Runs one program the SandboxFusion way.
pub async fn run_code(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<RunCodeRequest>,
) -> Result<Json<Value>, ApiError> {
    let plan = match plan_of(&request, state.config().max_memory_bytes) {
        Ok(plan) => plan,
        Err(Unsupported(message)) => {
            return respond(RunCodeResponse::sandbox_error(message), false);
        }
    };
    if plan.recipe.language == Language::Python && plan.recipe.compile.is_none() {
        let job = Job {
            code: request.code.clone(),
            kind: JobKind::Program,
            stdin: request.stdin.clone(),
            limits: plan.limits,
            trace: None,
        };
        return run_shared(&state, "run_code", job, |outcome| {
            serde_json::to_value(response_of(outcome, None))
        })
        .await;
    }
    let key = Share::key(
        "run_code",
        &json!({
            "language": request.language, "code": request.code, "stdin": request.stdin,
            "limits": plan.limits, "compile": plan.compile,
        }),
    );
    let ticket = state.admit()?;
    let (code, stdin) = (request.code, request.stdin);
    let (result, shared) = state
        .run_once(key, || async move {
            let Plan {
                recipe,
                limits,
                compile,
            } = plan;
            let ran = ticket
                .run_with(move |pool| run_compiled(pool, &recipe, &code, stdin, limits, compile))
                .await?;
            let compile = ran.compile.as_ref().map(|(outcome, _)| outcome);
            serde_json::to_value(response_of(&ran.outcome, compile))
                .map(Arc::new)
                .map_err(|e| ApiError::Internal(e.to_string()))
        })
        .await;
    shared_answer(result, shared, false)
}

fn respond(response: RunCodeResponse, shared: bool) -> Result<Json<Value>, ApiError> {
    let mut value =
        serde_json::to_value(response).map_err(|e| ApiError::Internal(e.to_string()))?;
    if shared {
        value["shared"] = json!(true);
    }
    Ok(Json(value))
}

/// A request verdict cannot serve, answered as a `SandboxError`.
struct Unsupported(String);

/// How to run a request: the language's recipe and the run and compile
/// limits.
struct Plan {
    recipe: Recipe,
    limits: Limits,
    compile: Limits,
}

/// SandboxFusion's language names (as verl sends them) that verdict runs.
pub const FUSION_LANGUAGES: [(&str, &str); 12] = [
    ("python", "python"),
    ("cpp", "cpp"),
    ("c", "c"),
    ("nodejs", "javascript"),
    ("go", "go"),
    ("go_test", "go"),
    ("java", "java"),
    ("php", "php"),
    ("bash", "bash"),
    ("typescript", "typescript"),
    ("rust", "rust"),
    ("perl", "perl"),
];

fn recipe_of(name: &str) -> Option<Recipe> {
    if name == "ruby" {
        return Some(Language::Ruby.recipe());
    }
    if name == "go_test" {
        // SandboxFusion runs `go_test` code as a Go test file.
        return Some(verdict_eval::multiple::recipe(Language::Go));
    }
    let (_, ours) = FUSION_LANGUAGES
        .iter()
        .find(|(theirs, _)| *theirs == name)?;
    Language::from_name(ours).map(Language::recipe)
}

fn seconds_ms(value: Option<f64>, default_s: f64, field: &str) -> Result<u64, Unsupported> {
    let seconds = value.unwrap_or(default_s);
    if !(seconds > 0.0 && seconds <= 60.0) {
        return Err(Unsupported(format!(
            "`{field}` must be more than 0 and at most 60 seconds"
        )));
    }
    Ok((seconds * 1000.0).ceil() as u64)
}

fn plan_of(request: &RunCodeRequest, max_memory: u64) -> Result<Plan, Unsupported> {
    let Some(recipe) = recipe_of(&request.language) else {
        let names: Vec<&str> = FUSION_LANGUAGES.iter().map(|(n, _)| *n).collect();
        return Err(Unsupported(format!(
            "language `{}` is not supported by this server (verdict runs: {}, ruby)",
            request.language,
            names.join(", ")
        )));
    };
    if !recipe.language.is_available() {
        return Err(Unsupported(format!(
            "{} is not installed on this server",
            recipe.language.name()
        )));
    }
    if !request.files.is_empty() || !request.fetch_files.is_empty() {
        return Err(Unsupported(
            "`files` and `fetch_files` are not supported by this server".into(),
        ));
    }
    let ms = seconds_ms(request.run_timeout, 10.0, "run_timeout")?;
    let compile_ms = seconds_ms(request.compile_timeout, 30.0, "compile_timeout")?;
    let memory = match request.memory_limit_mb {
        Some(mb) if mb > 0 => (mb as u64).saturating_mul(1 << 20).min(max_memory),
        _ => Limits::default().memory_bytes.min(max_memory),
    };
    // SandboxFusion's timeout is wall-clock time: active time (wall time not
    // spent waiting for a CPU) catches a sleeping program the same way.
    let limits = Limits {
        cpu_ms: ms,
        active_ms: ms,
        memory_bytes: memory,
        ..Limits::default()
    };
    let compile = Limits {
        // A compiler gets at least verdict's own compile time: a compile is
        // CPU time here, never inflated by a loaded machine.
        cpu_ms: compile_ms.max(10_000),
        ..compile_limits()
    };
    Ok(Plan {
        recipe,
        limits,
        compile,
    })
}

fn run_result_of(outcome: &Outcome) -> CommandRunResult {
    let status = match outcome.status {
        Status::Ok | Status::RuntimeError | Status::CompileError => "Finished",
        Status::TimeLimit => "TimeLimitExceeded",
        _ => "Error",
    };
    let return_code = match (outcome.exit_code, outcome.signal) {
        (Some(code), _) => Some(code),
        (None, Some(signal)) => Some(-signal),
        (None, None) => None,
    };
    CommandRunResult {
        status,
        execution_time: Some(outcome.wall_ms / 1000.0),
        return_code: if status == "TimeLimitExceeded" {
            None
        } else {
            return_code
        },
        stdout: Some(outcome.stdout.clone()),
        stderr: Some(outcome.stderr.clone()),
    }
}

/// SandboxFusion's reading of an outcome; `compile` is the compile step of
/// a compiled language that compiled. A compile failure (`compile_error`
/// outcome) is answered as SandboxFusion does: `Failed`, the compiler's run
/// as `compile_result`, no `run_result`.
pub fn response_of(outcome: &Outcome, compile: Option<&Outcome>) -> RunCodeResponse {
    if outcome.status == Status::SandboxError {
        return RunCodeResponse::sandbox_error(
            outcome
                .error
                .clone()
                .unwrap_or_else(|| "sandbox error".into()),
        );
    }
    if outcome.status == Status::CompileError {
        let mut compile_result = run_result_of(outcome);
        if outcome
            .error
            .as_deref()
            .is_some_and(|e| e.contains("time_limit"))
        {
            compile_result.status = "TimeLimitExceeded";
            compile_result.return_code = None;
        } else if compile_result.return_code == Some(0) {
            compile_result.return_code = Some(1);
        }
        return RunCodeResponse {
            status: "Failed",
            message: "compile error".into(),
            compile_result: Some(compile_result),
            run_result: None,
            executor_pod_name: None,
            files: BTreeMap::new(),
        };
    }
    let message = match outcome.status {
        Status::TimeLimit => "time limit exceeded",
        Status::MemoryLimit => "memory limit exceeded",
        Status::OutputLimit => "output limit exceeded",
        _ => "",
    };
    let success = outcome.status == Status::Ok;
    RunCodeResponse {
        status: if success { "Success" } else { "Failed" },
        message: message.into(),
        compile_result: compile.map(run_result_of),
        run_result: Some(run_result_of(outcome)),
        executor_pod_name: None,
        files: BTreeMap::new(),
    }
}
