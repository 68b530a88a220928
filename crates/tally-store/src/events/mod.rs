//! The outbox: events written by the transaction of their effect, the webhook
//! endpoints they go to, and the delivery queue the dispatcher works through.
//!
//! An event row and one delivery row per subscribed endpoint are inserted by
//! the effect's own transaction ([`OutboxTx::emit`]), so an event exists if and
//! only if its effect committed. Delivery happens later, outside any write
//! transaction: a node leases due deliveries ([`Outbox::lease_deliveries`]),
//! sends them, and reports each attempt ([`Outbox::record_attempt`]) under its
//! lease, so several nodes share the queue without sending one delivery twice
//! at the same time, and a node that dies only delays what it had leased.

use std::time::Duration;

use async_trait::async_trait;
use tally_core::events::{AttemptOutcome, Event, WebhookEndpoint};

#[cfg(feature = "sqlx")]
pub mod reads;
pub mod rows;

use crate::{Found, StoreResult};

/// An event about to be written with its effect.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// `evt_…`.
    pub id: String,
    pub event_type: &'static str,
    /// Whose sequence it takes a number of; `None` for an event about no one customer.
    pub customer_id: Option<String>,
    pub idempotency_key: Option<String>,
    /// The resource as the API answered it: JSON text, stored as sent.
    pub data: String,
}

#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub event_type: Option<String>,
    pub customer_id: Option<String>,
}

/// A new endpoint; its secret already sealed for storage (see the server's `webhooks::secrets`).
#[derive(Debug, Clone)]
pub struct NewWebhookEndpoint {
    pub id: String,
    pub url: String,
    pub event_types: Option<Vec<String>>,
    pub description: Option<String>,
    pub sealed_secret: String,
}

/// The fields a PATCH sets; `None` leaves one as it is.
#[derive(Debug, Clone, Default)]
pub struct WebhookEndpointPatch {
    pub endpoint_id: String,
    pub url: Option<String>,
    /// `Some(None)`: every type.
    pub event_types: Option<Option<Vec<String>>>,
    pub description: Option<Option<String>>,
    pub enabled: Option<bool>,
}

/// A new signing secret for an endpoint, sealed for storage (see the server's `webhooks::secrets`).
#[derive(Debug, Clone)]
pub struct NewSecret {
    pub endpoint_id: String,
    pub sealed_secret: String,
    /// How long the old secret keeps signing beside the new one.
    pub overlap: Duration,
}

/// A delivery this node holds the lease of, with what sending it needs.
#[derive(Debug, Clone)]
pub struct LeasedDelivery {
    pub delivery_id: i64,
    pub lease_token: String,
    /// 1 for the first attempt.
    pub attempt: i32,
    pub endpoint_id: String,
    pub url: String,
    pub sealed_secret: String,
    /// The secret before the last rotation, while it still signs alongside the new one.
    pub sealed_previous_secret: Option<String>,
    pub event: Event,
}

/// The result of one attempt, reported under the lease that made it.
#[derive(Debug, Clone)]
pub struct AttemptReport {
    pub delivery_id: i64,
    pub lease_token: String,
    pub attempt: i32,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub latency_ms: i64,
    pub outcome: AttemptOutcome,
    /// For `Retrying`: when the next attempt is due, from now by the database clock.
    pub retry_in: Option<Duration>,
}

impl AttemptReport {
    /// The delivery's state after this attempt.
    pub fn delivery_state(&self) -> &'static str {
        match self.outcome {
            AttemptOutcome::Delivered => "delivered",
            AttemptOutcome::Retrying => "pending",
            AttemptOutcome::Failed | AttemptOutcome::EndpointDisabled => "failed",
        }
    }

    /// When the next attempt is due, in milliseconds from now (0: no next attempt).
    pub fn retry_in_ms(&self) -> i64 {
        self.retry_in.map_or(0, millis)
    }
}

/// A duration as the stores bind it: whole milliseconds.
pub fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// How much is waiting to be delivered, for `/metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct QueueStats {
    /// Deliveries not yet delivered nor given up (to enabled endpoints).
    pub depth: u64,
    /// Age of the oldest of them, in seconds (0 when none).
    pub oldest_age_seconds: f64,
}

/// The dispatcher's queue, outside write transactions.
#[async_trait]
pub trait Outbox: Send + Sync {
    /// Leases up to `limit` due deliveries to enabled endpoints, across all
    /// programs, oldest due first, for `lease`: no other node leases them
    /// until the lease ends or the attempt is reported.
    async fn lease_deliveries(&self, limit: u32, lease: Duration) -> StoreResult<Vec<LeasedDelivery>>;
    /// Records an attempt and moves its delivery on (delivered, due again,
    /// given up; a `410` also disables the endpoint). `false` when the lease
    /// was lost (it ran out and another node leased the delivery): the
    /// attempt is still recorded, the delivery left to its new holder.
    async fn record_attempt(&self, report: &AttemptReport) -> StoreResult<bool>;
    async fn queue_stats(&self) -> StoreResult<QueueStats>;
}

/// The outbox's writes, inside the transaction of the effect or request.
#[async_trait]
pub trait OutboxTx: Send {
    /// Writes the event, and a due delivery for every enabled endpoint of the
    /// program subscribed to its type, with this transaction: they commit or
    /// vanish with the effect. A backend may hold them until its commit, so
    /// they go with the COMMIT in one round trip.
    async fn emit(&mut self, program_id: &str, event: NewEvent) -> StoreResult<()>;
    async fn insert_endpoint(&mut self, program_id: &str, new: &NewWebhookEndpoint) -> StoreResult<WebhookEndpoint>;
    /// Sets what the patch carries on the endpoint it names; `None`: no such endpoint.
    async fn patch_endpoint(&mut self, program_id: &str, patch: &WebhookEndpointPatch) -> Found<WebhookEndpoint>;
    /// Deletes the endpoint with its deliveries and attempts; the endpoint as it was, or `None`.
    async fn delete_endpoint(&mut self, program_id: &str, id: &str) -> Found<WebhookEndpoint>;
    /// Makes `secret.sealed_secret` the endpoint's signing secret; the old one keeps
    /// signing beside it for `secret.overlap`.
    async fn rotate_secret(&mut self, program_id: &str, secret: &NewSecret) -> Found<WebhookEndpoint>;
    /// A new due delivery of the event to every enabled endpoint subscribed to
    /// its type; how many, or `None` when there is no such event.
    async fn redeliver_event(&mut self, program_id: &str, event_id: &str) -> StoreResult<Option<u64>>;
}
