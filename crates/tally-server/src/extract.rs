//! Request extractors whose rejections are problem+json with stable codes.

use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, OriginalUri, Query, Request};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tally_core::IdempotencyKey;
use tally_core::fingerprint::fingerprint;
use tally_store::Page;

use crate::app::AppState;
use crate::error::ApiError;

/// Request bodies above this are refused (413) before anything is stored.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// What the idempotency executor needs to know about a write.
#[derive(Debug, Clone)]
pub struct WriteMeta {
    pub key: Option<IdempotencyKey>,
    pub method: Method,
    pub path: String,
    pub fingerprint: String,
    /// `Prefer: wait=N`: how long to wait for an in-flight request with the same key.
    pub wait: Option<std::time::Duration>,
}

/// A write: its validated JSON body and its idempotency facts.
pub struct Write<T> {
    pub body: T,
    pub meta: WriteMeta,
}

impl<T: DeserializeOwned> FromRequest<AppState> for Write<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &AppState) -> Result<Self, ApiError> {
        let (parts, body) = req.into_parts();
        let (primary, alias) = (parts.headers.get_all("idempotency-key"), parts.headers.get_all("x-idempotency-key"));
        let key =
            IdempotencyKey::from_headers(primary.iter().chain(alias.iter()).map(|v| v.as_bytes())).map_err(|e| {
                ApiError::new(StatusCode::BAD_REQUEST, "idempotency_key_invalid", e.to_string())
                    .with_docs_link(crate::error::IDEMPOTENCY_DOCS)
            })?;
        let bytes = read_body(&parts, body).await?;
        let body = parse_json(&bytes)?;
        // Nested routers strip their prefix from `parts.uri`; the key must
        // remember the route the client actually called.
        let uri = parts.extensions.get::<OriginalUri>().map_or(&parts.uri, |original| &original.0);
        let meta = WriteMeta {
            fingerprint: fingerprint(parts.method.as_str(), uri.path(), uri.query(), &bytes),
            path: uri.path().to_owned(),
            wait: crate::prefer::wait(&parts.headers),
            key,
            method: parts.method,
        };
        Ok(Self { body, meta })
    }
}

async fn read_body(parts: &Parts, body: Body) -> Result<bytes::Bytes, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("request bodies are limited to {MAX_BODY_BYTES} bytes"),
        )
    };
    let declared =
        parts.headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > MAX_BODY_BYTES as u64) {
        return Err(too_large());
    }
    if let Some(content_type) = parts.headers.get(header::CONTENT_TYPE) {
        let mime = content_type.to_str().unwrap_or("").split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        if !(mime == "application/json" || mime.ends_with("+json")) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as JSON with 'Content-Type: application/json'",
            ));
        }
    }
    axum::body::to_bytes(body, MAX_BODY_BYTES).await.map_err(|_| too_large())
}

fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // An empty body reads as `{}`, so routes whose fields are all optional
    // accept a bare POST.
    let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) { b"{}" } else { bytes };
    // Well-formedness first: typed parsing stops at the first wrong field, so
    // `{"bogus": 1}}` or a truncated body would otherwise be called a wrong type.
    serde_json::from_slice::<serde::de::IgnoredAny>(bytes).map_err(|e| {
        ApiError::new(StatusCode::BAD_REQUEST, "malformed_json", format!("the body is not valid JSON: {e}"))
    })?;
    // serde reads a JSON array into a struct by position; a body is an object
    // with named fields, never `[5, "x"]` that happens to line up.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::unprocessable("invalid_body", "the body must be a JSON object"));
    }
    serde_json::from_slice(bytes).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => ApiError::unprocessable("invalid_body", e.to_string()),
        _ => ApiError::new(StatusCode::BAD_REQUEST, "malformed_json", format!("the body is not valid JSON: {e}")),
    })
}

/// A route's path parameters. axum's own `Path` answers a parameter that is
/// not UTF-8 once percent-decoded with a plain-text 400; this one answers
/// with the API's problem+json.
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state).await.map(|path| Self(path.0)).map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_path",
                format!("the path cannot be read: {}", e.body_text()),
            )
        })
    }
}

/// `?limit=&starting_after=` of every list route.
pub struct Pagination(pub Page);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PaginationQuery {
    limit: Option<u32>,
    starting_after: Option<String>,
    // Filters of specific routes travel in the same query string.
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default, rename = "type")]
    event_type: Option<String>,
    #[serde(default)]
    customer_id: Option<String>,
}

pub const DEFAULT_PAGE: u32 = 20;
pub const MAX_PAGE: u32 = 100;
/// Longer than any id: a prefix, `_` and a 26-character ULID.
pub const MAX_CURSOR_LEN: usize = 64;

impl<S: Send + Sync> FromRequestParts<S> for Pagination {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let query = parse_query(parts)?;
        let limit = query.limit.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_query",
                format!("limit must be between 1 and {MAX_PAGE}"),
            ));
        }
        // A cursor is an id from a previous page. Anything else is refused
        // before it reaches a query (PostgreSQL refuses a NUL in text outright).
        if let Some(cursor) = &query.starting_after
            && (cursor.is_empty()
                || cursor.len() > MAX_CURSOR_LEN
                || !cursor.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_query",
                "starting_after must be the id of the last item of a previous page",
            ));
        }
        Ok(Self(Page { limit, starting_after: query.starting_after }))
    }
}

/// `?email=&phone=` of the customer list.
pub struct ContactQuery {
    pub email: Option<String>,
    pub phone: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for ContactQuery {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let query = parse_query(parts)?;
        Ok(Self { email: query.email, phone: query.phone })
    }
}

/// `?type=&customer_id=` of the event list. Values that no event can have
/// (too long, or with a NUL, which PostgreSQL refuses outright) are refused.
pub struct EventQuery(pub tally_store::events::EventFilter);

impl<S: Send + Sync> FromRequestParts<S> for EventQuery {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let query = parse_query(parts)?;
        let invalid = |name: &str| {
            ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", format!("{name} is too long or not printable"))
        };
        let printable = |v: &String| v.len() <= MAX_CURSOR_LEN && !v.chars().any(char::is_control);
        if !query.event_type.iter().all(printable) {
            return Err(invalid("type"));
        }
        if !query.customer_id.iter().all(printable) {
            return Err(invalid("customer_id"));
        }
        Ok(Self(tally_store::events::EventFilter { event_type: query.event_type, customer_id: query.customer_id }))
    }
}

/// Tells "absent" (outer `None`, with `#[serde(default)]`) from "null"
/// (`Some(None)`) in a PATCH body.
pub fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// `?status=` of the program-wide redemption list: required, one of the statuses.
pub struct RedemptionStatusQuery(pub tally_core::model::RedemptionStatus);

impl<S: Send + Sync> FromRequestParts<S> for RedemptionStatusQuery {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let query = parse_query(parts)?;
        query.status.as_deref().and_then(tally_core::model::RedemptionStatus::parse).map(Self).ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_query",
                "status is required: one of pending, fulfilled, cancelled",
            )
        })
    }
}

fn parse_query(parts: &Parts) -> Result<PaginationQuery, ApiError> {
    Query::<PaginationQuery>::try_from_uri(&parts.uri)
        .map(|Query(q)| q)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", e.body_text()))
}
