//! `POST /v1/rank`: many samples per task ranked by executing them, as
//! `verdict rank` ranks them (CodeT's dual agreement, MBR-exec, majority
//! voting); the answer is `verdict rank --json`'s report.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Map, Value};
use verdict_eval::benchmarks::Mode;
use verdict_eval::dataset::Benchmark;
use verdict_eval::judge::EvalLimits;
use verdict_eval::rank::{Method, RankError, RankOptions, rank as rank_samples};

use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::state::AppState;

fn default_method() -> String {
    "codet".into()
}

fn default_ks() -> Vec<u64> {
    vec![1, 2, 10]
}

fn default_test_limit() -> usize {
    5
}

fn default_test_ms() -> u64 {
    100
}

/// The request.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RankRequest {
    /// A Python benchmark of functions (`humaneval`, `mbpp`, their plus
    /// versions, EvoEval's, CodeEval-Pro's).
    pub benchmark: String,
    /// `codet` (default), `codet-paper`, `mbr-exec` or `majority`.
    #[serde(default = "default_method")]
    pub method: String,
    /// Sample rows as in a samples file (`task_id`, `completion` or
    /// `solution`, optionally `logprob`), or CodeT's rows.
    pub samples: Vec<Map<String, Value>>,
    /// CodeT: test rows `{"task_id", "tests": [..]}` or `{"task_id",
    /// "test"}` (or CodeT's own rows); MBR-exec: `{"task_id", "inputs":
    /// [..]}`; majority: none.
    #[serde(default)]
    pub tests: Vec<Map<String, Value>>,
    /// The k of the ranked pass@k.
    #[serde(default = "default_ks")]
    pub k: Vec<u64>,
    /// CodeT: asserts kept from each test row.
    #[serde(default = "default_test_limit")]
    pub test_limit: usize,
    /// CPU time of one test or call, milliseconds (CodeT's 0.1 s).
    #[serde(default = "default_test_ms")]
    pub test_time_limit_ms: u64,
    /// Judge each distinct sample with the benchmark's tests (`false`:
    /// the ranking alone, without correctness or pass@k).
    #[serde(default = "default_judge")]
    pub judge: bool,
}

fn default_judge() -> bool {
    true
}

/// `name` as a Python benchmark of functions, the ones ranking and test
/// measurement take (`what` says which, in the error).
pub(crate) fn function_benchmark(name: &str, what: &str) -> Result<Benchmark, ApiError> {
    let benchmark: Benchmark =
        name.parse()
            .map_err(|e: verdict_eval::dataset::UnknownBenchmark| {
                ApiError::field("benchmark", e.to_string())
            })?;
    if benchmark.unittest().is_some()
        || !matches!(benchmark.mode(), Mode::Check { .. } | Mode::Calls)
    {
        return Err(ApiError::field(
            "benchmark",
            format!(
                "{what} is for the Python benchmarks of functions (HumanEval, MBPP, their plus versions, EvoEval, the CodeEval-Pro ones)"
            ),
        ));
    }
    Ok(benchmark)
}

/// A directory of the request's files, removed when dropped.
pub(crate) struct Scratch(PathBuf);

