//! Events: what Tally tells the world after an effect committed, and the
//! webhook endpoints it tells them to.
//!
//! An event is written by the transaction of its effect (the outbox), so it
//! exists if and only if the effect committed, one per effect. Its `data` is
//! the resource exactly as the API answered it, kept as the JSON text that was
//! sent, so every delivery and every read of the event is the same bytes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use utoipa::ToSchema;

/// The kinds of event, with the name a receiver filters on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    CustomerCreated,
    CustomerUpdated,
    PointsEarned,
    PointsAdjusted,
    PointsVoided,
    PointsExpired,
    PointsReleased,
    RedemptionCreated,
    RedemptionFulfilled,
    RedemptionCancelled,
    CouponRedeemed,
    TierChanged,
}

impl EventType {
    pub const ALL: [EventType; 12] = [
        EventType::CustomerCreated,
        EventType::CustomerUpdated,
        EventType::PointsEarned,
        EventType::PointsAdjusted,
        EventType::PointsVoided,
        EventType::PointsExpired,
        EventType::PointsReleased,
        EventType::RedemptionCreated,
        EventType::RedemptionFulfilled,
        EventType::RedemptionCancelled,
        EventType::CouponRedeemed,
        EventType::TierChanged,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            EventType::CustomerCreated => "customer.created",
            EventType::CustomerUpdated => "customer.updated",
            EventType::PointsEarned => "points.earned",
            EventType::PointsAdjusted => "points.adjusted",
            EventType::PointsVoided => "points.voided",
            EventType::PointsExpired => "points.expired",
            EventType::PointsReleased => "points.released",
            EventType::RedemptionCreated => "redemption.created",
            EventType::RedemptionFulfilled => "redemption.fulfilled",
            EventType::RedemptionCancelled => "redemption.cancelled",
            EventType::CouponRedeemed => "coupon.redeemed",
            EventType::TierChanged => "tier.changed",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

/// One event, as `GET /events` shows it and as a webhook delivers it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Event {
    /// `evt_…`: the same on every delivery of the event (the `webhook-id`
    /// header), so a receiver applies it once.
    pub id: String,
    /// E.g. `points.earned`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// When the effect committed.
    pub timestamp: DateTime<Utc>,
    pub program_id: String,
    /// The resource as the API returned it to the request that made the effect.
    #[schema(value_type = Object)]
    pub data: Box<RawValue>,
    /// The key of the request that made the effect; `null` for a job's effect
    /// (expiry, release) or an unkeyed request.
    pub idempotency_key: Option<String>,
    /// Per customer: 1 for the customer's first event, then 2, 3, … with no
    /// gaps, in commit order, so a receiver can tell it missed one.
    pub sequence: Option<i64>,
}

/// A webhook endpoint, as the API shows it (its secret only when made or rotated).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WebhookEndpoint {
    /// `whe_…`.
    pub id: String,
    pub url: String,
    /// The event types it receives; `null`: every type.
    pub event_types: Option<Vec<String>>,
    pub description: Option<String>,
    /// A disabled endpoint receives nothing; its deliveries wait until it is enabled again.
    pub enabled: bool,
    /// Why Tally disabled it (a `410 Gone` answer), if it did.
    pub disabled_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What became of one attempt to deliver an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttemptOutcome {
    /// 2xx: the receiver has it.
    Delivered,
    /// Failed; another attempt is scheduled.
    Retrying,
    /// Failed, and it was the last attempt of the schedule.
    Failed,
    /// The receiver answered 410 Gone: the endpoint is disabled.
    EndpointDisabled,
}

impl AttemptOutcome {
    pub const fn as_str(self) -> &'static str {
        match self {
            AttemptOutcome::Delivered => "delivered",
            AttemptOutcome::Retrying => "retrying",
            AttemptOutcome::Failed => "failed",
            AttemptOutcome::EndpointDisabled => "endpoint_disabled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Delivered, Self::Retrying, Self::Failed, Self::EndpointDisabled].into_iter().find(|o| o.as_str() == s)
    }
}

/// One attempt to deliver an event to an endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DeliveryAttempt {
    /// Increasing with time: the cursor of the attempts list (`starting_after`).
    pub id: i64,
    pub event_id: String,
    pub event_type: String,
    /// 1 for the first attempt of a delivery, then 2, 3, …
    pub attempt: i32,
    pub attempted_at: DateTime<Utc>,
    /// The receiver's status code; `null` when no answer came (see `error`).
    pub status_code: Option<i32>,
    /// What went wrong without an answer (timeout, refused connection), or
    /// the first bytes of a failing answer.
    pub error: Option<String>,
    pub latency_ms: i64,
    pub outcome: AttemptOutcome,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_type_parses_back_from_its_name() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Some(t));
        }
        assert_eq!(EventType::parse("points.nothing"), None);
    }
}
