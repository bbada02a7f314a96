//! `POST /run_code`, SandboxFusion's API: its request fields and its response
//! shape, so that clients written for SandboxFusion (verl's reward code among
//! them) work unchanged for Python.
//!
//! SandboxFusion answers `status` `Success` only when every step finished
//! with exit code 0, `Failed` when the program failed or timed out (with the
//! step's `run_result.status` `Finished`, `TimeLimitExceeded` or `Error`), and
//! `SandboxError` when it could not run the program at all. Languages verdict
//! does not run yet get a `SandboxError` that says so.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use verdict_exec::{Job, JobKind, Limits, Outcome, Status};

use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::jobs::run_shared;
use crate::state::AppState;

/// SandboxFusion's `RunCodeRequest`.
#[derive(Debug, Deserialize)]
pub struct RunCodeRequest {
    /// The program.
    pub code: String,
    /// SandboxFusion's language name (`python`, `cpp`, `nodejs`, ...).
    pub language: String,
    /// Seconds; accepted for compatibility, unused: Python has no compile step.
    #[allow(dead_code)]
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
    /// Always `null` for Python (no compile step).
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
    let job = match job_of(&request, state.config().max_memory_bytes) {
        Ok(job) => job,
        Err(Unsupported(message)) => {
            return respond(RunCodeResponse::sandbox_error(message), false);
        }
    };
    run_shared(&state, "run_code", job, |outcome| {
        serde_json::to_value(response_of(outcome))
    })
    .await
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

fn job_of(request: &RunCodeRequest, max_memory: u64) -> Result<Job, Unsupported> {
    if !matches!(request.language.as_str(), "python" | "python3") {
        return Err(Unsupported(format!(
            "language `{}` is not supported by this server (verdict runs: python)",
            request.language
        )));
    }
    if !request.files.is_empty() || !request.fetch_files.is_empty() {
        return Err(Unsupported(
            "`files` and `fetch_files` are not supported by this server".into(),
        ));
    }
    let seconds = request.run_timeout.unwrap_or(10.0);
    if !(seconds > 0.0 && seconds <= 60.0) {
        return Err(Unsupported(
            "`run_timeout` must be more than 0 and at most 60 seconds".into(),
        ));
    }
    let ms = (seconds * 1000.0).ceil() as u64;
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
    Ok(Job {
        code: request.code.clone(),
        kind: JobKind::Program,
        stdin: request.stdin.clone(),
        limits,
    })
}

/// SandboxFusion's reading of an outcome.
pub fn response_of(outcome: &Outcome) -> RunCodeResponse {
    if outcome.status == Status::SandboxError {
        return RunCodeResponse::sandbox_error(
            outcome
                .error
                .clone()
                .unwrap_or_else(|| "sandbox error".into()),
        );
    }
    let (run_status, message) = match outcome.status {
        Status::Ok | Status::RuntimeError => ("Finished", String::new()),
        Status::TimeLimit => ("TimeLimitExceeded", "time limit exceeded".into()),
        Status::MemoryLimit => ("Error", "memory limit exceeded".into()),
        Status::OutputLimit => ("Error", "output limit exceeded".into()),
        Status::CompileError => ("Error", "compile error".into()),
        Status::SandboxError => unreachable!("handled above"),
    };
    let return_code = match (outcome.exit_code, outcome.signal) {
        (Some(code), _) => Some(code),
        (None, Some(signal)) => Some(-signal),
        (None, None) => None,
    };
    let success = outcome.status == Status::Ok;
    RunCodeResponse {
        status: if success { "Success" } else { "Failed" },
        message,
        compile_result: None,
        run_result: Some(CommandRunResult {
            status: run_status,
            execution_time: Some(outcome.wall_ms / 1000.0),
            return_code: if run_status == "TimeLimitExceeded" {
                None
            } else {
                return_code
            },
            stdout: Some(outcome.stdout.clone()),
            stderr: Some(outcome.stderr.clone()),
        }),
        executor_pod_name: None,
        files: BTreeMap::new(),
    }
}
