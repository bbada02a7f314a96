//! `POST /v1/refute`: proposed counterexamples checked, as `verdict refute`
//! checks them (see `verdict_eval::refute`).

use axum::Json;
use axum::extract::State;
use serde_json::Value;
use verdict_eval::refute::{RefuteRequest, refute as check};

use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::state::AppState;

/// Checks the request's inputs.
pub async fn refute(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<RefuteRequest>,
) -> Result<Json<Value>, ApiError> {
    if request.inputs.is_empty() {
        return Err(ApiError::field("inputs", "must not be empty"));
    }
    let ticket = state.admit()?;
    let answer = ticket.run_with(move |pool| check(&request, pool)).await?;
    answer
        .map(Json)
        .map_err(|e| ApiError::field(e.field, e.message))
}
