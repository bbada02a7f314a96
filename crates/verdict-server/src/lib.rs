//! verdict's HTTP API: the same engine as the command line, for RL reward
//! loops and remote evaluation.
//!
//! [`router`] builds the routes over an [`AppState`] (pure: no sockets, no
//! signals); [`serve`] runs them on a listener until a shutdown future
//! resolves, then lets requests in flight finish. Handlers are thin: they
//! check the request ([`ApiError`] names the bad field), take a place in the
//! bounded queue (429 when it is full), wait for a slot and run the job on
//! the blocking thread pool. Identical requests in flight or finished moments
//! ago run once ([`share`]).
//!
//! Endpoints: `POST /v1/run`, `POST /v1/judge`, `POST /v1/rank`,
//! `POST /v1/compare`, `POST /v1/tests`, `POST /v1/refute`, `POST /v1/evaluate`
//! (NDJSON stream), `POST /run_code` (SandboxFusion-compatible),
//! `GET /v1/benchmarks`, `GET /healthz`, `GET /metrics`, `GET /openapi.json`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod compare;
mod error;
mod evaluate;
mod extract;
mod fusion;
mod info;
mod jobs;
mod metrics;
mod rank;
mod refute;
pub mod share;
mod state;
mod tests;

use std::future::Future;
use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

pub use error::ApiError;
pub use fusion::{RunCodeResponse, response_of as fusion_response};
pub use info::{OPENAPI, openapi_document};

pub use state::{AppState, Config, Ticket};

/// The routes of the API over `state`.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/v1/run", post(jobs::run))
        .route("/v1/judge", post(jobs::judge))
        .route("/v1/evaluate", post(evaluate::evaluate))
        .route("/v1/rank", post(rank::rank))
        .route("/v1/compare", post(compare::compare))
        .route("/v1/tests", post(tests::tests))
        .route("/v1/refute", post(refute::refute))
        .route("/run_code", post(fusion::run_code))
        .route("/v1/benchmarks", get(info::benchmarks))
        .route("/healthz", get(info::healthz))
        .route("/metrics", get(info::metrics))
        .route("/openapi.json", get(info::openapi))
        .fallback(info::not_found)
        .method_not_allowed_fallback(info::method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), authorize))
        .layer(DefaultBodyLimit::max(state.config().body_limit))
        .layer(middleware::from_fn_with_state(state.clone(), record))
        .with_state(state)
}

/// Serves `router` on `listener` until `shutdown` resolves; then stops
/// accepting connections and returns once the requests in flight (streams
/// included) have been answered.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Requires the bearer token, when one is configured, on every path but
/// `/healthz` (which probes call without credentials).
async fn authorize(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(token) = state.config().token.as_deref() else {
        return next.run(request).await;
    };
    if request.uri().path() == "/healthz" {
        return next.run(request).await;
    }
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if constant_time_eq(given.as_bytes(), token.as_bytes()) {
        next.run(request).await
    } else {
        ApiError::Unauthorized.into_response()
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Counts every request by endpoint and status code, with its latency.
async fn record(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let endpoint = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("other", |p| p.as_str())
        .to_string();
    let response = next.run(request).await;
    state
        .metrics()
        .request(&endpoint, response.status().as_u16(), started.elapsed());
    response
}
