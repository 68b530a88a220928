//! The outbox's row shapes and their conversions, shared by both backends as
//! `crate::rows` is (generic over the timestamp, see [`Stamp`]).

use serde_json::value::RawValue;
use tally_core::events::{AttemptOutcome, DeliveryAttempt, Event, WebhookEndpoint};

use super::LeasedDelivery;
use crate::StoreError;
use crate::rows::Stamp;

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Other(format!("unexpected {what} in storage: {value:?}"))
}

/// Both backends select `data` as text (PostgreSQL's `JSON` cast to `text`).
pub const EVENT_COLUMNS: &str = "id, program_id, type AS event_type, sequence, idempotency_key, data, created_at";

#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[derive(Debug, Clone)]
pub struct EventRow<T> {
    pub id: String,
    pub program_id: String,
    pub event_type: String,
    pub sequence: Option<i64>,
    pub idempotency_key: Option<String>,
    pub data: String,
    pub created_at: T,
}

impl<T: Stamp> TryFrom<EventRow<T>> for Event {
    type Error = StoreError;
    fn try_from(r: EventRow<T>) -> Result<Self, StoreError> {
        let data = RawValue::from_string(r.data).map_err(|e| corrupt("event data", &e.to_string()))?;
        Ok(Event {
            id: r.id,
            event_type: r.event_type,
            timestamp: r.created_at.utc(),
            program_id: r.program_id,
            data,
            idempotency_key: r.idempotency_key,
            sequence: r.sequence,
        })
    }
}

/// How a backend keeps an endpoint's list of event types: PostgreSQL as a
/// `TEXT[]`, SQLite as a JSON array in a text column.
pub trait TypeList {
    fn into_list(self) -> Result<Option<Vec<String>>, StoreError>;
}

impl TypeList for Option<Vec<String>> {
    fn into_list(self) -> Result<Option<Vec<String>>, StoreError> {
        Ok(self)
    }
}

impl TypeList for Option<String> {
    fn into_list(self) -> Result<Option<Vec<String>>, StoreError> {
        self.map(|json| serde_json::from_str(&json).map_err(|_| corrupt("event type list", &json))).transpose()
    }
}

pub const ENDPOINT_COLUMNS: &str =
    "id, url, event_types, description, enabled, disabled_reason, created_at, updated_at";

#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[derive(Debug, Clone)]
pub struct EndpointRow<T, L> {
    pub id: String,
    pub url: String,
    pub event_types: L,
    pub description: Option<String>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub created_at: T,
    pub updated_at: T,
}

impl<T: Stamp, L: TypeList> TryFrom<EndpointRow<T, L>> for WebhookEndpoint {
    type Error = StoreError;
    fn try_from(r: EndpointRow<T, L>) -> Result<Self, StoreError> {
        Ok(WebhookEndpoint {
            id: r.id,
            url: r.url,
            event_types: r.event_types.into_list()?,
            description: r.description,
            enabled: r.enabled,
            disabled_reason: r.disabled_reason,
            created_at: r.created_at.utc(),
            updated_at: r.updated_at.utc(),
        })
    }
}

/// Selected from `webhook_attempts a JOIN events v` (for the type).
pub const ATTEMPT_COLUMNS: &str = "a.id, a.event_id, v.type AS event_type, a.attempt, a.attempted_at, a.status_code, \
     a.error, a.latency_ms, a.outcome";

#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[derive(Debug, Clone)]
pub struct AttemptRow<T> {
    pub id: i64,
    pub event_id: String,
    pub event_type: String,
    pub attempt: i32,
    pub attempted_at: T,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub latency_ms: i64,
    pub outcome: String,
}

impl<T: Stamp> TryFrom<AttemptRow<T>> for DeliveryAttempt {
    type Error = StoreError;
    fn try_from(r: AttemptRow<T>) -> Result<Self, StoreError> {
        Ok(DeliveryAttempt {
            id: r.id,
            event_id: r.event_id,
            event_type: r.event_type,
            attempt: r.attempt,
            attempted_at: r.attempted_at.utc(),
            status_code: r.status_code,
            error: r.error,
            latency_ms: r.latency_ms,
            outcome: AttemptOutcome::parse(&r.outcome).ok_or_else(|| corrupt("attempt outcome", &r.outcome))?,
        })
    }
}

/// A leased delivery with its endpoint and event (see each backend's lease query).
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
#[derive(Debug, Clone)]
pub struct LeasedRow<T> {
    pub delivery_id: i64,
    pub lease_token: String,
    pub attempts: i32,
    pub endpoint_id: String,
    pub url: String,
    pub secret: String,
    /// Already `NULL` when its overlap has ended.
    pub previous_secret: Option<String>,
    #[cfg_attr(feature = "sqlx", sqlx(flatten))]
    pub event: EventRow<T>,
}

impl<T: Stamp> TryFrom<LeasedRow<T>> for LeasedDelivery {
    type Error = StoreError;
    fn try_from(r: LeasedRow<T>) -> Result<Self, StoreError> {
        Ok(LeasedDelivery {
            delivery_id: r.delivery_id,
            lease_token: r.lease_token,
            attempt: r.attempts + 1,
            endpoint_id: r.endpoint_id,
            url: r.url,
            sealed_secret: r.secret,
            sealed_previous_secret: r.previous_secret,
            event: r.event.try_into()?,
        })
    }
}
