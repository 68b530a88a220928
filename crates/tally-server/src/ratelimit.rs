//! Rate limits per token: `rate_limit_per_minute` of the token's program
//! (default 600), as a GCRA — a token bucket holding one minute's quota that
//! refills continuously, so a client may burst up to the whole quota and then
//! gets one request every `60 / rate` seconds.
//!
//! One node counts in process (`governor`). Several nodes share the count
//! through Redis: one Lua script reads and advances the token's theoretical
//! arrival time atomically, by Redis's own clock, so three nodes together allow
//! the program's rate, not three times it. If Redis cannot be reached the node
//! (or it answers slower than `--redis-timeout-ms`, 250 ms by default) the node
//! falls back to its local limiter — it says so once in the log and in
//! `tally_ratelimit_redis_fallback` — and tries Redis again a second later:
//! an outage of the limiter's store never refuses a request.
//!
//! Every authenticated response carries the draft-ietf-httpapi-ratelimit-headers
//! fields: `RateLimit-Policy: "token";q=600;w=60` (the quota and its window)
//! and `RateLimit: "token";r=599;t=1` (requests left now, and seconds until the
//! bucket is full again). A refusal is 429 `rate_limited` with `Retry-After`.

use std::num::NonZeroU32;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{NotUntil, Quota};
use metrics::{counter, gauge};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::app::AppState;
use crate::auth;
use crate::error::ApiError;
use crate::telemetry;

pub const RATELIMIT_POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");
pub const RATELIMIT: HeaderName = HeaderName::from_static("ratelimit");

/// The window the quota is expressed over, in seconds.
const WINDOW_SECS: u64 = 60;
/// The policy's name in the headers.
const POLICY: &str = "token";
/// A Redis answer slower than this counts as Redis being down: the limiter
/// must never be what makes a request slow.
pub const DEFAULT_REDIS_TIMEOUT: Duration = Duration::from_millis(250);
/// After a failure, Redis is left alone this long (requests use the local
/// limiter meanwhile) instead of every request paying for a dead connection.
const REDIS_RETRY_AFTER: Duration = Duration::from_secs(1);
/// Local buckets of tokens idle for a full window are dropped every so many checks.
const CLEANUP_EVERY: u64 = 4096;

/// GCRA in one atomic step. KEYS[1] holds the token's theoretical arrival time
/// (TAT) in microseconds of Redis's clock; ARGV[1] is the emission interval
/// (µs per request), ARGV[2] the burst. Returns {allowed, remaining, retry_after_us, reset_us}.
/// The TAT is written with `%.0f`: Lua would print a number this large in
/// exponent notation and lose precision.
const GCRA_SCRIPT: &str = r"
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - interval * burst
if now < allow_at then
  return {0, 0, allow_at - now, tat - now}
end
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', math.ceil((new_tat - now) / 1000) + 1000)
return {1, math.floor((now - allow_at) / interval), 0, new_tat - now}
";

/// One rate-limit decision, and what the response headers say about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    /// Requests per window (the policy's quota).
    pub limit: u32,
    /// Requests still allowed right now.
    pub remaining: u32,
    /// Until the bucket is full again.
    pub reset: Duration,
    /// Until the next request would be allowed (zero when allowed).
    pub retry_after: Duration,
    pub source: &'static str,
}

impl Decision {
    pub fn apply_headers(&self, headers: &mut HeaderMap) {
        let policy = format!("\"{POLICY}\";q={};w={WINDOW_SECS}", self.limit);
        let state = format!("\"{POLICY}\";r={};t={}", self.remaining, ceil_secs(self.reset));
        if let (Ok(policy), Ok(state)) = (HeaderValue::from_str(&policy), HeaderValue::from_str(&state)) {
            headers.insert(RATELIMIT_POLICY, policy);
            headers.insert(RATELIMIT, state);
        }
    }

    fn refusal(&self) -> Response {
        let wait = ceil_secs(self.retry_after).max(1);
        let mut response = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("this token may make {} requests per minute; retry in {wait} s (nothing was executed)", self.limit),
        )
        .with_retry_after(u32::try_from(wait).unwrap_or(u32::MAX))
        .into_response();
        self.apply_headers(response.headers_mut());
        response
    }
}

fn ceil_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

/// A program's rate as a quota; settings below 1 (which `PATCH /program` refuses) count as 1.
fn rate(per_minute: i32) -> NonZeroU32 {
    NonZeroU32::new(u32::try_from(per_minute).unwrap_or(0)).unwrap_or(NonZeroU32::MIN)
}

