//! The dispatcher: a background task on every node that leases due
//! deliveries, sends them signed (Standard Webhooks v1), and reports each
//! attempt. Nothing is held open while a request is in flight: the lease is
//! a time in the delivery's row, longer than any attempt can take, so no two
//! nodes send one delivery at the same time, and a node killed mid-attempt
//! only delays the delivery until its lease runs out.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use rand::Rng;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::{StatusCode, Url, header};
use tally_core::events::AttemptOutcome;
use tally_core::webhook_signature::{WebhookSecret, signature_header};
use tally_store::Store;
use tally_store::events::{AttemptReport, LeasedDelivery};

use super::{WebhookSettings, secrets, urls};
use crate::telemetry;

/// Deliveries leased at a time, and sent at once, by one node.
const BATCH: u32 = 32;
const CONCURRENCY: usize = 16;
/// How often the queue's depth and age are read for `/metrics`.
const STATS_EVERY: Duration = Duration::from_secs(5);
/// The longest `Retry-After` honoured; a longer one waits this long.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);
/// What an attempt must have left of its lease to be started, beyond the
/// timeout: for the work before the request and for clocks that drift.
const LEASE_MARGIN: Duration = Duration::from_secs(1);
/// What an error message keeps, so one odd receiver cannot bloat the table.
const MAX_ERROR_LEN: usize = 300;

pub fn spawn(store: Arc<dyn Store>, settings: Arc<WebhookSettings>) {
    if !settings.dispatch {
        return;
    }
    let dispatcher = match Dispatcher::new(store, settings) {
        Ok(dispatcher) => dispatcher,
        Err(e) => {
            tracing::error!(error = %e, "the webhook dispatcher could not start; no webhooks will be sent");
            return;
        }
    };
    tokio::spawn(dispatcher.run());
}

struct Dispatcher {
    store: Arc<dyn Store>,
    settings: Arc<WebhookSettings>,
    client: reqwest::Client,
}

impl Dispatcher {
    fn new(store: Arc<dyn Store>, settings: Arc<WebhookSettings>) -> reqwest::Result<Self> {
        let mut client = reqwest::Client::builder()
            .timeout(settings.timeout)
            // A redirect could lead anywhere, a private address included; the
            // receiver's answer is the answer.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Tally-Webhooks/", env!("CARGO_PKG_VERSION")));
        if !settings.allow_private_networks {
            client = client.dns_resolver(Arc::new(PublicOnly));
        }
        Ok(Self { store, settings, client: client.build()? })
    }

    /// The lease outlasts any attempt: the timeout twice over, and a margin
    /// for the report of its result.
    fn lease(&self) -> Duration {
        self.settings.timeout * 2 + Duration::from_secs(5)
    }

    async fn run(self) {
        let mut stats_due = Instant::now();
        loop {
            if stats_due <= Instant::now() {
                stats_due = Instant::now() + STATS_EVERY;
                match self.store.queue_stats().await {
                    Ok(stats) => telemetry::webhook_queue(stats.depth, stats.oldest_age_seconds),
                    Err(e) => tracing::warn!(error = %e, "reading the webhook queue's size failed"),
                }
            }
            // Taken before the lease is: the lease ends no sooner than this by the database's clock.
            let lease_ends = Instant::now() + self.lease();
            let leased = match self.store.lease_deliveries(BATCH, self.lease()).await {
                Ok(leased) => leased,
                Err(e) => {
                    tracing::warn!(error = %e, "leasing webhook deliveries failed; will retry");
                    Vec::new()
                }
            };
            let full = leased.len() == BATCH as usize;
            futures::stream::iter(leased)
                .for_each_concurrent(CONCURRENCY, |delivery| self.deliver(delivery, lease_ends))
                .await;
            if !full {
                tokio::time::sleep(self.settings.poll_interval).await;
            }
        }
    }

    async fn deliver(&self, delivery: LeasedDelivery, lease_ends: Instant) {
        // The batch is sent CONCURRENCY at a time, and a slot is free only once
        // its attempt is reported, which can take long (the pool's acquire
        // timeout, PostgreSQL restarting, a lock): a delivery's turn can come
        // after its lease has run out, when another node may have leased it
        // and be sending it. Sending it then could deliver it twice at the
        // same time (found by tally-chaos's tests/webhooks.rs); it is left to
        // be leased again instead.
        if Instant::now() + self.settings.timeout + LEASE_MARGIN > lease_ends {
            tracing::warn!(
                event_id = %delivery.event.id,
                endpoint_id = %delivery.endpoint_id,
                "a webhook delivery's lease ran out before its turn in the batch; it will be leased again"
            );
            return;
        }
        let started = Instant::now();
        let answer = self.send(&delivery).await;
        let latency_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let (status, error, retry_after) = match &answer {
            Ok((status, retry_after)) => (Some(*status), None, *retry_after),
            Err(error) => (None, Some(error.clone()), None),
        };
        let (outcome, retry_in) = self.judge(delivery.attempt, status, retry_after);
        let report = AttemptReport {
            delivery_id: delivery.delivery_id,
            lease_token: delivery.lease_token.clone(),
            attempt: delivery.attempt,
            status_code: status.map(|s| i32::from(s.as_u16())),
            error: error.clone(),
            latency_ms,
            outcome,
            retry_in,
        };
        telemetry::webhook_attempt(outcome.as_str());
        tracing::info!(
            event_id = %delivery.event.id,
            event_type = %delivery.event.event_type,
            endpoint_id = %delivery.endpoint_id,
            attempt = delivery.attempt,
            status = status.map(|s| s.as_u16()),
            error = error.as_deref(),
            latency_ms,
            outcome = outcome.as_str(),
            "webhook attempt"
        );
        match self.store.record_attempt(&report).await {
            Ok(true) => {}
            Ok(false) => tracing::warn!(
                event_id = %delivery.event.id,
                "a webhook attempt outlived its lease; another node has the delivery now"
            ),
            // The lease runs out and the delivery is sent again: at least once.
            Err(e) => tracing::warn!(error = %e, event_id = %delivery.event.id, "recording a webhook attempt failed"),
        }
    }

