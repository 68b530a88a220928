//! What a keyed write answers: the reply stored under its key, and the
//! idempotency headers that say how the answer was found.

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Serialize;
use tally_core::model::{Coupon, Customer, IdempotencyRecord, LedgerEntry, Program, Redemption, Reward, Transaction};

use crate::error::{ApiError, ApiResult};

pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");
pub const LOOKUP: HeaderName = HeaderName::from_static("x-idempotency-lookup");

/// Response headers worth replaying. Anything else (cookies, hop-by-hop,
/// per-attempt ids) belongs to one attempt, not to the stored answer.
pub(super) const STORED_HEADERS: [HeaderName; 2] = [header::CONTENT_TYPE, header::LOCATION];

/// What became of a request's key: the one vocabulary of the
/// `X-Idempotency-Lookup` header, the request's log field and the metric label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// First time: executed.
    Miss,
    /// A stored response (or, past retention, the resource the key made) was replayed.
    Hit,
    /// Met the key in flight, waited (`Prefer: wait`) and replayed its response.
    Waited,
    /// The key belongs to a different request: 422.
    Reused,
    /// The key is held by a request still executing: 409.
    InUse,
    /// A route that requires a key got none: 400.
    Missing,
}

impl Lookup {
    pub fn as_str(self) -> &'static str {
        match self {
            Lookup::Miss => "miss",
            Lookup::Hit => "hit",
            Lookup::Waited => "waited",
            Lookup::Reused => "reused",
            Lookup::InUse => "in_use",
            Lookup::Missing => "missing",
        }
    }

    /// Whether the answer is a stored one rather than this request's own effect.
    pub fn replayed(self) -> bool {
        matches!(self, Lookup::Hit | Lookup::Waited)
    }
}

/// A response about to be returned and, for a keyed 2xx, stored.
pub struct Reply {
    pub status: StatusCode,
    pub headers: Vec<(HeaderName, String)>,
    pub body: Bytes,
    /// The id of what the request made, shown by `GET /idempotency-keys/{key}`.
    pub resource_id: Option<String>,
}

impl Reply {
    /// A JSON reply. Serialising our own types cannot fail in practice; if it
    /// ever did, the request fails (500, nothing committed) rather than
    /// storing an empty body under the key for good.
    pub fn json<T: Serialize>(status: StatusCode, value: &T) -> ApiResult<Self> {
        let body = serde_json::to_vec(value).map_err(|e| {
            tracing::error!(error = %e, "a reply failed to serialise");
            ApiError::internal()
        })?;
        Ok(Self {
            status,
            headers: vec![(header::CONTENT_TYPE, "application/json".to_owned())],
            body: body.into(),
            resource_id: None,
        })
    }

    /// `201 Created` with the resource's `Location`.
    pub fn created<T: Resource>(made: &T) -> ApiResult<Self> {
        let mut reply = Self::json(StatusCode::CREATED, made)?.about(made);
        reply.headers.push((header::LOCATION, made.location()));
        Ok(reply)
    }

    /// `200 OK` with the resource as it now is.
    pub fn ok<T: Resource>(resource: &T) -> ApiResult<Self> {
        Ok(Self::json(StatusCode::OK, resource)?.about(resource))
    }

    fn about<T: Resource>(mut self, resource: &T) -> Self {
        self.resource_id = Some(resource.id().to_owned());
        self
    }

    pub(super) fn into_response_with(self, lookup: Option<Lookup>) -> Response {
        let mut response = (self.status, self.body).into_response();
        let headers = response.headers_mut();
        for (name, value) in self.headers {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(name, value);
            }
        }
        if let Some(lookup) = lookup {
            headers.insert(REPLAYED, HeaderValue::from_static(if lookup.replayed() { "true" } else { "false" }));
            headers.insert(LOOKUP, HeaderValue::from_static(lookup.as_str()));
        }
        response
    }

    /// The stored reply of a record. A status that is no HTTP status means
    /// the record is damaged: answer 500 rather than guess one.
    pub(super) fn from_record(record: &IdempotencyRecord) -> ApiResult<Self> {
        let status = StatusCode::from_u16(record.status).map_err(|_| {
            tracing::error!(status = record.status, key = %record.key, "a stored response has an invalid status");
            ApiError::internal()
        })?;
        Ok(Self {
            status,
            headers: record
                .headers
                .iter()
                .filter_map(|(name, value)| HeaderName::from_bytes(name.as_bytes()).ok().map(|n| (n, value.clone())))
                .collect(),
            body: Bytes::copy_from_slice(&record.body),
            resource_id: record.resource_id.clone(),
        })
    }
}

/// A resource with an id and a canonical URL.
pub trait Resource: Serialize {
    fn id(&self) -> &str;
    fn location(&self) -> String;
}

macro_rules! resource {
    ($type:ty, $path:literal) => {
        impl Resource for $type {
            fn id(&self) -> &str {
                &self.id
            }
            fn location(&self) -> String {
                format!(concat!("/api/v1/", $path, "/{}"), self.id)
            }
        }
    };
}
resource!(Customer, "customers");
resource!(Transaction, "transactions");
resource!(Reward, "rewards");
resource!(Redemption, "redemptions");

impl Resource for Coupon {
    fn id(&self) -> &str {
        &self.id
    }
    fn location(&self) -> String {
        format!("/api/v1/coupons/{}", self.code)
    }
}

/// A manual adjustment's resource is its ledger entry, listed in the customer's ledger.
impl Resource for LedgerEntry {
    fn id(&self) -> &str {
        &self.id
    }
    fn location(&self) -> String {
        format!("/api/v1/customers/{}/ledger", self.customer_id)
    }
}

impl Resource for Program {
    fn id(&self) -> &str {
        &self.id
    }
    fn location(&self) -> String {
        "/api/v1/program".to_owned()
    }
}
