//! One error type for the whole API, rendered as RFC 9457 problem+json.
//!
//! Every refusal carries a stable machine `code`. Internal failures are opaque to
//! the client (no SQL, no stack trace) and logged in full on the server.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tally_store::StoreError;
use utoipa::ToSchema;

pub type ApiResult<T, E = ApiError> = Result<T, E>;

/// Where the 400 for a missing key points (`Link: rel="describedby"`).
pub const IDEMPOTENCY_DOCS: &str = "/docs/idempotency";

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: String,
    retry_after_secs: Option<u32>,
    link: Option<&'static str>,
}

/// The problem+json body (RFC 9457) of every error.
#[derive(Serialize, ToSchema)]
pub struct Problem {
    /// Identifies the problem kind; the same as `code`, as a relative URI.
    #[serde(rename = "type")]
    pub kind: String,
    /// The HTTP status's reason phrase, e.g. `Unprocessable Entity`.
    pub title: String,
    /// The HTTP status, repeated in the body.
    pub status: u16,
    /// What went wrong and what to do about it, for people; never SQL, a stack trace or another program's data.
    pub detail: String,
    /// Stable machine-readable code, e.g. `insufficient_points`.
    pub code: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self { status, code, detail: detail.into(), retry_after_secs: None, link: None }
    }

    pub fn with_retry_after(mut self, secs: u32) -> Self {
        self.retry_after_secs = Some(secs);
        self
    }

    pub fn with_docs_link(mut self, link: &'static str) -> Self {
        self.link = Some(link);
        self
    }

    pub fn not_found(code: &'static str, what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, format!("no {what} with that id in this program"))
    }

    /// 422 for a well-formed request the domain refuses.
    pub fn unprocessable(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail)
    }

    /// 422 for a field whose value breaks a rule.
    pub fn invalid_field(field: &str, rule: impl std::fmt::Display) -> Self {
        Self::unprocessable("invalid_field", format!("{field}: {rule}"))
    }

    pub fn key_in_use() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "idempotency_key_in_use",
            "a request with this Idempotency-Key is still executing; retry after a moment with the same key to get its result",
        )
        .with_retry_after(1)
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the server failed; nothing was recorded, so retrying is safe",
        )
    }

    /// 503 for a commit that may or may not have taken effect, with what the client should do.
    fn outcome_unknown(cause: &str, advice: &str) -> Self {
        tracing::error!(%cause, "a commit may or may not have taken effect");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "outcome_unknown",
            format!("storage failed while committing: the write may or may not have taken effect; {advice}"),
        )
        .with_retry_after(1)
    }

    /// Converts a store error on a write that carries an idempotency key: the
    /// guarantee cannot be given, so the write is not attempted (503).
    pub fn from_keyed_store_error(err: StoreError) -> Self {
        match err {
            StoreError::OutcomeUnknown(cause) => Self::outcome_unknown(
                &cause,
                "retry with the same Idempotency-Key, which replays it if it did and runs it if it did not",
            ),
            StoreError::Unavailable(cause) => {
                tracing::warn!(%cause, "storage unavailable for an idempotent write");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "idempotency_unavailable",
                    "storage is unreachable, so the write was not attempted; retry with the same key",
                )
                .with_retry_after(1)
            }
            other => other.into(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::KeyInUse | StoreError::RecordExists => Self::key_in_use(),
            StoreError::Conflict(what) => {
                Self::new(StatusCode::CONFLICT, "conflict", format!("the write collided with existing data ({what})"))
            }
            StoreError::OutOfRange => Self::unprocessable("points_overflow", "the result is outside the points range"),
            StoreError::Unavailable(cause) => {
                tracing::warn!(%cause, "storage unavailable");
                Self::new(StatusCode::SERVICE_UNAVAILABLE, "storage_unavailable", "storage is unreachable; retry later")
                    .with_retry_after(1)
            }
            StoreError::OutcomeUnknown(cause) => Self::outcome_unknown(
                &cause,
                "look before retrying, or send an Idempotency-Key so that a retry is safe",
            ),
            StoreError::Other(cause) => {
                tracing::error!(%cause, "storage error");
                Self::internal()
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = Problem {
            kind: format!("/problems/{}", self.code),
            title: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: self.status.as_u16(),
            detail: self.detail,
            code: self.code.to_owned(),
        };
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if let Some(secs) = self.retry_after_secs {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if let Some(link) = self.link
            && let Ok(value) = HeaderValue::from_str(&format!("<{link}>; rel=\"describedby\""))
        {
            headers.insert(header::LINK, value);
        }
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// "Not attempted" only where nothing was: a commit that may have
    /// happened says so, with or without a key, and both are retry-after 503s.
    #[test]
    fn an_unknown_commit_outcome_is_not_called_unattempted() {
        let keyed = ApiError::from_keyed_store_error(StoreError::OutcomeUnknown("connection reset".into()));
        let plain = ApiError::from(StoreError::OutcomeUnknown("connection reset".into()));
        for error in [&keyed, &plain] {
            assert_eq!((error.status, error.code), (StatusCode::SERVICE_UNAVAILABLE, "outcome_unknown"));
            assert!(error.detail.contains("may or may not have taken effect"), "{}", error.detail);
            assert_eq!(error.retry_after_secs, Some(1));
        }
        assert!(keyed.detail.contains("same Idempotency-Key"));
        let unavailable = ApiError::from_keyed_store_error(StoreError::Unavailable("refused".into()));
        assert_eq!(unavailable.code, "idempotency_unavailable");
        assert!(unavailable.detail.contains("not attempted"));
    }
}