    /// What the answer means for the delivery, and when to try again.
    fn judge(
        &self,
        attempt: i32,
        status: Option<StatusCode>,
        retry_after: Option<Duration>,
    ) -> (AttemptOutcome, Option<Duration>) {
        match status {
            Some(s) if s.is_success() => return (AttemptOutcome::Delivered, None),
            Some(StatusCode::GONE) => return (AttemptOutcome::EndpointDisabled, None),
            _ => {}
        }
        let Some(wait) = usize::try_from(attempt).ok().and_then(|n| self.settings.retry_schedule.get(n)) else {
            return (AttemptOutcome::Failed, None);
        };
        let wait = jitter(*wait);
        let wait = match retry_after {
            Some(asked) => wait.max(asked.min(MAX_RETRY_AFTER)),
            None => wait,
        };
        (AttemptOutcome::Retrying, Some(wait))
    }

    /// Sends one attempt: the receiver's status (and `Retry-After`, on a 429
    /// or 503), or why there was no answer.
    async fn send(&self, delivery: &LeasedDelivery) -> Result<(StatusCode, Option<Duration>), String> {
        let key = self.settings.secret_key.as_ref();
        let secret = secrets::open(&delivery.sealed_secret, key)?;
        let previous: Option<WebhookSecret> =
            delivery.sealed_previous_secret.as_deref().map(|s| secrets::open(s, key)).transpose()?;
        let url = Url::parse(&delivery.url).map_err(|e| format!("the endpoint's URL does not parse: {e}"))?;
        if !self.settings.allow_private_networks {
            // Names are checked by the resolver as they are looked up; an IP
            // literal is never looked up, so it is checked here.
            if let Some(ip) = literal_ip(&url).filter(|ip| !urls::is_public(*ip)) {
                return Err(format!("{ip} is not a public address (see --webhooks-allow-private-networks)"));
            }
        }
        let body = serde_json::to_vec(&delivery.event).map_err(|e| format!("the event failed to serialise: {e}"))?;
        let timestamp = chrono::Utc::now().timestamp();
        let mut signing: Vec<&WebhookSecret> = vec![&secret];
        signing.extend(previous.as_ref());
        let signature = signature_header(&signing, &delivery.event.id, timestamp, &body);
        let response = self
            .client
            .post(url)
            .header(header::CONTENT_TYPE, "application/json")
            .header("webhook-id", &delivery.event.id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await
            .map_err(|e| describe(&e))?;
        let status = response.status();
        let retry_after = matches!(status, StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE)
            .then(|| retry_after(response.headers()))
            .flatten();
        Ok((status, retry_after))
    }
}

/// ±10 %, so receivers coming back from an outage are not hit by every
/// retry in the same second.
fn jitter(wait: Duration) -> Duration {
    if wait.is_zero() {
        return wait;
    }
    wait.mul_f64(rand::thread_rng().gen_range(0.9..1.1))
}

/// `Retry-After` in seconds or as an HTTP date.
fn retry_after(headers: &header::HeaderMap) -> Option<Duration> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(std::time::SystemTime::now()).unwrap_or_default())
}

fn literal_ip(url: &Url) -> Option<std::net::IpAddr> {
    match url.host()? {
        url::Host::Ipv4(ip) => Some(ip.into()),
        url::Host::Ipv6(ip) => Some(ip.into()),
        url::Host::Domain(_) => None,
    }
}

/// A transport error with its causes, short.
fn describe(error: &reqwest::Error) -> String {
    let mut text = if error.is_timeout() { "timed out".to_owned() } else { error.to_string() };
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    if text.len() > MAX_ERROR_LEN {
        let cut = (0..=MAX_ERROR_LEN).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
        text.truncate(cut);
    }
    text
}

/// Resolves names as the system does, then keeps only public addresses: a
/// name that points into a private network (now, whatever it did when the
/// endpoint was saved) is refused, so DNS cannot be used to reach one.
struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = found.into_iter().filter(|a| urls::is_public(a.ip())).collect();
            if public.is_empty() {
                return Err(format!("{} resolves to no public address", name.as_str()).into());
            }
            let addrs: Addrs = Box::new(public.into_iter());
            Ok(addrs)
        })
    }
}