fn interval(rate: NonZeroU32) -> Duration {
    Duration::from_secs(WINDOW_SECS) / rate.get()
}

/// The node's limiter: Redis when configured and reachable, else in process.
pub struct RateLimiter {
    local: LocalLimiter,
    redis: Option<RedisLimiter>,
}

impl RateLimiter {
    /// Counts in this process only.
    pub fn local() -> Self {
        Self { local: LocalLimiter::default(), redis: None }
    }

    /// Shares the count through Redis at `url`, under keys `{prefix}:ratelimit:*`;
    /// an answer slower than `timeout` counts as Redis being down.
    /// Connects lazily: a node starts (limiting locally) even while Redis is down.
    pub fn with_redis(url: &str, prefix: &str, timeout: Duration) -> anyhow::Result<Self> {
        let client = redis::Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(REDIS_RETRY_AFTER);
        let conn = ConnectionManager::new_lazy_with_config(client, config)?;
        gauge!(telemetry::RATELIMIT_FALLBACK).set(0.0);
        Ok(Self {
            local: LocalLimiter::default(),
            redis: Some(RedisLimiter {
                conn,
                script: redis::Script::new(GCRA_SCRIPT),
                prefix: prefix.to_owned(),
                timeout,
                retry_at: Mutex::new(None),
                degraded: AtomicBool::new(false),
            }),
        })
    }

    /// Counts one request of the token with this hash against `per_minute`.
    pub async fn check(&self, token_hash: &str, per_minute: i32) -> Decision {
        let rate = rate(per_minute);
        let decision = match &self.redis {
            Some(redis) => match redis.check(token_hash, rate).await {
                Some(decision) => decision,
                None => self.local.check(token_hash, rate),
            },
            None => self.local.check(token_hash, rate),
        };
        let verdict = if decision.allowed { "allowed" } else { "limited" };
        counter!(telemetry::RATELIMIT_DECISIONS, "decision" => verdict, "source" => decision.source).increment(1);
        decision
    }

    /// Whether Redis is configured but currently bypassed.
    pub fn falling_back(&self) -> bool {
        self.redis.as_ref().is_some_and(|r| r.degraded.load(Ordering::Relaxed))
    }
}

type KeyedLimiter =
    governor::RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock, StateInformationMiddleware>;

/// In-process GCRA: one keyed `governor` limiter per distinct rate (programs
/// choose their own, and a `governor` limiter has one quota).
#[derive(Default)]
struct LocalLimiter {
    by_rate: Mutex<std::collections::HashMap<NonZeroU32, std::sync::Arc<KeyedLimiter>>>,
    checks: AtomicU64,
}

impl LocalLimiter {
    fn check(&self, key: &str, rate: NonZeroU32) -> Decision {
        let limiter = {
            let mut map = self.by_rate.lock().unwrap_or_else(|p| p.into_inner());
            if self.checks.fetch_add(1, Ordering::Relaxed) % CLEANUP_EVERY == CLEANUP_EVERY - 1 {
                for limiter in map.values() {
                    limiter.retain_recent();
                }
                map.retain(|_, limiter| !limiter.is_empty());
            }
            map.entry(rate)
                .or_insert_with(|| {
                    std::sync::Arc::new(
                        governor::RateLimiter::dashmap(Quota::per_minute(rate))
                            .with_middleware::<StateInformationMiddleware>(),
                    )
                })
                .clone()
        };
        let interval = interval(rate);
        match limiter.check_key(&key.to_owned()) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                Decision {
                    allowed: true,
                    limit: rate.get(),
                    remaining,
                    reset: interval * (rate.get() - remaining),
                    retry_after: Duration::ZERO,
                    source: "local",
                }
            }
            Err(not_until) => {
                let wait = NotUntil::wait_time_from(&not_until, limiter.clock().now());
                Decision {
                    allowed: false,
                    limit: rate.get(),
                    remaining: 0,
                    reset: interval * (rate.get() - 1) + wait,
                    retry_after: wait,
                    source: "local",
                }
            }
        }
    }
}

struct RedisLimiter {
    conn: ConnectionManager,
    script: redis::Script,
    prefix: String,
    timeout: Duration,
    /// Set after a failure: Redis is not tried again before this instant.
    retry_at: Mutex<Option<Instant>>,
    /// Whether the last attempt failed (so transitions are logged once).
    degraded: AtomicBool,
}

