//! `POST /v1/compare`: two sets of result rows of the same tasks side by
//! side, as `verdict compare A B --json` reports them (flips, the weaker
//! verifier's false-positive rate, pass@k of each with the difference's
//! paired-bootstrap interval, the tasks that flip most).

use axum::Json;
use serde::Deserialize;
use serde_json::Value;
use verdict_eval::verifiers::{Outcomes, Settings, Verdict, compare as compare_sides};

use crate::error::ApiError;
use crate::extract::ApiJson;

fn default_ks() -> Vec<u64> {
    vec![1, 10, 100]
}

fn default_resamples() -> usize {
    1000
}

/// The most bootstrap resamples a request may ask for.
const MAX_RESAMPLES: usize = 100_000;

/// The request.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareRequest {
    /// Side A: result rows as `verdict eval` writes them.
    pub a: Vec<Value>,
    /// Side B.
    pub b: Vec<Value>,
    /// Read A's base tests alone (`base_status`), not `passed`.
    #[serde(default)]
    pub a_base: bool,
    /// Read B's base tests alone.
    #[serde(default)]
    pub b_base: bool,
    /// The k of pass@k.
    #[serde(default = "default_ks")]
    pub k: Vec<u64>,
    /// Bootstrap resamples over tasks.
    #[serde(default = "default_resamples")]
    pub resamples: usize,
    /// The bootstrap's seed.
    #[serde(default)]
    pub seed: u64,
}

/// Compares the two sides.
pub async fn compare(ApiJson(request): ApiJson<CompareRequest>) -> Result<Json<Value>, ApiError> {
    if request.k.is_empty() || request.k.contains(&0) {
        return Err(ApiError::field("k", "every k must be at least 1"));
    }
    if !(1..=MAX_RESAMPLES).contains(&request.resamples) {
        return Err(ApiError::field(
            "resamples",
            format!("must be between 1 and {MAX_RESAMPLES}"),
        ));
    }
    let side = |field: &str, rows: &[Value], base: bool| {
        if rows.is_empty() {
            return Err(ApiError::field(field, "must not be empty"));
        }
        let verdict = if base { Verdict::Base } else { Verdict::Passed };
        let name = if base {
            format!("{field} (base tests)")
        } else {
            field.to_string()
        };
        let outcomes = Outcomes::from_rows(&name, rows, verdict)
            .map_err(|(index, what)| ApiError::field(format!("{field}[{index}]"), what))?;
        if outcomes.tasks.is_empty() {
            return Err(ApiError::field(
                field,
                "has no judged rows (every row is invalid or skipped)",
            ));
        }
        Ok(outcomes)
    };
    let a = side("a", &request.a, request.a_base)?;
    let b = side("b", &request.b, request.b_base)?;
    let settings = Settings {
        ks: request.k,
        resamples: request.resamples,
        seed: request.seed,
    };
    let report = tokio::task::spawn_blocking(move || compare_sides(&a, &b, &settings))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    if report.tasks == 0 {
        return Err(ApiError::field("b", "`a` and `b` have no task in common"));
    }
    serde_json::to_value(&report)
        .map(Json)
        .map_err(|e| ApiError::Internal(e.to_string()))
}
