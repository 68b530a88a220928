//! The client: sending with retries, journaling writes, and `resume()`.

use std::marker::PhantomData;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use reqwest::Method;
use reqwest::header::{CONTENT_TYPE, RETRY_AFTER};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::error::{Error, Failure, Problem, Result};
use crate::journal::{Intent, Journal, NewIntent};
use crate::retry::{RetryPolicy, Verdict, parse_retry_after, verdict};
use crate::types::Written;

/// A write, ready to be sent: what it does, where, and the exact body bytes.
/// `T` is the type of a successful answer. Made by the functions of
/// [`crate::ops`]; sent by [`Client::submit`] or [`Client::submit_with_key`].
#[derive(Debug, Clone)]
pub struct WriteRequest<T> {
    /// A stable name for the journal, e.g. `redemption.create`.
    pub operation: &'static str,
    pub method: Method,
    pub path: String,
    pub body: Vec<u8>,
    answer: PhantomData<fn() -> T>,
}

impl<T> WriteRequest<T> {
    pub fn new(operation: &'static str, method: Method, path: String, body: &impl Serialize) -> Self {
        // The SDK's request types are plain structs with string keys, which
        // serde_json always serialises.
        let body = serde_json::to_vec(body).expect("request bodies serialise to JSON");
        Self { operation, method, path, body, answer: PhantomData }
    }
}

/// Builds a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    base_url: String,
    token: String,
    journal: Option<PathBuf>,
    retry: RetryPolicy,
    timeout: Duration,
    connect_timeout: Duration,
}

impl ClientBuilder {
    /// Journal every write in this SQLite file (created if missing), so that
    /// [`Client::resume`] can finish what a crash interrupted. Without a
    /// journal a write still keeps one key for all its retries, but a crash of
    /// the process forgets the key, and with it the intent.
    pub fn journal(mut self, path: impl Into<PathBuf>) -> Self {
        self.journal = Some(path.into());
        self
    }

    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// How long one attempt may take, connection included (default 30 s).
    /// A timed-out attempt is retried with the same key.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    pub async fn build(self) -> Result<Client> {
        let base = self.base_url.trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(Error::Config(format!("the base URL must start with http:// or https://, not {base:?}")));
        }
        reqwest::Url::parse(&base).map_err(|e| Error::Config(format!("base URL {base:?}: {e}")))?;
        if self.token.is_empty() {
            return Err(Error::Config("a token is required (Authorization: Bearer …)".into()));
        }
        let http = reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .user_agent(concat!("tally-client/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Config(format!("HTTP client: {e}")))?;
        let journal = match self.journal {
            Some(path) => Some(Journal::open(path).await?),
            None => None,
        };
        let scope = scope_of(&self.token);
        Ok(Client { inner: Arc::new(Inner { http, base, token: self.token, scope, retry: self.retry, journal }) })
    }
}

/// Which credentials an intent belongs to, without storing them: `resume()`
/// only re-sends intents made with the same token (the same program).
fn scope_of(token: &str) -> String {
    let digest = Sha256::new().chain_update(b"tally-journal-scope\0").chain_update(token.as_bytes()).finalize();
    hex::encode(&digest[..8])
}

/// The Tally SDK. Cheap to clone (one connection pool, one journal).
///
/// Every write carries one idempotency key for all its attempts; with a
/// journal, the key and the request are on disk before the first send.
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    base: String,
    token: String,
    scope: String,
    retry: RetryPolicy,
    journal: Option<Journal>,
}

/// A final answer (2xx, or a status retrying cannot change).
#[derive(Debug)]
pub(crate) struct Exchange {
    pub status: u16,
    pub replayed: bool,
    pub body: Bytes,
    pub attempts: u32,
}

/// What one send produced.
enum Sent {
    Answer { status: u16, replayed: bool, retry_after: Option<Duration>, body: Bytes },
    Lost(String),
}

