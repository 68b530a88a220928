// The retry policy on its own, and the retry loop against a scripted fetch:
// the Rust SDK's numbers (crates/tally-client/src/retry.rs), one for one.

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  DEFAULT_RETRY,
  MemoryJournal,
  TallyClient,
  TallyError,
  delay,
  nextDelay,
  neverRetry,
  parseRetryAfter,
  scaledRetry,
  verdict,
} from "../dist/index.js";

test("successes, retryable accidents and final answers", () => {
  for (const status of [200, 201, 204]) assert.equal(verdict(status), "success");
  for (const status of [500, 502, 503, 504, 599]) assert.equal(verdict(status, "internal"), "retryable");
  assert.equal(verdict(429, "rate_limited"), "retryable");
  assert.equal(verdict(429), "retryable");
  assert.equal(verdict(409, "idempotency_key_in_use"), "retryable");
});

test("client errors are answers and never retried", () => {
  for (const [status, code] of [
    [422, "insufficient_points"],
    [422, "idempotency_key_reused"],
    [400, "idempotency_key_missing"],
    [401, "unauthorized"],
    [403, undefined],
    [404, "customer_not_found"],
    [408, undefined],
    [409, "conflict"],
    [409, undefined],
    [413, "payload_too_large"],
    [415, undefined],
    [301, undefined],
  ]) {
    assert.equal(verdict(status, code), "final", `${status} ${code}`);
  }
});

test("the default back-off is 1, 2, 4, 8 seconds, then give up", () => {
  const exact = [1, 2, 3, 4].map((n) => delay(DEFAULT_RETRY, n, null, 0));
  assert.deepEqual(exact, [1000, 2000, 4000, 8000]);
  assert.equal(delay(DEFAULT_RETRY, 5, null, 0), null, "at most 4 retries by default");
  assert.equal(delay(DEFAULT_RETRY, 0, null, 0), null, "retry numbers start at 1");
});

test("jitter stays within twenty percent and covers the band", () => {
  assert.equal(delay(DEFAULT_RETRY, 3, null, -1), 3200);
  assert.equal(delay(DEFAULT_RETRY, 3, null, 1), 4800);
  assert.equal(delay(DEFAULT_RETRY, 3, null, 7), 4800, "draws are clamped");
  const draws = Array.from({ length: 2000 }, () => nextDelay(DEFAULT_RETRY, 2, null));
  assert.ok(draws.every((d) => d >= 1600 && d <= 2400), `${Math.min(...draws)} ${Math.max(...draws)}`);
  assert.ok(draws.some((d) => d < 1900) && draws.some((d) => d > 2100), "random, not constant");
});

test("Retry-After is a floor and never shortened", () => {
  assert.equal(delay(DEFAULT_RETRY, 1, 5000, 0), 5000, "longer than the back-off: wait as asked");
  assert.equal(delay(DEFAULT_RETRY, 4, 1000, 0), 8000, "shorter than the back-off: back off");
  assert.equal(delay(DEFAULT_RETRY, 1, 60_000, 0), 60_000);
  assert.equal(delay(DEFAULT_RETRY, 1, 61_000, 0), null, "beyond maxDelayMs: give up rather than come early");
  assert.equal(delay(DEFAULT_RETRY, 5, 1000, 0), null, "Retry-After grants no extra retries");
});

test("max retries and scale are configurable", () => {
  const policy = scaledRetry(10, { maxRetries: 6 });
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => delay(policy, n, null, 0)), [10, 20, 40, 80, 160, 320]);
  assert.equal(delay(policy, 7, null, 0), null);
  assert.equal(delay(neverRetry(), 1, null, 0), null);
  assert.equal(delay({ ...DEFAULT_RETRY, maxRetries: 40 }, 40, null, 1), 60_000, "capped at maxDelayMs");
  assert.equal(delay({ ...DEFAULT_RETRY, jitter: 0 }, 2, null, -1), 2000);
});

test("Retry-After reads seconds and HTTP dates", () => {
  const now = 1_700_000_000_000;
  assert.equal(parseRetryAfter("3", now), 3000);
  assert.equal(parseRetryAfter(" 0 ", now), 0);
  assert.equal(parseRetryAfter(new Date(now + 30_000).toUTCString(), now), 30_000);
  assert.equal(parseRetryAfter(new Date(now - 30_000).toUTCString(), now), 0);
  assert.equal(parseRetryAfter("soon", now), null);
  assert.equal(parseRetryAfter("-1", now), null);
  assert.equal(parseRetryAfter(null, now), null);
});

/** A fetch that answers from a script, one entry per call, and records the calls. */
function scripted(script) {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url, at: Date.now(), ...init });
    const next = script[Math.min(calls.length - 1, script.length - 1)];
    if (next instanceof Error) throw next;
    const { status, body = {}, headers = {} } = next;
    const text = typeof body === "string" ? body : JSON.stringify(body);
    return new Response(status === 204 ? null : text, { status, headers });
  };
  return { fetch, calls };
}

const problem = (status, code, extra = {}) => ({
  status,
  body: { type: `/problems/${code}`, title: "t", status, detail: `detail of ${code}`, code },
  headers: { "content-type": "application/problem+json" },
  ...extra,
});

function client(fetch, retry = scaledRetry(5)) {
  return new TallyClient({ baseUrl: "http://tally.test/", token: "tly_x", journal: new MemoryJournal(), retry, fetch });
}

