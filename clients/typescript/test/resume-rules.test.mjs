// resume()'s rules for intents whose record may have expired, against a
// scripted server: every branch of the decision, including the ones a real
// server cannot be made to show on demand (a key still in flight, the key
// lookup itself failing).

import assert from "node:assert/strict";
import { test } from "node:test";

import { MemoryJournal, TallyClient, neverRetry, survivesRetention } from "../dist/index.js";

const HOUR = 3600_000;

/** A client whose server answers the key lookup with `lookup` and every write with 201 (a replay). */
async function setUp({ operation = "reward.create", ageMs = 0, lookup }) {
  const journal = new MemoryJournal();
  const sent = [];
  const fetch = async (url, init) => {
    const path = new URL(url).pathname;
    if (init.method === "GET") {
      sent.push(`GET ${path}`);
      const { status, body } = typeof lookup === "function" ? lookup() : lookup;
      if (status === "reset") throw new TypeError("fetch failed", { cause: new Error("socket hang up") });
      return new Response(JSON.stringify(body), { status });
    }
    sent.push(`${init.method} ${path} ${init.headers["idempotency-key"]} ${init.body}`);
    return new Response('{"id":"rwd_1"}', { status: 201, headers: { "idempotent-replayed": "true" } });
  };
  const client = new TallyClient({ baseUrl: "http://tally.test", token: "t", journal, fetch, retry: neverRetry() });
  await journal.record({
    key: "k1",
    scope: client.scope,
    operation,
    method: "POST",
    path: "/api/v1/rewards",
    body: '{"name":"Mug","cost_points":10}',
    createdAt: new Date(Date.now() - ageMs).toISOString(),
  });
  return { client, journal, sent };
}

const held = (minutes) => ({
  status: 200,
  body: { key: "k1", state: "completed", expires_at: new Date(Date.now() + minutes * 60_000).toISOString() },
});
const unknown = { status: 404, body: { status: 404, code: "idempotency_key_not_found", detail: "", title: "", type: "" } };
const SEND = '{"name":"Mug","cost_points":10}';

test("the operations whose key outlives retention are the Rust SDK's", () => {
  for (const op of ["customer.adjust", "transaction.create", "transaction.void", "redemption.create", "redemption.create_v2", "redemption.fulfil", "redemption.cancel", "coupon.redeem"]) {
    assert.ok(survivesRetention(op), op);
  }
  for (const op of ["reward.create", "reward.update", "customer.upsert", "program.update", "something.new"]) {
    assert.ok(!survivesRetention(op), op);
  }
});

test("a purchase or redemption is re-sent without asking, however old", async () => {
  const { client, sent } = await setUp({ operation: "redemption.create", ageMs: 300 * HOUR, lookup: unknown });
  const report = await client.resume();
  assert.deepEqual(report.intents[0].outcome, { kind: "succeeded", status: 201, replayed: true });
  assert.deepEqual(sent, [`POST /api/v1/rewards k1 ${SEND}`], "no key lookup, the original key and bytes");
});

test("a key still in flight is re-sent (it waits for the first and replays it)", async () => {
  const { client, sent } = await setUp({ ageMs: 5 * HOUR, lookup: { status: 200, body: { key: "k1", state: "in_flight" } } });
  assert.equal((await client.resume()).succeeded, 1);
  assert.deepEqual(sent, ["GET /api/v1/idempotency-keys/k1", `POST /api/v1/rewards k1 ${SEND}`]);
});

test("a held record is counted on only with more than 10 minutes left", async () => {
  for (const [minutes, kind] of [[11, "succeeded"], [9, "stale"], [-5, "stale"]]) {
    const { client, journal } = await setUp({ ageMs: 3 * HOUR, lookup: held(minutes) });
    const report = await client.resume();
    assert.equal(report.intents[0].outcome.kind, kind, `${minutes} minutes left`);
    assert.equal((await journal.intent("k1")).state, kind === "stale" ? "pending" : "done");
  }
  const { client } = await setUp({ ageMs: 3 * HOUR, lookup: { status: 200, body: { key: "k1", state: "completed", expires_at: null } } });
  assert.deepEqual((await client.resume()).intents[0].outcome, { kind: "stale", ageHours: 3 }, "no expiry named: not counted on");
});

test("a key the server does not know: sent below 50 minutes old, stale from then on", async () => {
  for (const [minutes, kind] of [[0, "succeeded"], [49, "succeeded"], [51, "stale"], [24 * 60, "stale"]]) {
    const { client, sent } = await setUp({ ageMs: minutes * 60_000, lookup: unknown });
    const report = await client.resume();
    assert.equal(report.intents[0].outcome.kind, kind, `${minutes} minutes old`);
    assert.equal(sent.length, kind === "stale" ? 1 : 2, "a stale intent is never sent");
  }
});

test("a key lookup that fails by accident leaves the intent pending; a refusal of it is an error", async () => {
  const { client, journal, sent } = await setUp({ ageMs: 2 * HOUR, lookup: { status: "reset" } });
  const report = await client.resume();
  assert.equal(report.intents[0].outcome.kind, "still_pending");
  assert.match(report.intents[0].outcome.failure.cause, /socket hang up/);
  assert.deepEqual(sent, ["GET /api/v1/idempotency-keys/k1"]);
  assert.equal((await journal.intent("k1")).state, "pending");

  const unauthorized = await setUp({ ageMs: 2 * HOUR, lookup: { status: 401, body: { status: 401, code: "unauthorized", detail: "bad token", title: "", type: "" } } });
  await assert.rejects(unauthorized.client.resume(), (e) => e.code === "unauthorized" && e.status === 401);
});
