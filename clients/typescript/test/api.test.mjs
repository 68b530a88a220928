// Every typed method against a real `tally serve`, on SQLite and PostgreSQL:
// answers, `replayed`, and errors with status, code and detail.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { MemoryJournal, TallyClient, TallyError, ops, scaledRetry } from "../dist/index.js";
import { backends, skipUnless, startServer } from "./support/server.mjs";

const refusal = (promise) =>
  promise.then(
    (value) => assert.fail(`expected a refusal, got ${JSON.stringify(value)}`),
    (error) => {
      assert.ok(error instanceof TallyError, String(error));
      return error;
    },
  );

for (const backend of backends()) {
  const skip = await skipUnless(backend);
  describe(`typed methods on ${backend}`, { skip }, () => {
    let server;
    let tally;
    const events = [];
    before(async () => {
      server = await startServer(backend);
      tally = new TallyClient({
        baseUrl: server.url,
        token: server.token,
        journal: new MemoryJournal(),
        retry: scaledRetry(10),
        onEvent: (e) => events.push(e),
      });
    });
    after(() => server?.stop());

    test("customers, purchases, balance and ledger", async () => {
      const made = await tally.upsertCustomer({ email: "Ada@Example.com", name: "Ada" });
      assert.deepEqual([made.status, made.replayed, made.value.email], [201, false, "ada@example.com"]);
      const found = await tally.upsertCustomer({ email: "ada@example.com" });
      assert.deepEqual([found.status, found.value.id], [200, made.value.id], "upsert by e-mail finds her");
      assert.notEqual(found.key, made.key, "one key per intent");
      assert.equal((await tally.customer(made.value.id)).name, "Ada");
      const listed = await tally.customers({ email: "ADA@example.com" });
      assert.deepEqual(listed.data.map((c) => c.id), [made.value.id]);

      const purchase = await tally.recordPurchase({
        customer_id: made.value.id,
        spend_amount_cents: 2599,
        currency: "EUR",
        external_id: "POS-1001",
      });
      assert.deepEqual([purchase.status, purchase.value.points], [201, 25]);
      const again = await tally.recordPurchase({
        customer_id: made.value.id,
        spend_amount_cents: 2599,
        currency: "EUR",
        external_id: "POS-1001",
      });
      assert.equal(again.value.id, purchase.value.id, "the receipt number dedupes a second intent");
      assert.equal((await tally.transaction(purchase.value.id)).external_id, "POS-1001");
      const voided = await tally.voidTransaction(purchase.value.id, { amount_cents: 1300 });
      assert.deepEqual([voided.value.status, voided.value.voided_points], ["partially_voided", 12]);
      const adjusted = await tally.adjustPoints(made.value.id, { points: 50, reason: "late delivery goodwill" });
      assert.deepEqual([adjusted.status, adjusted.value.points, adjusted.value.reason], [201, 50, "late delivery goodwill"]);
      const balance = await tally.balance(made.value.id);
      assert.equal(balance.available, 25 - 12 + 50);
      const ledger = await tally.ledger(made.value.id, { limit: 100 });
      assert.deepEqual(ledger.data.map((e) => e.operation), ["adjustment", "void", "earn"], "newest first");
      const firstPage = await tally.ledger(made.value.id, { limit: 1 });
      assert.equal(firstPage.has_more, true);
      const next = await tally.ledger(made.value.id, { limit: 1, starting_after: firstPage.data[0].id });
      assert.equal(next.data[0].operation, "void");
    });

    test("tiers: a qualifying adjustment lifts the tier, and the history names it", async () => {
      const silver = { name: "Silver", threshold_points: 100, earn_multiplier_percent: 150 };
      const patched = await tally.updateProgram({ tiers: [silver] });
      assert.deepEqual(patched.value.tiers, [silver]);
      const ida = (await tally.upsertCustomer({ email: "ida@example.com" })).value;
      assert.deepEqual(ida.tier.next, { name: "Silver", points_needed: 100 });
      await tally.adjustPoints(ida.id, { points: 120, reason: "partner purchase", qualifying: true });
      assert.equal((await tally.customer(ida.id)).tier.name, "Silver");
      const history = await tally.tierHistory(ida.id);
      assert.deepEqual(history.data.map((c) => [c.from_tier, c.to_tier, c.reason]), [[null, "Silver", "upgrade"]]);
      const bought = await tally.recordPurchase({ customer_id: ida.id, spend_amount_cents: 1000, currency: "EUR" });
      assert.deepEqual([bought.value.points, bought.value.tier, bought.value.earn_multiplier_percent], [15, "Silver", 150]);
      // The other tests expect a program without tiers.
      await tally.updateProgram({ tiers: [] });
      assert.equal((await tally.customer(ida.id)).tier, null);
    });

    test("rewards, redemptions, their lifecycle, coupons and the v2 pair", async () => {
      const ada = (await tally.upsertCustomer({ email: "grace@example.com" })).value.id;
      await tally.adjustPoints(ada, { points: 100, reason: "welcome" });
      const mug = (await tally.createReward({ name: "Mug", cost_points: 10, stock: 5 })).value;
      assert.deepEqual([mug.kind, mug.stock, mug.active], ["item", 5, true]);
      assert.equal((await tally.updateReward(mug.id, { stock: 3 })).value.stock, 3);
      assert.equal((await tally.reward(mug.id)).stock, 3);
      assert.ok((await tally.rewards({ limit: 100 })).data.some((r) => r.id === mug.id));

      const first = await tally.redeem({ customer_id: ada, reward_id: mug.id });
      assert.deepEqual([first.status, first.replayed, first.value.status], [201, false, "pending"]);
      // The same intent, sent again with its key and bytes: the stored answer, byte for byte.
      const replay = await tally.submitWithKey(ops.redeem({ customer_id: ada, reward_id: mug.id }), first.key);
      assert.deepEqual([replay.status, replay.replayed, replay.value], [201, true, first.value]);
      const second = (await tally.redeem({ customer_id: ada, reward_id: mug.id })).value;
      assert.equal((await tally.fulfilRedemption(first.value.id)).value.status, "fulfilled");
      assert.equal((await tally.cancelRedemption(second.id)).value.status, "cancelled");
      assert.equal((await tally.redemption(second.id)).status, "cancelled");
      const again = await refusal(tally.fulfilRedemption(first.value.id));
      assert.deepEqual([again.status, again.code], [422, "already_fulfilled"]);
      assert.equal((await tally.balance(ada)).available, 100 - 10, "the cancel refunded its points");
      assert.equal((await tally.reward(mug.id)).stock, 2, "and its stock");

      const voucher = (await tally.createReward({ name: "5 EUR off", cost_points: 20, kind: "voucher" })).value;
      const issued = (await tally.redeem({ customer_id: ada, reward_id: voucher.id })).value;
      assert.match(issued.coupon_code, /^[0-9A-Z]{26}$/);
      assert.equal((await tally.coupon(issued.coupon_code.toLowerCase())).status, "active");
      assert.equal((await tally.redeemCoupon(issued.coupon_code)).value.status, "redeemed");
      const twice = await refusal(tally.redeemCoupon(issued.coupon_code));
      assert.deepEqual([twice.status, twice.code], [422, "already_redeemed"]);

      const v2 = await tally.redeemV2({ customer_id: ada, reward_id: mug.id, points_amount: 10, redemption_type: "x" });
      assert.deepEqual([v2.status, v2.value.points_amount, v2.value.quantity], [201, 10, 1]);
      const mismatch = await refusal(tally.redeemV2({ customer_id: ada, reward_id: mug.id, points_amount: 9 }));
      assert.equal(mismatch.code, "points_amount_mismatch");
      const v2list = await tally.redemptionsV2(ada);
      assert.equal(v2list.redemptions[0].redemption_id, v2.value.redemption_id);
      const listed = await tally.customerRedemptions(ada, { limit: 100 });
      assert.equal(listed.data.length, 4);
      assert.equal((await tally.balance(ada)).available, 100 - 10 - 20 - 10);
      const pending = await tally.redemptions("pending", { limit: 100 });
      const fulfilled = await tally.redemptions("fulfilled", { limit: 100 });
      const cancelled = await tally.redemptions("cancelled", { limit: 100 });
      for (const [status, list] of [["pending", pending], ["fulfilled", fulfilled], ["cancelled", cancelled]]) {
        assert.ok(list.data.every((r) => r.status === status), status);
      }
      for (const mine of listed.data) {
        const inList = { pending, fulfilled, cancelled }[mine.status].data.some((r) => r.id === mine.id);
        assert.ok(inList, `${mine.id} is in the ${mine.status} list`);
      }
      assert.ok(fulfilled.data.some((r) => r.id === issued.id), "the voucher's redemption, fulfilled by its coupon");
      const stats = await tally.stats();
      assert.equal(stats.redemptions_pending, pending.data.length);
      assert.ok(stats.customers >= 1 && stats.redemptions_today >= 4, JSON.stringify(stats));
    });

    test("a refusal is final: status, code and detail, sent once, the key not consumed", async () => {
      const broke = (await tally.upsertCustomer({ email: "broke@example.com" })).value.id;
      const gift = (await tally.createReward({ name: "Gift", cost_points: 1000 })).value;
      events.length = 0;
      const error = await refusal(tally.redeem({ customer_id: broke, reward_id: gift.id }));
      assert.deepEqual([error.kind, error.status, error.code, error.isPending], ["api", 422, "insufficient_points", false]);
      assert.match(error.detail, /\d/);
      const sends = events.filter((e) => e.type === "attempt" && e.key === error.key);
      assert.deepEqual(sends.map((e) => [e.attempt, e.outcome, e.status]), [[1, "refused", 422]], "never retried");
      assert.equal((await tally.journal.intent(error.key)).code, "insufficient_points");
      // Nothing was stored for the key: once points arrive the same key runs.
      await tally.adjustPoints(broke, { points: 1000, reason: "top-up" });
      const later = await tally.submitWithKey(ops.redeem({ customer_id: broke, reward_id: gift.id }), error.key);
      assert.deepEqual([later.status, later.replayed], [201, false]);

      const reused = await refusal(tally.submitWithKey(ops.redeem({ customer_id: broke, reward_id: "rwd_other" }), error.key));
      assert.deepEqual([reused.status, reused.code], [422, "idempotency_key_reused"]);
      const missing = await refusal(tally.customer("cus_00000000000000000000000000"));
      assert.deepEqual([missing.status, missing.code], [404, "customer_not_found"]);
      const unknown = await refusal(tally.idempotencyKey("never-used"));
      assert.equal(unknown.status, 404);
    });

    test("the server tells what it knows of a key; program settings", async () => {
      const reward = await tally.createReward({ name: "Pen", cost_points: 3 });
      const info = await tally.idempotencyKey(reward.key);
      assert.deepEqual([info.state, info.method, info.path, info.status, info.resource_id], [
        "completed",
        "POST",
        "/api/v1/rewards",
        201,
        reward.value.id,
      ]);
      assert.ok(Date.parse(info.expires_at) > Date.now() + 23 * 3600_000, "kept 24 h by default");
      const program = await tally.program();
      assert.equal(program.idempotency_retention_hours, 24);
      const patched = await tally.updateProgram({ points_per_currency_unit: 2 });
      assert.deepEqual([patched.value.points_per_currency_unit, patched.value.void_policy], [2, "reject"]);
      assert.equal((await tally.program()).points_per_currency_unit, 2);
      assert.equal(await tally.journal.pending().then((p) => p.length), 0, "every intent has its final answer");
      await server.verify();
    });
  });
}
