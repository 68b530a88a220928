//! Events out: what an effect tells the world (`emit`), the webhook
//! endpoints it is told to, and the dispatcher that delivers it there.
//!
//! The promise, as the docs state it: an event exists if and only if its
//! effect committed, exactly one per effect (written by the effect's own
//! transaction), and it is delivered **at least once** to every endpoint
//! subscribed when it was made, until the endpoint answers 2xx or the retry
//! schedule runs out. Every delivery of an event carries the same
//! `webhook-id`, so a receiver applies each id once.

pub mod dispatcher;
pub mod secrets;
pub mod urls;

use std::time::Duration;

use serde::Serialize;
use tally_core::events::EventType;
use tally_core::ids::IdKind;
use tally_store::events::NewEvent;

use crate::error::{ApiError, ApiResult};

pub use secrets::SecretKey;

/// How a node delivers webhooks.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// The wait before each attempt: the first is the first attempt's (0:
    /// at once), then one per retry; when it runs out the delivery fails.
    pub retry_schedule: Vec<Duration>,
    /// How long one attempt may take, connect to last byte.
    pub timeout: Duration,
    /// Allow endpoints in loopback, private, link-local and metadata ranges
    /// (development and tests); refused by default (SSRF).
    pub allow_private_networks: bool,
    /// Seals endpoint secrets at rest; `None` stores them as they are.
    pub secret_key: Option<SecretKey>,
    /// How often an idle dispatcher looks for due deliveries.
    pub poll_interval: Duration,
    /// Run the dispatcher on this node.
    pub dispatch: bool,
}

/// Immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: eight attempts
/// over about a day and a half (the Standard Webhooks reference schedule).
pub const DEFAULT_RETRY_SCHEDULE: &str = "0s,5s,5m,30m,2h,5h,10h,10h";
/// How long a receiver may take to answer one attempt.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);
/// How long the previous secret keeps signing after a rotation.
pub const ROTATION_OVERLAP: Duration = Duration::from_secs(24 * 3600);

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            retry_schedule: parse_retry_schedule(DEFAULT_RETRY_SCHEDULE).expect("the default schedule parses"),
            timeout: DEFAULT_TIMEOUT,
            allow_private_networks: false,
            secret_key: None,
            poll_interval: Duration::from_millis(250),
            dispatch: true,
        }
    }
}

/// `"0s,5s,5m"` → the waits before each attempt (`0` alone is allowed too).
pub fn parse_retry_schedule(text: &str) -> Result<Vec<Duration>, String> {
    let schedule = text
        .split(',')
        .map(str::trim)
        .map(|step| match step {
            "0" => Ok(Duration::ZERO),
            step => humantime::parse_duration(step).map_err(|e| format!("{step:?}: {e}")),
        })
        .collect::<Result<Vec<_>, _>>()?;
    if schedule.is_empty() {
        return Err("the retry schedule needs at least one attempt".to_owned());
    }
    Ok(schedule)
}

/// The event of an effect, with the resource as the API answers it.
pub fn event_of<T: Serialize>(
    event_type: EventType,
    customer_id: Option<&str>,
    idempotency_key: Option<&str>,
    resource: &T,
) -> ApiResult<NewEvent> {
    let data = serde_json::to_string(resource).map_err(|e| {
        tracing::error!(error = %e, "an event's resource failed to serialise");
        ApiError::internal()
    })?;
    Ok(NewEvent {
        id: IdKind::Event.generate(),
        event_type: event_type.as_str(),
        customer_id: customer_id.map(str::to_owned),
        idempotency_key: idempotency_key.map(str::to_owned),
        data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_schedule_is_the_reference_one() {
        let minutes = |m: u64| Duration::from_secs(60 * m);
        assert_eq!(
            WebhookSettings::default().retry_schedule,
            vec![
                Duration::ZERO,
                Duration::from_secs(5),
                minutes(5),
                minutes(30),
                minutes(120),
                minutes(300),
                minutes(600),
                minutes(600)
            ]
        );
    }

    #[test]
    fn schedules_parse_and_bad_ones_say_why() {
        assert_eq!(
            parse_retry_schedule("0, 100ms,1s").unwrap(),
            vec![Duration::ZERO, Duration::from_millis(100), Duration::from_secs(1)]
        );
        assert!(parse_retry_schedule("5x").unwrap_err().contains("5x"));
        assert!(parse_retry_schedule("").is_err());
    }
}
