//! When to send an intent again, and how long to wait first.
//!
//! Everything here is pure (the random jitter is passed in), so the policy is
//! unit-tested on its own: which answers are retried, the back-off sequence,
//! the jitter bounds, `Retry-After` and the point where the client gives up.

use std::time::{Duration, SystemTime};

/// What one answer means for the intent that got it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A 2xx: the effect exists (or existed already: a replay).
    Success,
    /// An accident — the request may not have arrived, or ran into something
    /// passing: send it again, with the same key.
    Retryable,
    /// An answer about the request itself (422, 404, 400, …): sending it again
    /// would get the same answer, so it is final.
    Final,
}

/// The verdict on an HTTP answer. `code` is the problem+json `code`, if any.
///
/// Retried: 5xx, 429, and 409 `idempotency_key_in_use` (the first request with
/// this key still runs; once it ends, the retry gets its stored response).
/// Every other 4xx — including a 409 with another code — is an answer, not an
/// accident, and is never retried.
pub fn verdict(status: u16, code: Option<&str>) -> Verdict {
    match status {
        200..=299 => Verdict::Success,
        429 => Verdict::Retryable,
        409 if code == Some("idempotency_key_in_use") => Verdict::Retryable,
        500..=599 => Verdict::Retryable,
        _ => Verdict::Final,
    }
}

/// How a client retries. The defaults are the published ones: 1 s, 2 s, 4 s,
/// 8 s, each ±20 %, then give up (the intent stays pending in the journal,
/// for [`crate::Client::resume`]).
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// The wait before the first retry; each later one doubles it.
    pub base: Duration,
    /// Retries after the first attempt (so at most `max_retries + 1` sends).
    pub max_retries: u32,
    /// Relative jitter: each wait is scaled by a factor drawn uniformly from
    /// `[1 - jitter, 1 + jitter]`, so clients that failed together do not
    /// retry together. Clamped to `[0, 1]`.
    pub jitter: f64,
    /// The longest single wait. The back-off is capped at it; a `Retry-After`
    /// longer than it is not shortened (that would not honour it): the client
    /// gives up instead, and the intent waits in the journal for `resume()`.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { base: Duration::from_secs(1), max_retries: 4, jitter: 0.2, max_delay: Duration::from_secs(60) }
    }
}

impl RetryPolicy {
    /// No retries at all: one send, whatever happens.
    pub fn never() -> Self {
        Self { max_retries: 0, ..Self::default() }
    }

    /// The default policy with every wait scaled to start at `base` — for tests,
    /// where a 1 s back-off would only make the suite slow.
    pub fn scaled(base: Duration) -> Self {
        Self { base, max_delay: base.saturating_mul(64), ..Self::default() }
    }

    /// The back-off before retry number `retry` (1 for the first retry),
    /// without jitter: `base × 2^(retry-1)`, capped at `max_delay`.
    pub fn backoff(&self, retry: u32) -> Duration {
        let doublings = retry.saturating_sub(1).min(31);
        self.base.saturating_mul(1u32 << doublings).min(self.max_delay)
    }

    /// The wait before retry number `retry`, or `None` when the client gives up.
    ///
    /// `unit` is a draw from `[-1, 1]` that places the wait inside the jitter
    /// band; `retry_after` is the server's `Retry-After`, which is a floor: the
    /// client never comes back sooner than asked.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>, unit: f64) -> Option<Duration> {
        if retry == 0 || retry > self.max_retries {
            return None;
        }
        if retry_after.is_some_and(|asked| asked > self.max_delay) {
            return None;
        }
        let jitter = self.jitter.clamp(0.0, 1.0);
        let factor = 1.0 + jitter * unit.clamp(-1.0, 1.0);
        let jittered = self.backoff(retry).mul_f64(factor).min(self.max_delay);
        Some(retry_after.map_or(jittered, |asked| jittered.max(asked)))
    }

    /// [`delay`](Self::delay) with a fresh random draw.
    pub fn next_delay(&self, retry: u32, retry_after: Option<Duration>) -> Option<Duration> {
        use rand::Rng;
        self.delay(retry, retry_after, rand::thread_rng().gen_range(-1.0..=1.0))
    }
}

