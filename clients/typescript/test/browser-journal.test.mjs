// The browser journal, exercised in Node with a `localStorage` shim: a page
// that loses an answer, and a page closed while a write was on its way, are
// finished by the page loaded next — from nothing but the origin's storage.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { LocalStorageJournal, TallyClient, neverRetry, scaledRetry } from "../dist/index.js";
import { LOSE_EVERY_ANSWER, startProxy } from "./support/proxy.mjs";
import { backends, customerAndReward, skipUnless, startServer } from "./support/server.mjs";
import { StorageShim } from "./support/storage.mjs";

for (const backend of backends()) {
  const skip = await skipUnless(backend);
  describe(`LocalStorageJournal across a page reload on ${backend}`, { skip }, () => {
    let server;
    before(async () => {
      server = await startServer(backend);
      globalThis.localStorage = new StorageShim();
    });
    after(async () => {
      delete globalThis.localStorage;
      await server?.stop();
    });

    test("the next page's resume() finishes each write once", async () => {
      const { customer, reward } = await customerAndReward(server, { points: 100, cost: 10, email: "tab@example.com" });
      const proxy = await startProxy(server.url, LOSE_EVERY_ANSWER, 3);
      try {
        // The first page: its redemption reaches the server and commits; the answer is lost.
        const lossy = new TallyClient({ baseUrl: proxy.url, token: server.token, journal: new LocalStorageJournal(), retry: neverRetry() });
        const lost = await lossy.redeem({ customer_id: customer, reward_id: reward }).catch((e) => e);
        assert.ok(lost.isPending, String(lost));
        // Then the tab is closed while a second redemption is on its way: the
        // storage is what it was at that moment; nothing after it happens.
        let storageWhenClosed;
        const closing = new TallyClient({
          baseUrl: server.url,
          token: server.token,
          journal: new LocalStorageJournal(),
          retry: neverRetry(),
          timeoutMs: 50,
          fetch: (url, init) => {
            storageWhenClosed = globalThis.localStorage.reload();
            return new Promise((_, reject) => init.signal.addEventListener("abort", () => reject(init.signal.reason)));
          },
        });
        await closing.redeem({ customer_id: customer, reward_id: reward }).catch(() => {});
        assert.ok(storageWhenClosed, "the write was on its way");
        globalThis.localStorage = storageWhenClosed;
      } finally {
        await proxy.close();
      }
      assert.equal((await server.all(`/api/v1/customers/${customer}/redemptions`)).length, 1, "one committed so far");
      const stored = JSON.stringify([...Array(localStorage.length).keys()].map((i) => localStorage.getItem(localStorage.key(i))));
      assert.ok(!stored.includes(server.token), "the journal never holds the token");

      // The page is reloaded: only the storage survives.
      const journal = new LocalStorageJournal();
      assert.equal((await journal.pending()).length, 2);
      const client = new TallyClient({ baseUrl: server.url, token: server.token, journal, retry: scaledRetry(10) });
      const report = await client.resume();
      assert.deepEqual(
        report.intents.map((r) => r.outcome),
        [
          { kind: "succeeded", status: 201, replayed: true },
          { kind: "succeeded", status: 201, replayed: false },
        ],
      );
      assert.deepEqual(await journal.pending(), []);

      const redemptions = await server.all(`/api/v1/customers/${customer}/redemptions`);
      const answers = await Promise.all(report.intents.map(async (r) => JSON.parse((await journal.intent(r.key)).response).id));
      assert.deepEqual(new Set(redemptions.map((r) => r.id)), new Set(answers), "two intents, two redemptions");
      assert.equal((await server.get(`/api/v1/customers/${customer}/balance`)).available, 100 - 20);
      await server.verify();
    });
  });
}
