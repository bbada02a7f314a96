//! `POST /v1/evaluate`: a batch of samples for a built-in benchmark, judged on
//! the slots; the answer is NDJSON, one `{"index", "row"}` line per sample as
//! it finishes (the row `verdict eval` writes), then `{"summary": ...}`.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, StreamExt};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tokio::sync::mpsc;
use verdict_eval::batch::{Batch, BatchError};
use verdict_eval::dataset::Benchmark;
use verdict_eval::judge::{EvalLimits, error_row};
use verdict_eval::results::ResultRow;

use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::state::{AppState, Ticket};

fn default_ks() -> Vec<u64> {
    vec![1, 10, 100]
}

/// The request.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluateRequest {
    /// `humaneval`, `mbpp`, `humaneval-plus` or `mbpp-plus`.
    pub benchmark: String,
    /// Sample rows as in a samples file: `task_id` and `completion` or `solution`.
    pub samples: Vec<Map<String, Value>>,
    /// The k of pass@k.
    #[serde(default = "default_ks")]
    pub k: Vec<u64>,
    /// Time per check()-style sample, milliseconds (default: the benchmark's).
    pub time_limit_ms: Option<u64>,
}

/// Judges a batch and streams the rows.
pub async fn evaluate(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<EvaluateRequest>,
) -> Result<Response, ApiError> {
    let benchmark: Benchmark =
        request
            .benchmark
            .parse()
            .map_err(|e: verdict_eval::dataset::UnknownBenchmark| {
                ApiError::field("benchmark", e.to_string())
            })?;
    if let Some(env) = benchmark.unittest().and_then(|rules| rules.environment) {
        return Err(ApiError::field(
            "benchmark",
            format!(
                "{benchmark} runs in the `{}` environment, which the server's slots do not load; judge it with `verdict eval`",
                env.name
            ),
        ));
    }
    if benchmark.mode() == verdict_eval::benchmarks::Mode::Enamel {
        // Its measurements want one measuring job per core and its
        // reference timed beside its samples: a whole run, not a batch
        // among others.
        return Err(ApiError::field(
            "benchmark",
            format!(
                "{benchmark} measures efficiency with one measuring job per core; judge it with `verdict eval`"
            ),
        ));
    }
    if request.k.contains(&0) {
        return Err(ApiError::field("k", "every k must be at least 1"));
    }
    if request.samples.is_empty() {
        return Err(ApiError::field("samples", "must not be empty"));
    }
    let mut limits = EvalLimits::for_benchmark(benchmark);
    if let Some(ms) = request.time_limit_ms {
        if !(1..=60_000).contains(&ms) {
            return Err(ApiError::field(
                "time_limit_ms",
                "must be between 1 and 60000",
            ));
        }
        limits.check_cpu_ms = ms;
    }
    limits.memory_bytes = limits.memory_bytes.min(state.config().max_memory_bytes);
    let ticket = state.admit()?;
    let pool = state.pool()?;
    let (loader, rows) = (state.clone(), request.samples);
    let cache = state.config().expected_cache.clone();
    let batch = tokio::task::spawn_blocking(move || -> Result<Batch, ApiError> {
        let tasks = loader.tasks(benchmark).map_err(|e| {
            ApiError::field("benchmark", format!("not available on this server: {e}"))
        })?;
        Batch::prepare(tasks, rows, limits, &pool, cache.as_deref()).map_err(|e| match e {
            BatchError::Sample { field, message } => ApiError::field(field, message),
            other => ApiError::Internal(other.to_string()),
        })
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    let (lines, receiver) = mpsc::channel::<Bytes>(64);
    tokio::spawn(drive(state, ticket, Arc::new(batch), request.k, lines));
    let body = Body::from_stream(stream::unfold(receiver, |mut receiver| async move {
        receiver
            .recv()
            .await
            .map(|line| (Ok::<_, Infallible>(line), receiver))
    }));
    Ok(([(header::CONTENT_TYPE, "application/x-ndjson")], body).into_response())
}

/// Judges every sample, a slot's worth at a time, sending each row as it
/// finishes and the summary last. Stops starting samples when the client
/// goes away.
async fn drive(
    state: AppState,
    ticket: Ticket,
    batch: Arc<Batch>,
    ks: Vec<u64>,
    lines: mpsc::Sender<Bytes>,
) {
    let slots = state.config().slots.max(1);
    let mut rows: Vec<Option<ResultRow>> = vec![None; batch.len()];
    let ticket = &ticket;
    let mut judged = stream::iter(0..batch.len())
        .map(|index| {
            let (batch, state, lines) = (batch.clone(), state.clone(), lines.clone());
            async move {
                if lines.is_closed() {
                    return None;
                }
                let row = judge_one(&state, ticket, batch, index).await;
                Some((index, row))
            }
        })
        .buffer_unordered(slots);
    while let Some(done) = judged.next().await {
        let Some((index, row)) = done else { continue };
        state.metrics().evaluated.fetch_add(1, Ordering::Relaxed);
        let line = json!({ "index": index, "row": row.to_json() });
        let _ = lines.send(Bytes::from(format!("{line}\n"))).await;
        rows[index] = Some(row);
    }
    let summary = batch.summary(&rows, &ks);
    let line = json!({ "summary": summary });
    let _ = lines.send(Bytes::from(format!("{line}\n"))).await;
}

async fn judge_one(
    state: &AppState,
    ticket: &Ticket,
    batch: Arc<Batch>,
    index: usize,
) -> ResultRow {
    let failed = |message: String| error_row(Map::new(), message);
    let permit = match ticket.slot_unbounded().await {
        Ok(permit) => permit,
        Err(e) => return failed(e.to_string()),
    };
    let pool = match state.pool() {
        Ok(pool) => pool,
        Err(e) => return failed(e.to_string()),
    };
    let busy = ticket.busy();
    let judged = tokio::task::spawn_blocking(move || {
        let _held = (permit, busy);
        batch.judge(index, &pool)
    })
    .await;
    judged.unwrap_or_else(|e| failed(format!("judging failed: {e}")))
}