/// What `resume()` did with one pending intent.
#[derive(Debug, Clone, PartialEq)]
pub struct Resumed {
    pub key: String,
    pub operation: String,
    pub outcome: ResumeOutcome,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ResumeOutcome {
    /// A 2xx; `replayed` when an earlier attempt had already taken effect.
    Succeeded { status: u16, replayed: bool },
    /// A final refusal (e.g. 422 `insufficient_points`); the intent is done.
    Refused(Problem),
    /// Still no final answer; the intent stays pending for the next `resume()`.
    StillPending(Failure),
    /// Not sent: the server no longer answers for the intent's key (its
    /// stored response expired, or is about to), and the operation (e.g.
    /// creating a reward, patching settings) keeps no key beyond it, so a
    /// re-send could take effect a second time. It stays pending for a person
    /// to settle (see what the server knows with [`Client::idempotency_key`]).
    Stale { age_hours: i64 },
}

/// Whether the server recognises this operation's key for good, after its
/// stored response expired (`docs/idempotency.md`, "Retention, and beyond
/// it"): purchases, redemptions (v1 and v2), adjustments and keyed voids keep
/// their key on the resource or its ledger entry; fulfil, cancel and a
/// coupon's use keep it on the row they change. A re-send of these replays.
///
/// Everything else — creating a reward, upserting a customer, patching a
/// reward or the program (absolute values: re-applied after other writes,
/// they would undo them), any operation this SDK does not know — is re-sent
/// only while the server still holds the key's record (README, "Resuming").
pub fn survives_retention(operation: &str) -> bool {
    matches!(
        operation,
        "customer.adjust"
            | "transaction.create"
            | "transaction.void"
            | "redemption.create"
            | "redemption.create_v2"
            | "redemption.fulfil"
            | "redemption.cancel"
            | "coupon.redeem"
    )
}

/// How long a key's record must still have to live for a re-send to count
/// on it: the client's clock is not the database's, so stay clear of the edge.
const EXPIRY_MARGIN: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

/// The result of [`Client::resume`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResumeReport {
    /// Every pending intent of this client's scope, oldest first.
    pub intents: Vec<Resumed>,
    /// Pending intents made with another token, left untouched.
    pub other_scope: usize,
}

impl ResumeReport {
    pub fn succeeded(&self) -> usize {
        self.intents.iter().filter(|r| matches!(r.outcome, ResumeOutcome::Succeeded { .. })).count()
    }

    pub fn refused(&self) -> usize {
        self.intents.iter().filter(|r| matches!(r.outcome, ResumeOutcome::Refused(_))).count()
    }

    pub fn still_pending(&self) -> usize {
        self.intents.iter().filter(|r| matches!(r.outcome, ResumeOutcome::StillPending(_))).count()
    }

    pub fn stale(&self) -> usize {
        self.intents.iter().filter(|r| matches!(r.outcome, ResumeOutcome::Stale { .. })).count()
    }
}

