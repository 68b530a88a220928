//! What the SDK's own log events reveal while the run goes on: every retry,
//! and whether a 5xx or a broken connection caused it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tracing::field::{Field, Visit};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// What the SDK's own log events reveal: every retry, and why.
#[derive(Default)]
pub(super) struct Seen {
    pub(super) retries: AtomicU64,
    pub(super) status_5xx: AtomicU64,
    pub(super) transport: AtomicU64,
}

pub(super) struct CountLayer(Arc<Seen>);

#[derive(Default)]
pub(super) struct Fields {
    pub(super) outcome: Option<String>,
    pub(super) failure: Option<String>,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "outcome" => self.outcome = Some(value.to_owned()),
            "failure" => self.failure = Some(value.to_owned()),
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "outcome" => self.outcome = Some(format!("{value:?}")),
            "failure" => self.failure = Some(format!("{value:?}")),
            _ => {}
        }
    }
}

impl<S: tracing::Subscriber> Layer<S> for CountLayer {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: tracing_subscriber::layer::Context<'_, S>) {
        if !event.metadata().target().starts_with("tally_client") {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        let (Some(outcome), Some(failure)) = (fields.outcome, fields.failure) else { return };
        if outcome.trim_matches('"') == "retry" {
            self.0.retries.fetch_add(1, Ordering::Relaxed);
        }
        if failure.starts_with("transport") {
            self.0.transport.fetch_add(1, Ordering::Relaxed);
        } else if failure.starts_with('5') {
            self.0.status_5xx.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Logs for the person running it (warnings of the harness only); the SDK's
/// per-attempt warnings are counted, not printed.
pub(super) fn init_logging(seen: Arc<Seen>) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tally_client=error,sqlx=error"));
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_filter(filter);
    tracing_subscriber::registry().with(fmt).with(CountLayer(seen)).init();
}
