//! The endpoints that run nothing: `/healthz`, `/v1/benchmarks`, `/metrics`
//! and `/openapi.json`.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde_json::{Value, json};
use verdict_eval::dataset::Benchmark;

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

/// The built-in benchmarks and whether this server has their files.
pub async fn benchmarks(State(state): State<AppState>) -> Json<Value> {
    let list: Vec<Value> = Benchmark::ALL
        .iter()
        .map(|&benchmark| {
            let found = verdict_eval::data::resolve(benchmark, state.config().data_dir.as_deref());
            json!({
                "name": benchmark.name(),
                "judged_by": if benchmark.is_plus() { "evalplus inputs and expected outputs" } else { "check() / asserts" },
                "available": found.is_ok(),
            })
        })
        .collect();
    Json(json!({ "benchmarks": list }))
}

/// Prometheus text.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let text = state
        .metrics()
        .render(state.config().slots, state.ready(), state.capacity());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text)
}

/// The OpenAPI document.
pub async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
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
