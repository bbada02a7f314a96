//! Reading a JSON body into a request type, with errors that name the field
//! (`limits.time_ms`, `cases[2].stdin`) or say `body` when the JSON itself is
//! malformed, and 413 past the body limit.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::state::AppState;

/// A JSON request body of type `T`.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::TooLarge {
                        limit: state.config().body_limit,
                    }
                } else {
                    ApiError::field("body", rejection.body_text())
                }
            })?;
        parse(&bytes).map(ApiJson)
    }
}

/// Parses `bytes` as a `T`, naming the offending field on error.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let parsed: Result<T, _> = serde_path_to_error::deserialize(&mut deserializer);
    let value = parsed.map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            return ApiError::field("body", format!("malformed JSON: {inner}"));
        }
        let message = inner.to_string();
        let field = match named_in(&message) {
            // serde reports a missing or unknown field at its parent's path.
            Some(name) if !path.ends_with(name) => join(&path, name),
            _ => {
                if path == "." {
                    "body".to_string()
                } else {
                    path
                }
            }
        };
        ApiError::field(field, strip_position(&message))
    })?;
    deserializer
        .end()
        .map_err(|e| ApiError::field("body", format!("malformed JSON: {e}")))?;
    Ok(value)
}

/// The field a "missing field `x`" or "unknown field `x`" message names.
fn named_in(message: &str) -> Option<&str> {
    let rest = message
        .strip_prefix("missing field `")
        .or_else(|| message.strip_prefix("unknown field `"))?;
    rest.split('`').next()
}

fn join(path: &str, name: &str) -> String {
    if path == "." || path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

/// serde_json's messages end with " at line L column C", which says nothing
/// once the field is named.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        time_ms: Option<u64>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        code: String,
        #[serde(default)]
        limits: Option<Inner>,
        #[serde(default)]
        cases: Vec<Inner>,
    }

    fn field_of(body: &str) -> String {
        match parse::<Outer>(body.as_bytes()) {
            Err(ApiError::BadField { field, .. }) => field,
            other => panic!("{body}: {other:?}"),
        }
    }

    #[test]
    fn errors_name_the_field() {
        assert_eq!(field_of("{"), "body");
        assert_eq!(field_of("1"), "body");
        assert_eq!(field_of(r#"{"code": ""} x"#), "body");
        assert_eq!(field_of("{}"), "code");
        assert_eq!(field_of(r#"{"code": 1}"#), "code");
        assert_eq!(
            field_of(r#"{"code": "", "limits": {"time_ms": "x"}}"#),
            "limits.time_ms"
        );
        assert_eq!(
            field_of(r#"{"code": "", "limits": {"tim": 1}}"#),
            "limits.tim"
        );
        assert_eq!(
            field_of(r#"{"code": "", "cases": [{}, {"time_ms": -1}]}"#),
            "cases[1].time_ms"
        );
        assert_eq!(field_of(r#"{"code": "", "extra": 1}"#), "extra");
    }
}
