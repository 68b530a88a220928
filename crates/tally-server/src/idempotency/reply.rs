//! What a keyed write answers: the reply stored under its key, and the
//! idempotency headers that say how the answer was found.

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Serialize;
use tally_core::events::EventType;
use tally_core::model::{
    Coupon, Customer, IdempotencyRecord, LedgerEntry, LedgerOperation, Program, Redemption, RedemptionStatus, Reward,
    Transaction,
};

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

/// What a write did to the resource it answers with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Created,
    Changed,
}

/// A resource with an id and a canonical URL.
pub trait Resource: Serialize {
    fn id(&self) -> &str;
    fn location(&self) -> String;
    /// The event a write that did `change` to this resource emits, and the
    /// customer whose sequence it takes; `None`: it emits none.
    fn event(&self, _change: Change) -> Option<(EventType, Option<&str>)> {
        None
    }
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
macro_rules! resource_with_events {
    ($type:ty, $path:literal, |$this:ident, $change:ident| $event:expr) => {
        impl Resource for $type {
            fn id(&self) -> &str {
                &self.id
            }
            fn location(&self) -> String {
                format!(concat!("/api/v1/", $path, "/{}"), self.id)
            }
            fn event(&self, $change: Change) -> Option<(EventType, Option<&str>)> {
                let $this = self;
                $event
            }
        }
    };
}
resource_with_events!(Customer, "customers", |customer, change| {
    let event_type = match change {
        Change::Created => EventType::CustomerCreated,
        Change::Changed => EventType::CustomerUpdated,
    };
    Some((event_type, Some(&customer.id)))
});
resource_with_events!(Transaction, "transactions", |purchase, change| {
    let event_type = match change {
        Change::Created => EventType::PointsEarned,
        Change::Changed => EventType::PointsVoided,
    };
    Some((event_type, Some(&purchase.customer_id)))
});
resource_with_events!(Redemption, "redemptions", |redemption, change| {
    let event_type = match (change, redemption.status) {
        (Change::Created, _) => EventType::RedemptionCreated,
        (Change::Changed, RedemptionStatus::Fulfilled) => EventType::RedemptionFulfilled,
        (Change::Changed, RedemptionStatus::Cancelled) => EventType::RedemptionCancelled,
        (Change::Changed, RedemptionStatus::Pending) => return None,
    };
    Some((event_type, Some(&redemption.customer_id)))
});
resource!(Reward, "rewards");

impl Resource for Coupon {
    fn id(&self) -> &str {
        &self.id
    }
    fn location(&self) -> String {
        format!("/api/v1/coupons/{}", self.code)
    }
    fn event(&self, change: Change) -> Option<(EventType, Option<&str>)> {
        (change == Change::Changed).then_some((EventType::CouponRedeemed, Some(self.customer_id.as_str())))
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
    fn event(&self, change: Change) -> Option<(EventType, Option<&str>)> {
        let event_type = match (change, self.operation) {
            (Change::Created, LedgerOperation::Adjustment) => EventType::PointsAdjusted,
            (Change::Created, LedgerOperation::Expire) => EventType::PointsExpired,
            _ => return None,
        };
        Some((event_type, Some(&self.customer_id)))
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