impl RedisLimiter {
    /// `None` when Redis cannot decide (down, slow, or resting after a failure).
    async fn check(&self, key: &str, rate: NonZeroU32) -> Option<Decision> {
        if self.retry_at.lock().unwrap_or_else(|p| p.into_inner()).is_some_and(|at| Instant::now() < at) {
            return None;
        }
        let interval = interval(rate);
        let interval_us = u64::try_from(interval.as_micros()).unwrap_or(u64::MAX).max(1);
        let mut conn = self.conn.clone();
        let mut invocation = self.script.key(format!("{}:ratelimit:{key}", self.prefix));
        invocation.arg(interval_us).arg(rate.get());
        let answer = tokio::time::timeout(self.timeout, invocation.invoke_async::<(i64, i64, i64, i64)>(&mut conn));
        match answer.await {
            Ok(Ok((allowed, remaining, retry_us, reset_us))) => {
                self.recovered();
                let micros = |us: i64| Duration::from_micros(u64::try_from(us).unwrap_or(0));
                Some(Decision {
                    allowed: allowed == 1,
                    limit: rate.get(),
                    remaining: u32::try_from(remaining).unwrap_or(0).min(rate.get()),
                    reset: micros(reset_us),
                    retry_after: micros(retry_us),
                    source: "redis",
                })
            }
            Ok(Err(err)) => {
                self.failed(&err.to_string());
                None
            }
            Err(_) => {
                self.failed(&format!("no answer within {} ms", self.timeout.as_millis()));
                None
            }
        }
    }

    fn failed(&self, cause: &str) {
        counter!(telemetry::RATELIMIT_REDIS_ERRORS).increment(1);
        *self.retry_at.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now() + REDIS_RETRY_AFTER);
        if !self.degraded.swap(true, Ordering::Relaxed) {
            gauge!(telemetry::RATELIMIT_FALLBACK).set(1.0);
            tracing::warn!(
                cause,
                "Redis is unreachable: rate limits fall back to this node's own limiter until it answers again"
            );
        }
    }

    fn recovered(&self) {
        if self.degraded.swap(false, Ordering::Relaxed) {
            gauge!(telemetry::RATELIMIT_FALLBACK).set(0.0);
            tracing::info!("Redis answers again: rate limits are shared between nodes");
        }
    }
}

/// Middleware of the authenticated API: resolves the bearer token once (its
/// program goes into the request for the `Authenticated` extractor), counts
/// the request against the token's limit, and puts the limit's state on the
/// response. A 401 has no token to count, so it carries no RateLimit headers.
pub async fn admit(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let (caller, token_hash) = match auth::authenticate(&state, request.headers()).await {
        Ok(found) => found,
        Err(err) => return err.into_response(),
    };
    tracing::Span::current().record("program", caller.program.id.as_str());
    let decision = state.limiter.check(&token_hash, caller.program.settings.rate_limit_per_minute).await;
    if !decision.allowed {
        return decision.refusal();
    }
    request.extensions_mut().insert(caller);
    let mut response = next.run(request).await;
    decision.apply_headers(response.headers_mut());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_token_may_burst_its_whole_quota_then_waits_one_interval() {
        let limiter = LocalLimiter::default();
        let rate = NonZeroU32::new(60).unwrap();
        for expected_remaining in (0..60).rev() {
            let decision = limiter.check("t", rate);
            assert!(decision.allowed);
            assert_eq!(decision.remaining, expected_remaining);
        }
        let refused = limiter.check("t", rate);
        assert!(!refused.allowed);
        assert_eq!(refused.remaining, 0);
        assert!(refused.retry_after > Duration::ZERO && refused.retry_after <= Duration::from_secs(1));
        assert!(limiter.check("other", rate).allowed, "tokens have separate buckets");
    }

    #[test]
    fn headers_follow_the_draft_syntax() {
        let decision = Decision {
            allowed: true,
            limit: 600,
            remaining: 599,
            reset: Duration::from_millis(100),
            retry_after: Duration::ZERO,
            source: "local",
        };
        let mut headers = HeaderMap::new();
        decision.apply_headers(&mut headers);
        assert_eq!(headers[RATELIMIT_POLICY], "\"token\";q=600;w=60");
        assert_eq!(headers[RATELIMIT], "\"token\";r=599;t=1");
    }

    #[test]
    fn rates_below_one_count_as_one() {
        assert_eq!(rate(0).get(), 1);
        assert_eq!(rate(-5).get(), 1);
        assert_eq!(rate(600).get(), 600);
        assert_eq!(interval(rate(600)), Duration::from_millis(100));
    }
}