test("accidents are retried with the same key and the same bytes, then the answer is final", async () => {
  const { fetch, calls } = scripted([
    new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) }),
    problem(503, "idempotency_unavailable", { headers: { "retry-after": "0" } }),
    problem(429, "rate_limited"),
    problem(409, "idempotency_key_in_use"),
    problem(502, "bad_gateway"),
    { status: 201, body: { id: "rdm_1" }, headers: { "idempotent-replayed": "true" } },
  ]);
  const tally = client(fetch, scaledRetry(2, { maxRetries: 5 }));
  const done = await tally.redeem({ customer_id: "cus_1", reward_id: "rwd_1" });
  assert.deepEqual(
    { id: done.value.id, status: done.status, replayed: done.replayed, attempts: done.attempts },
    { id: "rdm_1", status: 201, replayed: true, attempts: 6 },
  );
  assert.equal(calls.length, 6);
  const keys = new Set(calls.map((c) => c.headers["idempotency-key"]));
  assert.equal(keys.size, 1, "one key for every attempt");
  assert.match([...keys][0], /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.ok(calls.every((c) => c.body === '{"customer_id":"cus_1","reward_id":"rwd_1"}'));
  assert.ok(calls.every((c) => c.url === "http://tally.test/api/v1/redemptions" && c.method === "POST"));
  assert.ok(calls.every((c) => c.headers.authorization === "Bearer tly_x"));
  const intent = await tally.journal.intent(done.key);
  assert.deepEqual([intent.state, intent.status, intent.attempts], ["done", 201, 6]);
});

test("a 422 and every other 4xx are answered at once, with status, code and detail", async () => {
  for (const [status, code] of [
    [422, "insufficient_points"],
    [404, "reward_not_found"],
    [400, "idempotency_key_invalid"],
    [409, "conflict"],
  ]) {
    const { fetch, calls } = scripted([problem(status, code), { status: 201, body: {} }]);
    const tally = client(fetch);
    const error = await tally.redeem({ customer_id: "c", reward_id: "r" }).then(
      () => assert.fail("refused"),
      (e) => e,
    );
    assert.ok(error instanceof TallyError);
    assert.deepEqual(
      [error.kind, error.status, error.code, error.detail, error.isPending],
      ["api", status, code, `detail of ${code}`, false],
    );
    assert.equal(calls.length, 1, `${status} is not retried`);
    const intent = await tally.journal.intent(error.key);
    assert.deepEqual([intent.state, intent.code], ["done", code], "a refusal is a final answer");
  }
});

test("after the last retry the intent stays pending and the error says so", async () => {
  const { fetch, calls } = scripted([problem(503, "idempotency_unavailable")]);
  const tally = client(fetch, scaledRetry(1, { maxRetries: 3 }));
  const error = await tally.recordPurchase({ customer_id: "c", spend_amount_cents: 100, currency: "EUR" }).then(
    () => assert.fail("gave up"),
    (e) => e,
  );
  assert.deepEqual([error.kind, error.isPending, error.status, error.code, error.attempts], ["gave_up", true, 503, "idempotency_unavailable", 4]);
  assert.equal(calls.length, 4, "the first send and 3 retries");
  assert.match(error.message, /still pending, resume\(\) will finish it/);
  const intent = await tally.journal.intent(error.key);
  assert.deepEqual([intent.state, intent.attempts, intent.status], ["pending", 4, 503]);
});

test("Retry-After is honoured as a floor, and one beyond maxDelayMs gives up", async () => {
  const { fetch, calls } = scripted([
    problem(429, "rate_limited", { headers: { "retry-after": "1" } }),
    { status: 201, body: {} },
  ]);
  const tally = client(fetch, scaledRetry(5, { maxDelayMs: 5000 }));
  await tally.createReward({ name: "Mug", cost_points: 1 });
  assert.ok(calls[1].at - calls[0].at >= 990, `waited ${calls[1].at - calls[0].at} ms for Retry-After: 1`);

  const far = scripted([problem(503, "draining", { headers: { "retry-after": "3600" } })]);
  const error = await client(far.fetch, scaledRetry(5, { maxDelayMs: 5000 })).createReward({ name: "Mug", cost_points: 1 }).catch((e) => e);
  assert.equal(error.kind, "gave_up");
  assert.equal(far.calls.length, 1, "never comes back sooner than asked: gives up instead");
});

test("an attempt that outlasts the timeout is retried with the same key", async () => {
  let calls = 0;
  const keys = [];
  const fetch = (url, init) => {
    calls++;
    keys.push(init.headers["idempotency-key"]);
    if (calls === 1) {
      return new Promise((_, reject) => init.signal.addEventListener("abort", () => reject(init.signal.reason)));
    }
    return Promise.resolve(new Response("{}", { status: 201 }));
  };
  const tally = new TallyClient({ baseUrl: "http://tally.test", token: "t", retry: scaledRetry(1), timeoutMs: 50, fetch });
  const done = await tally.createReward({ name: "Mug", cost_points: 1 });
  assert.equal(done.attempts, 2);
  assert.equal(keys[0], keys[1]);
});

test("the default policy waits 1 s, then 2 s: seen through the loop", { timeout: 10_000 }, async () => {
  const { fetch, calls } = scripted([problem(500, "internal"), problem(500, "internal"), { status: 201, body: {} }]);
  const tally = new TallyClient({ baseUrl: "http://tally.test", token: "t", fetch });
  await tally.createReward({ name: "Mug", cost_points: 1 });
  const waits = [calls[1].at - calls[0].at, calls[2].at - calls[1].at];
  assert.ok(waits[0] >= 790 && waits[0] <= 1300, `first wait ${waits[0]}`);
  assert.ok(waits[1] >= 1590 && waits[1] <= 2500, `second wait ${waits[1]}`);
});

test("a client is refused a bad base URL or an empty token", () => {
  assert.throws(() => new TallyClient({ baseUrl: "tally.test", token: "t" }), /must start with http/);
  assert.throws(() => new TallyClient({ baseUrl: "http://tally.test", token: "" }), /token is required/);
});