/// Reads a `Retry-After` value: delay-seconds (`120`) or an HTTP date, which is
/// measured from `now` (a date in the past means "now").
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn successes_retryable_accidents_and_final_answers() {
        for status in [200, 201, 204] {
            assert_eq!(verdict(status, None), Verdict::Success, "{status}");
        }
        for status in [500, 502, 503, 504, 599] {
            assert_eq!(verdict(status, Some("internal")), Verdict::Retryable, "{status}");
        }
        assert_eq!(verdict(429, Some("rate_limited")), Verdict::Retryable);
        assert_eq!(verdict(429, None), Verdict::Retryable);
        assert_eq!(verdict(409, Some("idempotency_key_in_use")), Verdict::Retryable);
    }

    #[test]
    fn client_errors_are_answers_and_never_retried() {
        for (status, code) in [
            (422, Some("insufficient_points")),
            (422, Some("idempotency_key_reused")),
            (400, Some("idempotency_key_missing")),
            (401, Some("unauthorized")),
            (403, None),
            (404, Some("customer_not_found")),
            (408, None),
            (409, Some("conflict")),
            (409, None),
            (413, Some("payload_too_large")),
            (415, None),
        ] {
            assert_eq!(verdict(status, code), Verdict::Final, "{status} {code:?}");
        }
        // Not HTTP successes either: a 1xx or 3xx reaching the SDK is an answer it cannot use.
        assert_eq!(verdict(301, None), Verdict::Final);
    }

    #[test]
    fn the_default_back_off_is_1_2_4_8_seconds_then_give_up() {
        let policy = RetryPolicy::default();
        let exact: Vec<_> = (1..=4).map(|n| policy.delay(n, None, 0.0).unwrap()).collect();
        assert_eq!(exact, [S(1), S(2), S(4), S(8)]);
        assert_eq!(policy.delay(5, None, 0.0), None, "at most 4 retries by default");
        assert_eq!(policy.delay(0, None, 0.0), None, "retry numbers start at 1");
    }

    #[test]
    fn jitter_stays_within_twenty_percent_and_covers_the_band() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.delay(3, None, -1.0), Some(Duration::from_millis(3200)));
        assert_eq!(policy.delay(3, None, 1.0), Some(Duration::from_millis(4800)));
        assert_eq!(policy.delay(3, None, 7.0), Some(Duration::from_millis(4800)), "draws are clamped");
        let draws: Vec<Duration> = (0..2000).map(|_| policy.next_delay(2, None).unwrap()).collect();
        let (lo, hi) = (Duration::from_millis(1600), Duration::from_millis(2400));
        assert!(draws.iter().all(|d| (lo..=hi).contains(d)), "{:?}", draws.iter().min());
        // Random, not constant: both halves of the band are used.
        assert!(draws.iter().any(|d| *d < Duration::from_millis(1900)));
        assert!(draws.iter().any(|d| *d > Duration::from_millis(2100)));
    }

    #[test]
    fn retry_after_is_a_floor_and_never_shortened() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.delay(1, Some(S(5)), 0.0), Some(S(5)), "longer than the back-off: wait as asked");
        assert_eq!(policy.delay(4, Some(S(1)), 0.0), Some(S(8)), "shorter than the back-off: back off");
        assert_eq!(policy.delay(1, Some(S(60)), 0.0), Some(S(60)));
        assert_eq!(policy.delay(1, Some(S(61)), 0.0), None, "beyond max_delay: give up rather than come early");
        assert_eq!(policy.delay(5, Some(S(1)), 0.0), None, "Retry-After grants no extra retries");
    }

    #[test]
    fn max_retries_and_scale_are_configurable() {
        let policy = RetryPolicy { max_retries: 6, ..RetryPolicy::scaled(Duration::from_millis(10)) };
        let exact: Vec<_> = (1..=6).map(|n| policy.delay(n, None, 0.0).unwrap().as_millis()).collect();
        assert_eq!(exact, [10, 20, 40, 80, 160, 320]);
        assert_eq!(policy.delay(7, None, 0.0), None);
        assert_eq!(RetryPolicy::never().delay(1, None, 0.0), None);
        let capped = RetryPolicy { max_retries: 40, ..RetryPolicy::default() };
        assert_eq!(capped.delay(40, None, 1.0), Some(S(60)), "the back-off is capped at max_delay");
        let no_jitter = RetryPolicy { jitter: 0.0, ..RetryPolicy::default() };
        assert_eq!(no_jitter.delay(2, None, -1.0), Some(S(2)));
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + S(1_700_000_000);
        assert_eq!(parse_retry_after("3", now), Some(S(3)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(S(0)));
        let later = httpdate::fmt_http_date(now + S(30));
        assert_eq!(parse_retry_after(&later, now), Some(S(30)));
        let earlier = httpdate::fmt_http_date(now - S(30));
        assert_eq!(parse_retry_after(&earlier, now), Some(S(0)));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }
}
