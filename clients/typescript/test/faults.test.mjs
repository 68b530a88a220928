// Exactly once through a faulty network: a fault-injecting proxy between the
// SDK and a real server resets connections, drops responses after the server
// committed, and delays them past the client's timeout. Every intent still
// completes, each exactly once, as the server's own ledger, redemptions and
// `tally verify` show.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { FileJournal, TallyClient, TallyError, neverRetry, ops, scaledRetry } from "../dist/node.js";
import { HAVOC, LOSE_EVERY_ANSWER, startProxy } from "./support/proxy.mjs";
import { backends, customerAndReward, skipUnless, startServer } from "./support/server.mjs";

/**
 * Retries enough to outlast the havoc plan: an attempt fails there about half
 * the time (more on a loaded machine, where answers also miss the 400 ms
 * timeout); 30 retries leave odds of about 1 in 10^7 per intent. The longest
 * wait (1.5 s) still honours the server's `Retry-After: 1` on a 409.
 */
const havocRetries = () => scaledRetry(10, { maxRetries: 30, maxDelayMs: 1500 });

/** Runs `work` over `items`, `width` at a time; the results in order. */
async function pool(items, width, work) {
  const results = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i], i);
      }
    }),
  );
  return results;
}

for (const backend of backends()) {
  const skip = await skipUnless(backend);
  describe(`faults on ${backend}`, { skip }, () => {
    let server;
    before(async () => {
      server = await startServer(backend);
    });
    after(() => server?.stop());

    const journalPath = (name) => `${server.dir}/${name}.jsonl`;
    const faulty = (url, name, retry = havocRetries()) =>
      new TallyClient({ baseUrl: url, token: server.token, journal: new FileJournal(journalPath(name)), retry, timeoutMs: 400 });

    test("every redemption completes exactly once through a faulty network", async () => {
      const { customer, reward } = await customerAndReward(server, { points: 1000, cost: 10, stock: 1000, email: "havoc@example.com" });
      const proxy = await startProxy(server.url, HAVOC, 0x7a11);
      try {
        const client = faulty(proxy.url, "havoc");
        // The first connections meet one fault each, for certain: the reward's
        // answer was dropped after the server committed, so the final answer is
        // the stored one, replayed. A reward made once, not twice.
        const mug = await client.createReward({ name: "Mug", cost_points: 1 });
        assert.ok(mug.replayed && mug.attempts > 3, JSON.stringify(mug));

        const INTENTS = 40;
        const done = await pool(Array.from({ length: INTENTS }), 4, () =>
          client.redeem({ customer_id: customer, reward_id: reward }),
        );
        const { counts } = proxy;
        for (const kind of ["resetsOnAccept", "resetsAfterRequest", "droppedResponses", "delays"]) {
          assert.ok(counts[kind] > 0, `${kind}: ${JSON.stringify(counts)}`);
        }
        assert.ok(done.some((d) => d.attempts > 1), "the faults forced retries");
        assert.ok(done.some((d) => d.replayed), "some answers were lost after the server committed");

        // Exactly once, by the server's account: one redemption per intent, nothing else.
        const ids = new Set(done.map((d) => d.value.id));
        assert.equal(ids.size, INTENTS, "no two intents share a redemption");
        const stored = await server.all(`/api/v1/customers/${customer}/redemptions`);
        assert.equal(stored.length, INTENTS, "no intent made a second redemption");
        assert.ok(stored.every((r) => ids.has(r.id)));
        const ledger = await server.all(`/api/v1/customers/${customer}/ledger`);
        const debits = ledger.filter((e) => e.operation === "redeem");
        assert.equal(debits.length, INTENTS);
        assert.deepEqual(new Set(debits.map((e) => e.redemption_id)), ids, "one debit per redemption");
        assert.equal((await server.get(`/api/v1/customers/${customer}/balance`)).available, 1000 - 10 * INTENTS);
        assert.equal((await server.get(`/api/v1/rewards/${reward}`)).stock, 1000 - INTENTS);
        const mugs = (await server.all("/api/v1/rewards")).filter((r) => r.name === "Mug");
        assert.deepEqual(mugs.map((r) => r.id), [mug.value.id]);
        for (const d of done) {
          const info = await server.get(`/api/v1/idempotency-keys/${d.key}`);
          assert.equal(info.resource_id, d.value.id);
        }
        assert.deepEqual(await client.journal.pending(), []);
        assert.equal((await client.journal.intents()).length, INTENTS + 1);
        await server.verify();
      } finally {
        await proxy.close();
      }
    });

    test("partial voids and adjustments apply exactly once through a faulty network", async () => {
      const direct = (await server.api("POST", "/api/v1/customers", { email: "voids@example.com" })).body.id;
      const PURCHASES = 8;
      const purchases = [];
      for (let i = 0; i < PURCHASES; i++) {
        const made = await server.api(
          "POST",
          "/api/v1/transactions",
          { customer_id: direct, spend_amount_cents: 5000, currency: "EUR" },
          { "idempotency-key": `voids-purchase-${i}` },
        );
        purchases.push(made.body.id);
      }
      const proxy = await startProxy(server.url, HAVOC, 0x501d);
      try {
        const client = faulty(proxy.url, "voids");
        // A partial void repeated would void 10.00 more, an adjustment repeated
        // would add a point more: only the key stands between a lost answer and a double.
        const intents = [
          ...purchases.flatMap((id) => [{ void: id }, { void: id }]),
          ...Array.from({ length: 2 * PURCHASES }, (_, n) => ({ adjust: n })),
        ];
        const results = await pool(intents, 4, async (intent) => {
          if (intent.void) {
            const done = await client.voidTransaction(intent.void, { amount_cents: 1000 });
            assert.equal(done.value.id, intent.void);
            return done;
          }
          const done = await client.adjustPoints(direct, { points: 1, reason: `bonus ${intent.adjust}` });
          assert.equal(done.value.reason, `bonus ${intent.adjust}`);
          return done;
        });
        assert.ok(proxy.counts.droppedResponses > 0 && proxy.counts.resetsAfterRequest > 0, JSON.stringify(proxy.counts));
        assert.ok(results.some((r) => r.attempts > 1), "the faults forced retries");
        assert.ok(results.some((r) => r.replayed), "some answers were lost after the server committed");

        for (const id of purchases) {
          const t = await server.get(`/api/v1/transactions/${id}`);
          assert.deepEqual([t.status, t.voided_amount_cents, t.voided_points], ["partially_voided", 2000, 20], id);
        }
        const ledger = await server.all(`/api/v1/customers/${direct}/ledger`);
        assert.equal(ledger.filter((e) => e.operation === "void").length, 2 * PURCHASES);
        const adjustments = ledger.filter((e) => e.operation === "adjustment");
        assert.equal(adjustments.length, 2 * PURCHASES);
        assert.equal(new Set(adjustments.map((e) => e.reason)).size, 2 * PURCHASES, "one entry per adjustment intent");
        const balance = await server.get(`/api/v1/customers/${direct}/balance`);
        assert.equal(balance.available, 50 * PURCHASES - 20 * PURCHASES + 2 * PURCHASES);
        assert.deepEqual(await client.journal.pending(), []);
        await server.verify();
      } finally {
        await proxy.close();
      }
    });

    test("writes whose answers were all lost are settled once by resume(), also past retention", async () => {
      const ada = (await server.api("POST", "/api/v1/customers", { email: "lost@example.com" })).body.id;
      const key = () => ({ "idempotency-key": `lost-setup-${Math.random()}` });
      const big = (await server.api("POST", "/api/v1/transactions", { customer_id: ada, spend_amount_cents: 10000, currency: "EUR" }, key())).body.id;
      const small = (await server.api("POST", "/api/v1/transactions", { customer_id: ada, spend_amount_cents: 4000, currency: "EUR" }, key())).body.id;
      const mug = (await server.api("POST", "/api/v1/rewards", { name: "Lost mug", cost_points: 10, stock: 10 })).body.id;
      const voucher = (await server.api("POST", "/api/v1/rewards", { name: "10 % off", cost_points: 5, kind: "voucher" })).body.id;
      const redeem = async (reward) =>
        (await server.api("POST", "/api/v1/redemptions", { customer_id: ada, reward_id: reward }, key())).body;
      const toFulfil = (await redeem(mug)).id;
      const toCancel = (await redeem(mug)).id;
      const code = (await redeem(voucher)).coupon_code;
      const balanceOf = async () => (await server.get(`/api/v1/customers/${ada}/balance`)).available;
      assert.equal(await balanceOf(), 140 - 25);

      // Every request reaches the server and commits; every answer is lost, and
      // the client does not retry: each intent is left pending in the journal.
      const proxy = await startProxy(server.url, LOSE_EVERY_ANSWER, 1);
      let lossy;
      try {
        lossy = faulty(proxy.url, "lossy", neverRetry());
        const part = { amount_cents: 2500 };
        const plus = { points: 7, reason: "goodwill" };
        const minus = { points: -3, reason: "correction" };
        const v2 = { customer_id: ada, reward_id: mug, points_amount: 10 };
        const lost = [
          () => lossy.voidTransaction(big, part),
          () => lossy.voidTransaction(big, part),
          () => lossy.voidTransaction(small),
          () => lossy.adjustPoints(ada, plus),
          () => lossy.adjustPoints(ada, minus),
          () => lossy.fulfilRedemption(toFulfil),
          () => lossy.cancelRedemption(toCancel),
          () => lossy.redeemCoupon(code),
          () => lossy.redeemV2(v2),
        ];
        for (const send of lost) {
          // One at a time, in order: the journal's order is the order they were meant in.
          const error = await send().then(() => assert.fail("the answer was lost"), (e) => e);
          assert.ok(error instanceof TallyError && error.isPending, String(error));
        }
        assert.equal(proxy.counts.droppedResponses, lost.length);

        // The server did all of it, once: 115 − 25 − 25 − 40 + 7 − 3 + 10 (refund) − 10 (v2).
        const expected = 115 - 25 - 25 - 40 + 7 - 3 + 10 - 10;
        assert.equal(await balanceOf(), expected);
        const ledgerBefore = await server.all(`/api/v1/customers/${ada}/ledger`);
        const bigBefore = await server.get(`/api/v1/transactions/${big}`);
        assert.deepEqual([bigBefore.status, bigBefore.voided_amount_cents], ["partially_voided", 5000]);

        // resume(), through the same journal file, re-sends each with its key: every one a replay.
        const resumer = faulty(server.url, "lossy", neverRetry());
        const report = await resumer.resume();
        const replay = (status) => ({ kind: "succeeded", status, replayed: true });
        assert.deepEqual(
          report.intents.map((r) => [r.operation, r.outcome]),
          [
            ["transaction.void", replay(200)],
            ["transaction.void", replay(200)],
            ["transaction.void", replay(200)],
            ["customer.adjust", replay(201)],
            ["customer.adjust", replay(201)],
            ["redemption.fulfil", replay(200)],
            ["redemption.cancel", replay(200)],
            ["coupon.redeem", replay(200)],
            ["redemption.create_v2", replay(201)],
          ],
        );
        assert.deepEqual((await resumer.resume()).intents, [], "nothing left pending");
        assert.equal(await balanceOf(), expected);
        assert.deepEqual(await server.all(`/api/v1/customers/${ada}/ledger`), ledgerBefore, "no entry was added");
        assert.deepEqual(await server.get(`/api/v1/transactions/${big}`), bigBefore);
        assert.equal((await server.get(`/api/v1/redemptions/${toFulfil}`)).status, "fulfilled");
        assert.equal((await server.get(`/api/v1/redemptions/${toCancel}`)).status, "cancelled");

        // Days later the stored answers are gone. What moved points or stock keeps
        // its key on what it made or changed: the same intent is still recognised
        // and replayed (200), not refused as done already. Nothing runs twice.
        const intents = await resumer.journal.intents();
        await server.expireIdempotencyRecords();
        const keyOf = (n) => intents[n].key;
        let again = await resumer.submitWithKey(ops.voidTransaction(big, part), keyOf(0));
        assert.deepEqual([again.status, again.replayed, again.value.id], [200, true, big]);
        again = await resumer.submitWithKey(ops.adjustPoints(ada, plus), keyOf(3));
        assert.deepEqual([again.status, again.replayed, again.value.points], [200, true, 7]);
        again = await resumer.submitWithKey(ops.redeemV2(v2), keyOf(8));
        assert.deepEqual([again.status, again.replayed, again.value.points_amount], [200, true, 10]);
        again = await resumer.submitWithKey(ops.fulfilRedemption(toFulfil), keyOf(5));
        assert.deepEqual([again.status, again.replayed, again.value.status], [200, true, "fulfilled"]);
        again = await resumer.submitWithKey(ops.cancelRedemption(toCancel), keyOf(6));
        assert.deepEqual([again.status, again.replayed, again.value.status], [200, true, "cancelled"]);
        again = await resumer.submitWithKey(ops.redeemCoupon(code), keyOf(7));
        assert.deepEqual([again.status, again.replayed, again.value.code], [200, true, code]);
        // Another key for the same move is another intent, and that one is refused.
        const refused = await resumer.submitWithKey(ops.fulfilRedemption(toFulfil), "fresh-key").catch((e) => e);
        assert.deepEqual([refused.kind, refused.code], ["api", "already_fulfilled"]);
        assert.equal(await balanceOf(), expected);
        assert.deepEqual(await server.all(`/api/v1/customers/${ada}/ledger`), ledgerBefore);
        await server.verify();
      } finally {
        await proxy.close();
      }
    });
  });
}
