// What resume() re-sends once a key's stored response may have expired,
// judged by what the server can still answer for the key (GET
// /api/v1/idempotency-keys/{key}) — never by the program's retention setting,
// which may have changed since. The Rust SDK's rules (crates/tally-client,
// `held_back`), against a real server.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { MemoryJournal, TallyClient, ops, scaledRetry } from "../dist/index.js";
import { backends, customerAndReward, skipUnless, startServer } from "./support/server.mjs";

const hoursAgo = (h) => new Date(Date.now() - h * 3600_000).toISOString();

for (const backend of backends()) {
  const skip = await skipUnless(backend);
  describe(`resume() past retention on ${backend}`, { skip }, () => {
    let server;
    before(async () => {
      server = await startServer(backend);
    });
    after(() => server?.stop());

    const newClient = () =>
      new TallyClient({ baseUrl: server.url, token: server.token, journal: new MemoryJournal(), retry: scaledRetry(10) });

    /**
     * A write journaled `hours` ago whose send reached the server and
     * committed, but whose answer the journal never heard (the process died):
     * pending, with a record on the server. `send: false` leaves it unsent.
     */
    async function crashedAfterSend(client, request, hours, { send = true } = {}) {
      const key = `crash-${Math.random().toString(36).slice(2)}`;
      await client.journal.record({
        key,
        scope: client.scope,
        operation: request.operation,
        method: request.method,
        path: request.path,
        body: request.body,
        createdAt: hoursAgo(hours),
      });
      const answer = send ? await client.submitWithKey(request, key) : undefined;
      return { key, answer };
    }

    async function resumeOne(client) {
      const report = await client.resume();
      assert.equal(report.intents.length, 1, JSON.stringify(report));
      return report.intents[0].outcome;
    }

    test("a patch past retention is not sent again: it would undo the writes that came after it", async () => {
      const client = newClient();
      const { customer, reward } = await customerAndReward(server, { points: 100, cost: 1, email: "patch@example.com" });
      const { key } = await crashedAfterSend(client, ops.updateReward(reward, { stock: 10 }), 2);
      for (let i = 0; i < 3; i++) await client.redeem({ customer_id: customer, reward_id: reward });
      assert.equal((await server.get(`/api/v1/rewards/${reward}`)).stock, 7);
      await server.expireIdempotencyRecords();

      assert.deepEqual(await resumeOne(client), { kind: "stale", ageHours: 2 });
      assert.equal((await server.get(`/api/v1/rewards/${reward}`)).stock, 7, "no unit made from nothing");
      assert.equal((await client.journal.intent(key)).state, "pending", "left for a person to settle");
      await server.verify();
    });

    test("a longer retention set later does not make a re-send safe", async () => {
      const client = newClient();
      await client.updateProgram({ idempotency_retention_hours: 1 });
      const { answer } = await crashedAfterSend(client, ops.createReward({ name: "Retention mug", cost_points: 10 }), 2);
      await server.expireIdempotencyRecords();
      await client.updateProgram({ idempotency_retention_hours: 720 });

      assert.deepEqual(await resumeOne(client), { kind: "stale", ageHours: 2 });
      const mugs = (await server.all("/api/v1/rewards")).filter((r) => r.name === "Retention mug");
      assert.deepEqual(mugs.map((r) => r.id), [answer.value.id], "the reward exists once");
      await client.updateProgram({ idempotency_retention_hours: 24 });
    });

    test("while the server holds the key's record any intent is re-sent, however old, and replays", async () => {
      const client = newClient();
      const { answer } = await crashedAfterSend(client, ops.createReward({ name: "Held mug", cost_points: 10 }), 3);
      assert.deepEqual(await resumeOne(client), { kind: "succeeded", status: 201, replayed: true });
      const mugs = (await server.all("/api/v1/rewards")).filter((r) => r.name === "Held mug");
      assert.deepEqual(mugs.map((r) => r.id), [answer.value.id]);
      assert.deepEqual(await client.journal.pending(), []);
    });

    test("a record about to expire (under 10 minutes left) is not counted on", async () => {
      const client = newClient();
      const { key } = await crashedAfterSend(client, ops.createReward({ name: "Edge mug", cost_points: 10 }), 0);
      await server.sql(
        `UPDATE idempotency_records SET expires_at = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) + 300000 WHERE key = '${key}'`,
        `UPDATE idempotency_records SET expires_at = now() + interval '5 minutes' WHERE key = '${key}'`,
      );
      assert.deepEqual(await resumeOne(client), { kind: "stale", ageHours: 0 });
      assert.equal((await client.journal.intent(key)).state, "pending");
    });

    test("a key the server never saw: sent when younger than the shortest retention, held back when older", async () => {
      const client = newClient();
      const young = await crashedAfterSend(client, ops.createReward({ name: "Young mug", cost_points: 10 }), 0, { send: false });
      assert.deepEqual(await resumeOne(client), { kind: "succeeded", status: 201, replayed: false }, "it never committed");
      const old = await crashedAfterSend(client, ops.createReward({ name: "Old mug", cost_points: 10 }), 2, { send: false });
      assert.deepEqual(await resumeOne(client), { kind: "stale", ageHours: 2 }, "it may have committed and expired");
      const names = (await server.all("/api/v1/rewards")).map((r) => r.name);
      assert.equal(names.filter((n) => n === "Young mug").length, 1);
      assert.equal(names.filter((n) => n === "Old mug").length, 0);
      assert.equal((await client.journal.intent(young.key)).state, "done");
      assert.equal((await client.journal.intent(old.key)).state, "pending");
    });

    test("purchases, redemptions and a coupon's use keep their key for good: re-sent past retention, they replay", async () => {
      const client = newClient();
      const { customer } = await customerAndReward(server, { points: 100, cost: 1, email: "coupon@example.com" });
      const voucher = (await client.createReward({ name: "Gift", cost_points: 10, kind: "voucher" })).value;
      const redemption = await crashedAfterSend(client, ops.redeem({ customer_id: customer, reward_id: voucher.id }), 30);
      const code = redemption.answer.value.coupon_code;
      const used = await crashedAfterSend(client, ops.redeemCoupon(code), 30);
      const purchase = await crashedAfterSend(
        client,
        ops.recordPurchase({ customer_id: customer, spend_amount_cents: 700, currency: "EUR" }),
        30,
      );
      await server.expireIdempotencyRecords();
      const balanceBefore = (await server.get(`/api/v1/customers/${customer}/balance`)).available;

      const report = await client.resume();
      assert.deepEqual(
        report.intents.map((r) => [r.key, r.outcome]),
        [
          [redemption.key, { kind: "succeeded", status: 200, replayed: true }],
          [used.key, { kind: "succeeded", status: 200, replayed: true }],
          [purchase.key, { kind: "succeeded", status: 200, replayed: true }],
        ],
      );
      const intent = await client.journal.intent(used.key);
      assert.deepEqual([intent.state, intent.status], ["done", 200], "done, not refused as already_redeemed");
      assert.equal((await server.get(`/api/v1/customers/${customer}/balance`)).available, balanceBefore);
      assert.equal((await server.all(`/api/v1/customers/${customer}/redemptions`)).length, 1);
      await server.verify();
    });

    test("intents of another token are left alone", async () => {
      const client = newClient();
      await client.journal.record({ key: "theirs", scope: "0123456789abcdef", operation: "reward.create", method: "POST", path: "/api/v1/rewards", body: "{}" });
      const report = await client.resume();
      assert.deepEqual([report.intents.length, report.otherScope], [0, 1]);
      assert.equal((await client.journal.intent("theirs")).state, "pending");
    });
  });
}
