//! The endpoints that run nothing: `/healthz`, `/v1/benchmarks`, `/metrics`
//! and `/openapi.json`.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde_json::{Value, json};
use verdict_eval::benchmarks::{Benchmark, Mode};

use crate::error::ApiError;
use crate::state::AppState;

/// The OpenAPI description of the API, written by hand.
pub const OPENAPI: &str = include_str!("openapi.json");

/// 200 once every slot is warm, 503 before (and while draining).
pub async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    let ready = state.ready();
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(json!({ "ready": ready, "slots": state.config().slots })),
    )
}

/// The built-in benchmarks (the registry's) and whether this server has
/// their files.
pub async fn benchmarks(State(state): State<AppState>) -> Json<Value> {
    let list: Vec<Value> = Benchmark::all()
        .map(|benchmark| {
            let spec = benchmark.spec();
            let found = verdict_eval::data::resolve(benchmark, state.config().data_dir.as_deref());
            json!({
                "name": spec.name,
                "title": spec.title,
                "tasks": spec.tasks,
                "official_evaluator": spec.evaluator,
                "judged_by": judged_by(benchmark.mode()),
                "available": found.is_ok(),
            })
        })
        .collect();
    Json(json!({ "benchmarks": list }))
}

/// How a mode judges, in a few words.
pub fn judged_by(mode: Mode) -> &'static str {
    match mode {
        Mode::Check { .. } => "test code in the candidate's process (check() or asserts)",
        Mode::Calls => {
            "calls on EvalPlus's base and plus inputs, outputs compared outside the sandbox"
        }
        Mode::Stdio => "stdin/stdout cases",
        Mode::ExitCode(_) => "a whole program's exit status",
        Mode::Unittest(_) => "unittest TestCase classes run as the official evaluator runs them",
        Mode::Enamel => "timed calls on generated inputs against the expert reference (ENAMEL)",
    }
}

/// Prometheus text.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let text = state
        .metrics()
        .render(state.config().slots, state.ready(), state.capacity());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text)
}

/// Where `/v1/evaluate`'s benchmark names sit in [`OPENAPI`].
const BENCHMARK_ENUM: &str = "/paths/~1v1~1evaluate/post/requestBody/content/application~1json/schema/properties/benchmark/enum";

/// The OpenAPI document: [`OPENAPI`] with `/v1/evaluate`'s benchmark names
/// taken from the registry.
pub fn openapi_document() -> Value {
    let mut document: Value = serde_json::from_str(OPENAPI).expect("openapi.json is JSON");
    if let Some(names) = document.pointer_mut(BENCHMARK_ENUM) {
        *names = json!(verdict_eval::benchmarks::names());
    }
    document
}

/// The OpenAPI document.
pub async fn openapi() -> Json<Value> {
    Json(openapi_document())
}

/// Any other path.
pub async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::NotFound(uri.path().to_string())
}

/// A known path with the wrong method (`GET /v1/run`).
pub async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> ApiError {
    let path = uri.path().to_string();
    let allowed = match path.as_str() {
        "/v1/run" | "/v1/judge" | "/v1/evaluate" | "/run_code" => "POST",
        _ => "GET, HEAD",
    };
    ApiError::MethodNotAllowed {
        method: method.to_string(),
        path,
        allowed,
    }
}
