//! `POST /v1/tests`: model-written tests measured as `verdict tests`
//! measures them (validity on the canonical solution, coverage, mutation
//! score); the answer is its report and its rows.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use verdict_eval::judge::EvalLimits;
use verdict_eval::test_quality::{TestsError, TestsOptions, measure};

use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::rank::{Scratch, function_benchmark};
use crate::state::AppState;

fn default_test_ms() -> u64 {
    1_000
}

fn default_max_mutants() -> usize {
    50
}

/// The request.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestsRequest {
    /// A Python benchmark of functions.
    pub benchmark: String,
    /// The rows of `verdict tests`'s tests file.
    pub tests: Vec<Map<String, Value>>,
    /// CPU time of one test unit on one program, milliseconds.
    #[serde(default = "default_test_ms")]
    pub test_time_limit_ms: u64,
    /// Mutants per task (0: all).
    #[serde(default = "default_max_mutants")]
    pub max_mutants: usize,
    /// The seed of the mutants' sample.
    #[serde(default)]
    pub seed: u64,
    /// Score the likely-equivalent mutants too.
    #[serde(default)]
    pub include_equivalent: bool,
}

/// Measures the request's tests.
pub async fn tests(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<TestsRequest>,
) -> Result<Json<Value>, ApiError> {
    let benchmark = function_benchmark(&request.benchmark, "test measurement")?;
    if request.tests.is_empty() {
        return Err(ApiError::field("tests", "must not be empty"));
    }
    if !(1..=60_000).contains(&request.test_time_limit_ms) {
        return Err(ApiError::field(
            "test_time_limit_ms",
            "must be between 1 and 60000",
        ));
    }
    let problems = state
        .problems_path(benchmark)
        .map_err(|e| ApiError::field("benchmark", format!("not available on this server: {e}")))?;
    let scratch = Scratch::new().map_err(|e| ApiError::Internal(e.to_string()))?;
    let path = scratch
        .write("tests.jsonl", &request.tests)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut limits = EvalLimits::for_benchmark(benchmark);
    limits.memory_bytes = limits.memory_bytes.min(state.config().max_memory_bytes);
    let options = TestsOptions {
        benchmark,
        problems,
        tests: path,
        test_cpu_ms: request.test_time_limit_ms,
        max_mutants: request.max_mutants,
        seed: request.seed,
        include_equivalent: request.include_equivalent,
        limits,
    };
    let ticket = state.admit()?;
    let measured = ticket
        .run_with(move |pool| {
            let measured = measure(&options, pool, &|_, _| {});
            drop(scratch);
            measured
        })
        .await?;
    match measured {
        Ok(report) => {
            let rows = report.rows();
            let report =
                serde_json::to_value(&report).map_err(|e| ApiError::Internal(e.to_string()))?;
            Ok(Json(json!({ "report": report, "rows": rows })))
        }
        Err(TestsError::Line { line, what, .. }) => Err(ApiError::field(
            format!("tests[{}]", line.saturating_sub(1)),
            what,
        )),
        Err(TestsError::Read { path, source }) => Err(ApiError::Internal(format!(
            "reading {}: {source}",
            path.display()
        ))),
        Err(TestsError::Other(message)) => Err(ApiError::field("tests", message)),
    }
}
