// When to send an intent again, and how long to wait first: the Rust SDK's
// policy (crates/tally-client/src/retry.rs), number for number. Everything
// here is pure (the random draw is passed in), so it is unit-tested on its own.

/** What one answer means for the intent that got it. */
export type Verdict = "success" | "retryable" | "final";

/**
 * The verdict on an HTTP answer; `code` is the problem+json `code`, if any.
 *
 * Retried: 5xx, 429, and 409 `idempotency_key_in_use` (the first request with
 * this key still runs; once it ends, the retry gets its stored response).
 * Every other 4xx, including a 409 with another code, is an answer, not an
 * accident, and is never retried. A 1xx or 3xx is an answer the SDK cannot use.
 */
export function verdict(status: number, code?: string | null): Verdict {
  if (status >= 200 && status <= 299) return "success";
  if (status === 429) return "retryable";
  if (status === 409 && code === "idempotency_key_in_use") return "retryable";
  if (status >= 500 && status <= 599) return "retryable";
  return "final";
}

/** How a client retries. All durations are in milliseconds. */
export interface RetryPolicy {
  /** The wait before the first retry; each later one doubles it. Default 1000. */
  baseMs: number;
  /** Retries after the first attempt (so at most `maxRetries + 1` sends). Default 4. */
  maxRetries: number;
  /**
   * Relative jitter: each wait is scaled by a factor drawn uniformly from
   * `[1 - jitter, 1 + jitter]`. Clamped to `[0, 1]`. Default 0.2.
   */
  jitter: number;
  /**
   * The longest single wait. The back-off is capped at it; a `Retry-After`
   * longer than it is not shortened (that would not honour it): the client
   * gives up instead and the intent waits in the journal for `resume()`.
   * Default 60000.
   */
  maxDelayMs: number;
}

/** The published policy: 1 s, 2 s, 4 s, 8 s, each ±20 %, then give up. */
export const DEFAULT_RETRY: Readonly<RetryPolicy> = Object.freeze({
  baseMs: 1000,
  maxRetries: 4,
  jitter: 0.2,
  maxDelayMs: 60_000,
});

/** No retries at all: one send, whatever happens. */
export function neverRetry(): RetryPolicy {
  return { ...DEFAULT_RETRY, maxRetries: 0 };
}

/**
 * The default policy with every wait scaled to start at `baseMs`: for tests,
 * where a 1 s back-off would only make the suite slow.
 */
export function scaledRetry(baseMs: number, overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  return { ...DEFAULT_RETRY, baseMs, maxDelayMs: baseMs * 64, ...overrides };
}

/** The back-off before retry number `retry` (1 for the first), without jitter. */
export function backoff(policy: RetryPolicy, retry: number): number {
  const doublings = Math.min(Math.max(retry - 1, 0), 31);
  return Math.min(policy.baseMs * 2 ** doublings, policy.maxDelayMs);
}

const clamp = (value: number, lo: number, hi: number) => Math.min(Math.max(value, lo), hi);

/**
 * The wait before retry number `retry`, or `null` when the client gives up.
 *
 * `unit` is a draw from `[-1, 1]` that places the wait inside the jitter band;
 * `retryAfterMs` is the server's `Retry-After`, a floor: the client never
 * comes back sooner than asked.
 */
export function delay(policy: RetryPolicy, retry: number, retryAfterMs: number | null, unit: number): number | null {
  if (retry < 1 || retry > policy.maxRetries) return null;
  if (retryAfterMs !== null && retryAfterMs > policy.maxDelayMs) return null;
  const jitter = clamp(policy.jitter, 0, 1);
  const factor = 1 + jitter * clamp(unit, -1, 1);
  const jittered = Math.min(backoff(policy, retry) * factor, policy.maxDelayMs);
  return retryAfterMs === null ? jittered : Math.max(jittered, retryAfterMs);
}

/** {@link delay} with a fresh random draw. */
export function nextDelay(policy: RetryPolicy, retry: number, retryAfterMs: number | null): number | null {
  return delay(policy, retry, retryAfterMs, Math.random() * 2 - 1);
}

/**
 * Reads a `Retry-After` value: delay-seconds (`120`) or an HTTP date, measured
 * from `nowMs` (a date in the past means "now"). `null` when unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | null {
  if (value == null) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP date always names its weekday and GMT (RFC 9110 IMF-fixdate).
  if (!/GMT$/.test(text)) return null;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.max(at - nowMs, 0);
}
