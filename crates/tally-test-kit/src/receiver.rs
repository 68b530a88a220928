//! A real HTTP receiver of webhooks for the tests: it records every delivery
//! it is sent (headers and raw body) and answers as the test asks — well,
//! badly for some first attempts, slowly, or `410 Gone` — and notices when
//! one event is being delivered to it twice at the same time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

/// How a receiver answers.
#[derive(Clone, Copy, Debug)]
pub enum Behaviour {
    /// 204 to everything.
    Accept,
    /// 500 to the first attempt of every other event (by its id's last
    /// character), 204 after: half the first attempts fail.
    FailHalfOfFirstAttempts,
    /// The first attempt of every event waits this long before answering
    /// (longer than the sender's timeout), the next ones answer at once.
    StallFirstAttempts(Duration),
    /// 410 to everything: "this endpoint is gone".
    Gone,
    /// 503 with `Retry-After: N` (seconds) to the first attempt of every event.
    RetryAfterFirst(u64),
    /// 307 to `/elsewhere` on this receiver (which records what reaches it).
    Redirect,
}

/// One request the receiver got.
#[derive(Clone, Debug)]
pub struct Delivery {
    /// It arrived at `/elsewhere`, where `Behaviour::Redirect` points.
    pub redirected: bool,
    pub webhook_id: String,
    pub timestamp: String,
    pub signature: String,
    pub body: Bytes,
    pub received_at: Instant,
    pub status: u16,
}

#[derive(Default)]
struct Log {
    deliveries: Vec<Delivery>,
    attempts: HashMap<String, u32>,
    in_flight: HashMap<String, u32>,
    overlaps: u32,
}

#[derive(Clone)]
struct Shared {
    behaviour: Behaviour,
    /// Every answer waits this long first (see [`Receiver::start_slow`]).
    delay: Duration,
    log: Arc<Mutex<Log>>,
}

pub struct Receiver {
    /// Where to register it: `http://127.0.0.1:<port>/hook`.
    pub url: String,
    log: Arc<Mutex<Log>>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Receiver {
    pub async fn start(behaviour: Behaviour) -> Receiver {
        Receiver::start_slow(behaviour, Duration::ZERO).await
    }

    /// A receiver that takes `delay` over every answer (on top of what
    /// `behaviour` does), so that a second sender of one event, if there
    /// ever is one, arrives while the first is still being answered and is
    /// counted by [`overlaps`](Receiver::overlaps).
    pub async fn start_slow(behaviour: Behaviour, delay: Duration) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a receiver");
        let url = format!("http://{}/hook", listener.local_addr().expect("its address"));
        let log = Arc::new(Mutex::new(Log::default()));
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .route("/elsewhere", axum::routing::post(receive))
            .with_state(Shared { behaviour, delay, log: log.clone() });
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver { url, log, server }
    }

    /// Every request so far, in the order they arrived.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.log.lock().unwrap().deliveries.clone()
    }

    /// The ids this receiver answered 2xx to, each once.
    pub fn accepted_ids(&self) -> std::collections::BTreeSet<String> {
        let log = self.log.lock().unwrap();
        log.deliveries.iter().filter(|d| (200..300).contains(&d.status)).map(|d| d.webhook_id.clone()).collect()
    }

    /// How many times a request arrived while another with the same
    /// `webhook-id` was still being answered.
    pub fn overlaps(&self) -> u32 {
        self.log.lock().unwrap().overlaps
    }
}

fn header(headers: &HeaderMap, name: &str) -> String {
    headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

/// A request being answered: it counts in `in_flight` until it is dropped,
/// answered or not. A sender that goes away mid-request (killed, or timed
/// out) makes the server drop the handler at its next `.await`; without this
/// guard its count would stay and the event's next attempt would be taken for
/// an overlap.
struct InFlight {
    log: Arc<Mutex<Log>>,
    webhook_id: String,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut log = self.log.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(n) = log.in_flight.get_mut(&self.webhook_id) {
            *n -= 1;
        }
    }
}

async fn receive(State(shared): State<Shared>, uri: axum::http::Uri, headers: HeaderMap, body: Bytes) -> Response {
    let webhook_id = header(&headers, "webhook-id");
    let redirected = uri.path() == "/elsewhere";
    let attempt = {
        let mut log = shared.log.lock().unwrap();
        let in_flight = log.in_flight.entry(webhook_id.clone()).or_default();
        *in_flight += 1;
        if *in_flight > 1 {
            log.overlaps += 1;
        }
        let attempt = log.attempts.entry(webhook_id.clone()).or_default();
        *attempt += 1;
        *attempt
    };
    let in_flight = InFlight { log: shared.log.clone(), webhook_id: webhook_id.clone() };
    if !shared.delay.is_zero() {
        tokio::time::sleep(shared.delay).await;
    }
    let first = attempt == 1;
    let (status, retry_after) = match shared.behaviour {
        Behaviour::Accept => (StatusCode::NO_CONTENT, None),
        Behaviour::FailHalfOfFirstAttempts => {
            let odd = webhook_id.bytes().last().is_some_and(|b| b % 2 == 1);
            (if first && odd { StatusCode::INTERNAL_SERVER_ERROR } else { StatusCode::NO_CONTENT }, None)
        }
        Behaviour::StallFirstAttempts(stall) => {
            if first {
                tokio::time::sleep(stall).await;
            }
            (StatusCode::NO_CONTENT, None)
        }
        Behaviour::Gone => (StatusCode::GONE, None),
        Behaviour::RetryAfterFirst(secs) => {
            if first {
                (StatusCode::SERVICE_UNAVAILABLE, Some(secs))
            } else {
                (StatusCode::NO_CONTENT, None)
            }
        }
        Behaviour::Redirect if redirected => (StatusCode::NO_CONTENT, None),
        Behaviour::Redirect => (StatusCode::TEMPORARY_REDIRECT, None),
    };
    drop(in_flight);
    let mut log = shared.log.lock().unwrap();
    log.deliveries.push(Delivery {
        redirected,
        webhook_id,
        timestamp: header(&headers, "webhook-timestamp"),
        signature: header(&headers, "webhook-signature"),
        body,
        received_at: Instant::now(),
        status: status.as_u16(),
    });
    match (retry_after, status) {
        (Some(secs), _) => (status, [("retry-after", secs.to_string())]).into_response(),
        (None, StatusCode::TEMPORARY_REDIRECT) => (status, [("location", "/elsewhere")]).into_response(),
        (None, _) => status.into_response(),
    }
}