impl Scratch {
    pub(crate) fn new() -> std::io::Result<Scratch> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "verdict-rank-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir)?;
        Ok(Scratch(dir))
    }

    pub(crate) fn write(
        &self,
        name: &str,
        rows: &[Map<String, Value>],
    ) -> std::io::Result<PathBuf> {
        let path = self.0.join(name);
        let mut text = String::new();
        for row in rows {
            text.push_str(&Value::Object(row.clone()).to_string());
            text.push('\n');
        }
        std::fs::write(&path, text)?;
        Ok(path)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Ranks the request's samples.
pub async fn rank(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<RankRequest>,
) -> Result<Json<Value>, ApiError> {
    let benchmark = function_benchmark(&request.benchmark, "ranking")?;
    let method = Method::parse(&request.method).ok_or_else(|| {
        ApiError::field(
            "method",
            format!(
                "`{}` is not one of codet, codet-paper, mbr-exec, majority",
                request.method
            ),
        )
    })?;
    if request.samples.is_empty() {
        return Err(ApiError::field("samples", "must not be empty"));
    }
    if request.k.is_empty() || request.k.contains(&0) {
        return Err(ApiError::field("k", "every k must be at least 1"));
    }
    if request.test_limit == 0 {
        return Err(ApiError::field("test_limit", "must be at least 1"));
    }
    if !(1..=60_000).contains(&request.test_time_limit_ms) {
        return Err(ApiError::field(
            "test_time_limit_ms",
            "must be between 1 and 60000",
        ));
    }
    let needs_tests = method != Method::Majority;
    if needs_tests && request.tests.is_empty() {
        return Err(ApiError::field(
            "tests",
            "required: CodeT ranks by model-written tests, MBR-exec by test inputs",
        ));
    }
    if !needs_tests && !request.tests.is_empty() {
        return Err(ApiError::field(
            "tests",
            "majority voting runs the benchmark's own inputs; give no tests",
        ));
    }
    let problems = state
        .problems_path(benchmark)
        .map_err(|e| ApiError::field("benchmark", format!("not available on this server: {e}")))?;
    let scratch = Scratch::new().map_err(|e| ApiError::Internal(e.to_string()))?;
    let samples = scratch
        .write("samples.jsonl", &request.samples)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let tests = if needs_tests {
        Some(
            scratch
                .write("tests.jsonl", &request.tests)
                .map_err(|e| ApiError::Internal(e.to_string()))?,
        )
    } else {
        None
    };
    let mut limits = EvalLimits::for_benchmark(benchmark);
    limits.memory_bytes = limits.memory_bytes.min(state.config().max_memory_bytes);
    let options = RankOptions {
        benchmark,
        problems,
        samples: samples.clone(),
        tests: tests.clone(),
        method,
        test_limit: request.test_limit,
        test_cpu_ms: request.test_time_limit_ms,
        ks: request.k,
        limits,
        judge: request.judge,
    };
    let ticket = state.admit()?;
    let ranked = ticket
        .run_with(move |pool| {
            let ranked = rank_samples(&options, pool);
            drop(scratch);
            ranked
        })
        .await?;
    match ranked {
        Ok(report) => serde_json::to_value(&report)
            .map(Json)
            .map_err(|e| ApiError::Internal(e.to_string())),
        Err(error) => Err(field_error(error, &samples, tests.as_deref())),
    }
}

/// A ranking error as a field error: a bad line of the samples or tests
/// is the row of that field.
fn field_error(error: RankError, samples: &Path, tests: Option<&Path>) -> ApiError {
    let named = |text: String| {
        let text = text.replace(&samples.display().to_string(), "samples");
        match tests {
            Some(tests) => text.replace(&tests.display().to_string(), "tests"),
            None => text,
        }
    };
    match error {
        RankError::Line { path, line, what } => {
            let field = if path == samples { "samples" } else { "tests" };
            ApiError::field(format!("{field}[{}]", line.saturating_sub(1)), named(what))
        }
        RankError::Read { path, source } => {
            ApiError::Internal(format!("reading {}: {source}", path.display()))
        }
        RankError::Other(message) => {
            let message = named(message);
            let field = if message.starts_with("samples") {
                match line_of(&message) {
                    Some(line) => format!("samples[{}]", line.saturating_sub(1)),
                    None => "samples".into(),
                }
            } else if message.contains("test") {
                "tests".into()
            } else {
                "samples".into()
            };
            ApiError::field(field, message)
        }
    }
}

/// The number after the first " line " of `message`.
fn line_of(message: &str) -> Option<usize> {
    let at = message.find(" line ")? + " line ".len();
    let digits: String = message[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}