/// A path segment, percent-encoded (keys and coupon codes may hold `/`, `?`, `#`).
pub(crate) fn segment(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for byte in raw.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The cause chain of a transport error, on one line.
fn describe(error: &reqwest::Error) -> String {
    let mut text = if error.is_timeout() { format!("timed out: {error}") } else { error.to_string() };
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl Client {
    pub fn builder(base_url: impl Into<String>, token: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.into(),
            token: token.into(),
            journal: None,
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
        }
    }

    pub fn base_url(&self) -> &str {
        &self.inner.base
    }

    pub fn journal(&self) -> Option<&Journal> {
        self.inner.journal.as_ref()
    }

    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// Sends a write as a new intent: a fresh UUID v4 key, journaled (when the
    /// client has a journal) before the first send, and kept for every retry.
    pub async fn submit<T: DeserializeOwned>(&self, request: WriteRequest<T>) -> Result<Written<T>> {
        let key = uuid::Uuid::new_v4().to_string();
        let journaled = match &self.inner.journal {
            Some(journal) => {
                journal
                    .record(&NewIntent {
                        key: &key,
                        scope: &self.inner.scope,
                        operation: request.operation,
                        method: request.method.as_str(),
                        path: &request.path,
                        body: &request.body,
                    })
                    .await?;
                true
            }
            None => false,
        };
        let exchange = self.settle(&key, journaled, request.operation, &request.method, &request.path, &request.body);
        decode(exchange.await?, key)
    }

    /// Sends a write under a key the caller chose and can make again (e.g. one
    /// derived from an import file and a row), with the same retries; it is not
    /// journaled: sending the same key again is how the caller resumes it.
    pub async fn submit_with_key<T: DeserializeOwned>(
        &self,
        request: WriteRequest<T>,
        key: &str,
    ) -> Result<Written<T>> {
        let exchange = self.settle(key, false, request.operation, &request.method, &request.path, &request.body);
        decode(exchange.await?, key.to_owned())
    }

    /// Re-sends every pending intent of the journal with its original key and
    /// body, oldest first, until each has a final answer or gives up again.
    /// An intent whose first send took effect gets the stored answer (a replay),
    /// so nothing is lost and nothing is doubled.
    pub async fn resume(&self) -> Result<ResumeReport> {
        let journal = self.inner.journal.as_ref().ok_or_else(|| Error::Config("resume() needs a journal".into()))?;
        let mut report = ResumeReport::default();
        for intent in journal.pending().await? {
            if intent.scope != self.inner.scope {
                report.other_scope += 1;
                continue;
            }
            let outcome = match self.held_back(&intent).await? {
                Some(outcome) => outcome,
                None => self.resume_one(&intent).await?,
            };
            report.intents.push(Resumed { key: intent.key, operation: intent.operation, outcome });
        }
        Ok(report)
    }

    /// Why an intent must not be re-sent now, or `None` when a re-send is
    /// safe. Judged by what the server can still answer for the key — never
    /// by the program's retention setting, which may have changed since the
    /// key's record was stored.
    async fn held_back(&self, intent: &Intent) -> Result<Option<ResumeOutcome>> {
        if survives_retention(&intent.operation) {
            return Ok(None);
        }
        let now = chrono::Utc::now();
        let stale = Some(ResumeOutcome::Stale { age_hours: (now - intent.created_at).num_hours() });
        match self.idempotency_key(&intent.key).await {
            // Its first send still runs: the re-send waits for it (409, retried) and replays it.
            Ok(info) if info.state == "in_flight" => Ok(None),
            // A re-send replays the stored response, if it is not about to expire.
            Ok(info) => Ok(if info.expires_at.is_some_and(|at| at - now > EXPIRY_MARGIN) { None } else { stale }),
            // Unknown to the server: never committed, or expired. Any record is
            // kept for at least the shortest retention a program can set, so an
            // intent younger than that never committed and is safe to send.
            Err(Error::Api(problem)) if problem.status == 404 => {
                let shortest = chrono::TimeDelta::hours(i64::from(tally_core::model::MIN_RETENTION_HOURS));
                Ok(if now - intent.created_at < shortest - EXPIRY_MARGIN { None } else { stale })
            }
            Err(Error::GaveUp { last, .. }) => Ok(Some(ResumeOutcome::StillPending(last))),
            Err(other) => Err(other),
        }
    }

    async fn resume_one(&self, intent: &Intent) -> Result<ResumeOutcome> {
        let method = Method::from_bytes(intent.method.as_bytes())
            .map_err(|_| Error::Config(format!("journal: intent {} has method {:?}", intent.key, intent.method)))?;
        match self.settle(&intent.key, true, &intent.operation, &method, &intent.path, &intent.body).await {
            Ok(exchange) => Ok(ResumeOutcome::Succeeded { status: exchange.status, replayed: exchange.replayed }),
            Err(Error::Api(problem)) => Ok(ResumeOutcome::Refused(problem)),
            Err(Error::GaveUp { last, .. }) => Ok(ResumeOutcome::StillPending(last)),
            Err(other) => Err(other),
        }
    }

    /// Runs one intent to a final answer (or gives up), and tells the journal.
    async fn settle(
        &self,
        key: &str,
        journaled: bool,
        operation: &str,
        method: &Method,
        path: &str,
        body: &[u8],
    ) -> Result<Exchange> {
        let result = self.exchange(method, path, Some(body), Some(key), operation).await;
        let journal = self.inner.journal.as_ref().filter(|_| journaled);
        match result {
            Ok(exchange) => {
                let problem =
                    (!is_success(exchange.status)).then(|| Problem::from_body(exchange.status, &exchange.body));
                if let Some(journal) = journal {
                    let code = problem.as_ref().map(|p| p.code.as_str());
                    // If this fails the intent stays pending and the next
                    // resume() gets a replay: harmless. Failing the call instead
                    // would hide an effect that happened, inviting a second intent.
                    if let Err(e) =
                        journal.complete(key, exchange.attempts, exchange.status, code, &exchange.body).await
                    {
                        tracing::error!(key, error = %e, "could not mark the intent done in the journal");
                    }
                }
                match problem {
                    None => Ok(exchange),
                    Some(problem) => Err(Error::Api(problem)),
                }
            }
            Err((attempts, last)) => {
                if let Some(journal) = journal {
                    let status = match &last {
                        Failure::Status(p) => Some(p.status),
                        Failure::Transport(_) => None,
                    };
                    if let Err(e) = journal.gave_up(key, attempts, status, &last.to_string()).await {
                        tracing::error!(key, error = %e, "could not note the give-up in the journal");
                    }
                }
                Err(Error::GaveUp { key: journaled.then(|| key.to_owned()), attempts, last })
            }
        }
    }

    /// Sends until a final answer or the policy gives up; logs every attempt.
    async fn exchange(
        &self,
        method: &Method,
        path: &str,
        body: Option<&[u8]>,
        key: Option<&str>,
        operation: &str,
    ) -> Result<Exchange, (u32, Failure)> {
        let mut attempt: u32 = 0;
        let key_field = key.unwrap_or("-");
        loop {
            attempt += 1;
            let (failure, retry_after) = match self.send_once(method, path, body, key).await {
                Sent::Answer { status, replayed, retry_after, body } => {
                    let problem = (!is_success(status)).then(|| Problem::from_body(status, &body));
                    match verdict(status, problem.as_ref().map(|p| p.code.as_str())) {
                        Verdict::Success | Verdict::Final => {
                            tracing::info!(
                                key = key_field,
                                attempt,
                                operation,
                                status,
                                replayed,
                                code = problem.as_ref().map(|p| p.code.as_str()),
                                outcome = if is_success(status) { "success" } else { "refused" },
                                "tally request"
                            );
                            return Ok(Exchange { status, replayed, body, attempts: attempt });
                        }
                        Verdict::Retryable => (
                            Failure::Status(Box::new(problem.unwrap_or_else(|| Problem::from_body(status, &body)))),
                            retry_after,
                        ),
                    }
                }
                Sent::Lost(cause) => (Failure::Transport(cause), None),
            };
            match self.inner.retry.next_delay(attempt, retry_after) {
                Some(delay) => {
                    tracing::warn!(
                        key = key_field,
                        attempt,
                        operation,
                        outcome = "retry",
                        failure = %failure,
                        delay_ms = delay.as_millis() as u64,
                        "tally request"
                    );
                    tokio::time::sleep(delay).await;
                }
                None => {
                    tracing::warn!(
                        key = key_field,
                        attempt,
                        operation,
                        outcome = "give_up",
                        failure = %failure,
                        "tally request"
                    );
                    return Err((attempt, failure));
                }
            }
        }
    }

    async fn send_once(&self, method: &Method, path: &str, body: Option<&[u8]>, key: Option<&str>) -> Sent {
        let url = format!("{}{}", self.inner.base, path);
        let mut request = self.inner.http.request(method.clone(), url).bearer_auth(&self.inner.token);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        if let Some(body) = body {
            request = request.header(CONTENT_TYPE, "application/json").body(body.to_vec());
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(e) => return Sent::Lost(describe(&e)),
        };
        let status = response.status().as_u16();
        let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let replayed = header("idempotent-replayed").is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let retry_after = header(RETRY_AFTER.as_str()).and_then(|v| parse_retry_after(&v, SystemTime::now()));
        // A connection lost while the body streams in is an accident like any
        // other: the answer is incomplete, so the intent is sent again.
        match response.bytes().await {
            Ok(body) => Sent::Answer { status, replayed, retry_after, body },
            Err(e) => Sent::Lost(describe(&e)),
        }
    }

    /// A read: retried like a write (reads are safe), never journaled.
    pub(crate) async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        match self.exchange(&Method::GET, path, None, None, "read").await {
            Ok(exchange) if is_success(exchange.status) => {
                serde_json::from_slice(&exchange.body).map_err(|e| Error::Decode(format!("GET {path}: {e}")))
            }
            Ok(exchange) => Err(Error::Api(Problem::from_body(exchange.status, &exchange.body))),
            Err((attempts, last)) => Err(Error::GaveUp { key: None, attempts, last }),
        }
    }
}

