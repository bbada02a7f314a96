//! The one error type of the API. Every handler returns it; it becomes a JSON
//! response `{"error": {"code", "message", "field"?}}` with the right status.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Why a request got no result. Clone, so that a shared (deduplicated) run
/// can hand the same error to every request that waited for it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// The body is not JSON, or a field is missing, mistyped or out of range.
    #[error("field `{field}`: {message}")]
    BadField {
        /// The field, as a path (`limits.time_ms`, `samples[3].task_id`), or
        /// `body` when the JSON itself is malformed.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// The body is larger than the server accepts.
    #[error("request body larger than {limit} bytes")]
    TooLarge {
        /// The limit, bytes.
        limit: usize,
    },
    /// Missing or wrong bearer token.
    #[error("missing or wrong bearer token")]
    Unauthorized,
    /// The queue in front of the slots is full.
    #[error("the queue is full ({capacity} requests); retry after {retry_after_s} s")]
    Overloaded {
        /// Requests queued or running at once.
        capacity: usize,
        /// Seconds to wait before retrying.
        retry_after_s: u64,
    },
    /// The slots are still being built.
    #[error("the sandbox slots are not ready yet")]
    NotReady,
    /// The server is draining for shutdown.
    #[error("the server is shutting down")]
    ShuttingDown,
    /// The request's deadline passed before it got a result.
    #[error("no result within the request deadline of {deadline_ms} ms")]
    Deadline {
        /// The deadline, milliseconds.
        deadline_ms: u64,
    },
    /// No such endpoint.
    #[error("no endpoint {0}")]
    NotFound(String),
    /// The endpoint exists, but not for this method.
    #[error("method {method} is not allowed on {path}; use {allowed}")]
    MethodNotAllowed {
        /// The method used.
        method: String,
        /// The path.
        path: String,
        /// The methods the endpoint takes (the `Allow` header).
        allowed: &'static str,
    },
    /// verdict itself failed.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// A bad field with its message.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::BadField {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The HTTP status of the error.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadField { .. } => StatusCode::BAD_REQUEST,
            ApiError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Overloaded { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::NotReady | ApiError::ShuttingDown => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Deadline { .. } => StatusCode::GATEWAY_TIMEOUT,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A short machine-readable name of the error.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadField { .. } => "bad_request",
            ApiError::TooLarge { .. } => "body_too_large",
            ApiError::Unauthorized => "unauthorized",
            ApiError::Overloaded { .. } => "overloaded",
            ApiError::NotReady => "not_ready",
            ApiError::ShuttingDown => "shutting_down",
            ApiError::Deadline { .. } => "deadline_exceeded",
            ApiError::NotFound(_) => "not_found",
            ApiError::MethodNotAllowed { .. } => "method_not_allowed",
            ApiError::Internal(_) => "internal",
        }
    }

    /// The JSON body of the error response.
    pub fn body(&self) -> serde_json::Value {
        let mut error = json!({ "code": self.code(), "message": self.to_string() });
        if let ApiError::BadField { field, .. } = self {
            error["field"] = json!(field);
        }
        json!({ "error": error })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status(), axum::Json(self.body())).into_response();
        let headers = response.headers_mut();
        match &self {
            ApiError::Overloaded { retry_after_s, .. } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_s));
            }
            ApiError::MethodNotAllowed { allowed, .. } => {
                headers.insert(header::ALLOW, HeaderValue::from_static(allowed));
            }
            ApiError::NotReady | ApiError::ShuttingDown => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(1u64));
            }
            ApiError::Unauthorized => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            _ => {}
        }
        response
    }
}
