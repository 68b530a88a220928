// A Node process killed with SIGKILL in the middle of a stream of writes, and
// a new process resumed from its FileJournal: each intent took effect once —
// by the server's ledger and redemptions, not by the journal's account.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";

import { FileJournal } from "../dist/node.js";
import { delayEveryAnswer, startProxy } from "./support/proxy.mjs";
import { backends, customerAndReward, skipUnless, startServer } from "./support/server.mjs";

const streamScript = fileURLToPath(new URL("./support/stream.mjs", import.meta.url));

function runNode(args) {
  const child = spawn(process.execPath, [streamScript, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal, stderr })));
  return { child, exited, lines: createInterface({ input: child.stdout }) };
}

for (const backend of backends()) {
  const skip = await skipUnless(backend);
  describe(`a client killed mid-stream on ${backend}`, { skip }, () => {
    let server;
    before(async () => {
      server = await startServer(backend);
    });
    after(() => server?.stop());

    test("SIGKILL, then resume() in a new process from the FileJournal: each intent once", async () => {
      const START = 40;
      const { customer, reward } = await customerAndReward(server, { points: START, cost: 10, email: "crash@example.com" });
      const journalPath = `${server.dir}/crash-journal.jsonl`;
      // Every answer is held back 150 ms on its way to the client, so when the
      // process dies some writes have committed on the server and not been heard of.
      const proxy = await startProxy(server.url, delayEveryAnswer(150), 7);
      let killedAfter;
      try {
        const stream = runNode(["stream", proxy.url, server.token, journalPath, customer, reward, "1000", "4"]);
        // Killed once a dozen or more intents are done, at a moment when the
        // server has committed a write whose answer the proxy still holds.
        const target = 12 + Math.floor(Math.random() * 10);
        let done = 0;
        proxy.onHold = (statusLine) => {
          if (done >= target && killedAfter === undefined && / 20[01] /.test(statusLine)) {
            killedAfter = done;
            stream.child.kill("SIGKILL");
          }
        };
        for await (const line of stream.lines) {
          assert.notEqual(line, "finished", "killed before the stream ended");
          if (line.startsWith("done ")) done = Number(line.slice(5));
        }
        const { signal, stderr } = await stream.exited;
        assert.equal(signal, "SIGKILL", stderr);
      } finally {
        await proxy.close();
      }

      const journal = new FileJournal(journalPath);
      const left = await journal.pending();
      assert.ok(left.length > 0, "the kill left intents without a final answer");
      const recorded = (await journal.intents()).length;
      assert.ok(recorded >= killedAfter + left.length, `${recorded} recorded`);

      // A new process, the same file: resume() finishes every pending intent.
      const resumer = runNode(["resume", server.url, server.token, journalPath]);
      let report;
      for await (const line of resumer.lines) report = JSON.parse(line);
      const { code, stderr } = await resumer.exited;
      assert.equal(code, 0, stderr);
      assert.equal(report.intents.length, left.length, JSON.stringify(report));
      assert.equal(report.stillPending + report.stale, 0, JSON.stringify(report));
      assert.ok(
        report.intents.some((r) => r.outcome.kind === "succeeded" && r.outcome.replayed),
        `a write that committed before the kill was replayed, not run again: ${JSON.stringify(report)}`,
      );
      const intents = await journal.intents();
      assert.deepEqual(await journal.pending(), []);

      // The server's account. A 2xx intent made exactly the one resource its key
      // names; a refused one made nothing and stored nothing.
      const redemptions = await server.all(`/api/v1/customers/${customer}/redemptions`);
      const ledger = await server.all(`/api/v1/customers/${customer}/ledger`);
      const earned = ledger.filter((e) => e.operation === "earn");
      const spent = ledger.filter((e) => e.operation === "redeem");
      const setupPurchase = earned.at(-1).transaction_id; // the oldest: made before the stream
      const made = { "transaction.create": new Set(), "redemption.create": new Set() };
      let refused = 0;
      for (const intent of intents) {
        assert.equal(intent.state, "done");
        const info = await server.api("GET", `/api/v1/idempotency-keys/${intent.key}`);
        if (intent.status >= 200 && intent.status < 300) {
          assert.equal(info.status, 200, `${intent.key}: the server holds its answer`);
          assert.equal(info.body.resource_id, JSON.parse(intent.response).id, "the answer names what the key made");
          made[intent.operation].add(info.body.resource_id);
        } else {
          assert.deepEqual([intent.status, intent.code], [422, "insufficient_points"]);
          assert.equal(info.status, 404, "a refusal stores nothing");
          refused++;
        }
      }
      assert.ok(refused > 0, "some redemptions ran out of points");
      assert.ok(made["redemption.create"].size > 0 && made["transaction.create"].size > 0);
      assert.deepEqual(new Set(redemptions.map((r) => r.id)), made["redemption.create"], "one redemption per 2xx intent, no other");
      assert.deepEqual(new Set(spent.map((e) => e.redemption_id)), made["redemption.create"], "one debit per redemption");
      assert.equal(spent.length, made["redemption.create"].size);
      assert.deepEqual(
        new Set(earned.map((e) => e.transaction_id).filter((id) => id !== setupPurchase)),
        made["transaction.create"],
        "one purchase per 2xx intent, no other",
      );
      assert.equal(earned.length, made["transaction.create"].size + 1);
      const balance = await server.get(`/api/v1/customers/${customer}/balance`);
      assert.equal(balance.available, START + 5 * made["transaction.create"].size - 10 * made["redemption.create"].size);
      await server.verify();
    });
  });
}