fn is_success(status: u16) -> bool {
    (200..300).contains(&status)
}

fn decode<T: DeserializeOwned>(exchange: Exchange, key: String) -> Result<Written<T>> {
    // A 204 has no body; read it as JSON `null`, so a write answered 204 (a
    // DELETE) can be typed `()` or `serde::de::IgnoredAny` like any other.
    let body: &[u8] = if exchange.status == 204 && exchange.body.is_empty() { b"null" } else { &exchange.body };
    let value = serde_json::from_slice(body)
        .map_err(|e| Error::Decode(format!("{e} (status {}, key {key}; the write took effect)", exchange.status)))?;
    Ok(Written { value, key, status: exchange.status, replayed: exchange.replayed, attempts: exchange.attempts })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_percent_encoded() {
        assert_eq!(segment("cus_01J"), "cus_01J");
        assert_eq!(segment("a/b?c#d e%"), "a%2Fb%3Fc%23d%20e%25");
        assert_eq!(segment("\"quoted\""), "%22quoted%22");
    }

    #[test]
    fn a_204_without_a_body_decodes_as_null() {
        let exchange = |status, body: &'static [u8]| Exchange {
            status,
            replayed: false,
            body: Bytes::from_static(body),
            attempts: 1,
        };
        let written: Written<()> = decode(exchange(204, b""), "k1".into()).unwrap();
        assert_eq!((written.status, written.key.as_str()), (204, "k1"));
        assert!(decode::<serde::de::IgnoredAny>(exchange(204, b""), "k2".into()).is_ok());
        // Only a 204 is forgiven: an empty 200 is not what the SDK expected.
        assert!(matches!(decode::<()>(exchange(200, b""), "k3".into()), Err(Error::Decode(_))));
    }

    #[test]
    fn the_scope_names_the_token_without_revealing_it() {
        let scope = scope_of("tly_secret");
        assert_eq!(scope.len(), 16);
        assert_eq!(scope, scope_of("tly_secret"));
        assert_ne!(scope, scope_of("tly_other"));
        assert!(!scope.contains("secret"));
    }
}
