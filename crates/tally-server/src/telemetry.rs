//! Metrics in Prometheus text at `GET /metrics`.
//!
//! The `metrics` facade has one recorder per process, so it is installed once
//! (a `OnceLock`) however many `Application`s a process starts — tests start
//! dozens. Every name is declared here, so the whole vocabulary is one page:
//!
//! | metric | labels |
//! |---|---|
//! | `tally_http_requests_total` | `method`, `route` (the route template, never the raw path), `status` |
//! | `tally_http_request_duration_seconds` (histogram) | `method`, `route` |
//! | `tally_idempotency_lookups_total` | `outcome`: `miss`, `hit`, `reused`, `in_use`, `missing`, `waited` |
//! | `tally_idempotency_waiting` (gauge) | requests waiting (`Prefer: wait`) for their key's first request |
//! | `tally_idempotency_records_stored_total` | |
//! | `tally_idempotency_records_swept_total` | |
//! | `tally_ratelimit_decisions_total` | `decision` (`allowed`, `limited`), `source` (`local`, `redis`) |
//! | `tally_ratelimit_redis_fallback` (gauge) | 1 while Redis is configured but unreachable |
//! | `tally_ratelimit_redis_errors_total` | |
//! | `tally_db_pool_connections` (gauge) | `state`: `max`, `open`, `idle`, `in_use` |
//! | `tally_webhook_deliveries_total` | `outcome`: `delivered`, `retrying`, `failed`, `endpoint_disabled` (one per attempt) |
//! | `tally_webhook_queue_depth` (gauge) | deliveries waiting (due or scheduled) to enabled endpoints |
//! | `tally_webhook_oldest_pending_seconds` (gauge) | age of the oldest of them |

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::app::AppState;

pub const HTTP_REQUESTS: &str = "tally_http_requests_total";
pub const HTTP_DURATION: &str = "tally_http_request_duration_seconds";
pub const IDEMPOTENCY_LOOKUPS: &str = "tally_idempotency_lookups_total";
pub const IDEMPOTENCY_WAITING: &str = "tally_idempotency_waiting";
pub const RECORDS_STORED: &str = "tally_idempotency_records_stored_total";
pub const RECORDS_SWEPT: &str = "tally_idempotency_records_swept_total";
pub const RATELIMIT_DECISIONS: &str = "tally_ratelimit_decisions_total";
pub const RATELIMIT_FALLBACK: &str = "tally_ratelimit_redis_fallback";
pub const RATELIMIT_REDIS_ERRORS: &str = "tally_ratelimit_redis_errors_total";
pub const DB_POOL: &str = "tally_db_pool_connections";
pub const WEBHOOK_DELIVERIES: &str = "tally_webhook_deliveries_total";
pub const WEBHOOK_QUEUE_DEPTH: &str = "tally_webhook_queue_depth";
pub const WEBHOOK_OLDEST_PENDING: &str = "tally_webhook_oldest_pending_seconds";

/// Latency buckets, in seconds: 1 ms to 10 s, covering a replay (sub-ms) up to
/// a `Prefer: wait` that used its whole budget.
const LATENCY_BUCKETS: [f64; 14] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// The process's recorder, installed on first use.
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        // Another recorder already installed (an embedding program's): keep
        // a private one so `/metrics` still answers, if emptily, rather than panic.
        builder().install_recorder().unwrap_or_else(|err| {
            tracing::warn!(%err, "a metrics recorder was already installed; /metrics will not see Tally's metrics");
            builder().build_recorder().handle()
        })
    })
}

fn builder() -> PrometheusBuilder {
    PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.to_owned()), &LATENCY_BUCKETS)
        .expect("the bucket list is not empty")
}

/// Starts the recorder's housekeeping on the current runtime. Histograms are
/// buffered until upkeep drains them, so without it memory would grow between
/// scrapes. One task per application is harmless (upkeep is idempotent).
pub fn spawn_upkeep() {
    let handle = handle();
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(Duration::from_secs(5));
        loop {
            ticker.tick().await;
            handle.run_upkeep();
        }
    });
}

/// `GET /metrics`: Prometheus text exposition.
pub async fn render(State(state): State<AppState>) -> Response {
    let pool = state.store.pool_stats();
    gauge!(DB_POOL, "state" => "max").set(f64::from(pool.max));
    gauge!(DB_POOL, "state" => "open").set(f64::from(pool.open));
    gauge!(DB_POOL, "state" => "idle").set(f64::from(pool.idle));
    gauge!(DB_POOL, "state" => "in_use").set(f64::from(pool.open.saturating_sub(pool.idle)));
    let handle = handle();
    handle.run_upkeep();
    let mut response = handle.render().into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
    response
}

/// Counts every request by route template and status, with its latency.
/// Applied with `Router::layer`, so routing has already put the matched
/// template in the request; requests no route matched share `route="unmatched"`.
pub async fn track(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str).to_owned();
    let method = method_label(request.method());
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    histogram!(HTTP_DURATION, "method" => method, "route" => route.clone()).record(started.elapsed().as_secs_f64());
    counter!(HTTP_REQUESTS, "method" => method, "route" => route, "status" => status).increment(1);
    response
}

/// A bounded label: clients may send any method name.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PATCH => "PATCH",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Counts one idempotency lookup outcome.
pub fn lookup(outcome: &'static str) {
    counter!(IDEMPOTENCY_LOOKUPS, "outcome" => outcome).increment(1);
}

/// Counts a request as waiting for its key until the guard drops (however
/// the wait ends, a cancelled request included).
pub fn waiting() -> impl Drop {
    struct Waiting;
    impl Drop for Waiting {
        fn drop(&mut self) {
            gauge!(IDEMPOTENCY_WAITING).decrement(1.0);
        }
    }
    gauge!(IDEMPOTENCY_WAITING).increment(1.0);
    Waiting
}

pub fn record_stored() {
    counter!(RECORDS_STORED).increment(1);
}

pub fn webhook_attempt(outcome: &'static str) {
    counter!(WEBHOOK_DELIVERIES, "outcome" => outcome).increment(1);
}

pub fn webhook_queue(depth: u64, oldest_age_seconds: f64) {
    gauge!(WEBHOOK_QUEUE_DEPTH).set(depth as f64);
    gauge!(WEBHOOK_OLDEST_PENDING).set(oldest_age_seconds);
}

pub fn records_swept(count: u64) {
    counter!(RECORDS_SWEPT).increment(count);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_are_a_closed_set() {
        assert_eq!(method_label(&Method::POST), "POST");
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "other");
    }

    #[test]
    fn the_recorder_is_installed_once_and_renders_counters() {
        let first = handle() as *const PrometheusHandle;
        assert_eq!(first, handle() as *const PrometheusHandle, "one recorder per process");
        record_stored();
        let text = handle().render();
        assert!(text.contains("tally_idempotency_records_stored_total"), "{text}");
    }
}
