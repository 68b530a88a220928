// The three journals behave alike: pending until a final answer, a recorded
// 2xx never overwritten by a refusal, one key one intent, pruning keeps
// pending intents; the file and localStorage journals survive reopening.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";

import { FileJournal, LocalStorageJournal, MemoryJournal, scopeOf, segment, uuidV4, problemFromBody } from "../dist/node.js";
import { StorageShim } from "./support/storage.mjs";

const dir = mkdtempSync(join(tmpdir(), "tally-ts-journal-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

const newIntent = (key, body = "{}") => ({
  key,
  scope: "s1",
  operation: "redemption.create",
  method: "POST",
  path: "/api/v1/redemptions",
  body,
});

// Each kind: how to make one, and how to open it again as a restarted process (or reloaded page) would.
const kinds = {
  MemoryJournal: () => {
    const journal = new MemoryJournal();
    return { journal, reopen: undefined };
  },
  FileJournal: () => {
    const path = join(dir, `journal-${files++}.jsonl`);
    return { journal: new FileJournal(path), reopen: () => new FileJournal(path) };
  },
  LocalStorageJournal: () => {
    const storage = new StorageShim();
    return { journal: new LocalStorageJournal({ storage }), reopen: () => new LocalStorageJournal({ storage: storage.reload() }) };
  },
};

for (const [name, make] of Object.entries(kinds)) {
  describe(name, () => {
    test("intents go from pending to done", async () => {
      const { journal, reopen } = make();
      await journal.record(newIntent("k1", '{"a":1}'));
      await journal.record(newIntent("k2", '{"a":2}'));
      await journal.record(newIntent("k3", '{"a":3}'));
      await journal.complete("k1", { attempts: 2, status: 201, code: null, response: '{"id":"rdm_1"}' });
      await journal.complete("k3", { attempts: 1, status: 422, code: "insufficient_points", response: "{}" });
      await journal.gaveUp("k2", { attempts: 5, status: 503, error: "503 idempotency_unavailable" });
      const reopened = reopen ? reopen() : journal;
      const pending = await reopened.pending();
      assert.deepEqual(pending.map((i) => [i.key, i.body, i.attempts, i.lastError, i.state]), [
        ["k2", '{"a":2}', 5, "503 idempotency_unavailable", "pending"],
      ]);
      const done = await reopened.intent("k1");
      assert.deepEqual([done.state, done.status, done.attempts, JSON.parse(done.response).id], ["done", 201, 2, "rdm_1"]);
      const refused = await reopened.intent("k3");
      assert.deepEqual([refused.state, refused.code], ["done", "insufficient_points"]);
      // A late give-up never reopens a finished intent.
      await reopened.gaveUp("k1", { attempts: 1, status: null, error: "late" });
      assert.equal((await reopened.intent("k1")).state, "done");
      assert.deepEqual((await reopened.intents()).map((i) => i.key), ["k1", "k2", "k3"]);
      assert.equal(await reopened.intent("nope"), undefined);
    });

    test("a recorded 2xx is never overwritten by a refusal; a refusal gives way to a 2xx", async () => {
      const { journal } = make();
      await journal.record(newIntent("ok-first"));
      await journal.record(newIntent("refused-first"));
      await journal.complete("ok-first", { attempts: 1, status: 201, code: null, response: "{}" });
      await journal.complete("ok-first", { attempts: 1, status: 422, code: "insufficient_points", response: "{}" });
      await journal.complete("refused-first", { attempts: 1, status: 422, code: "insufficient_points", response: "{}" });
      await journal.complete("refused-first", { attempts: 1, status: 201, code: null, response: "{}" });
      for (const key of ["ok-first", "refused-first"]) {
        const intent = await journal.intent(key);
        assert.deepEqual([intent.state, intent.status, intent.code], ["done", 201, null], key);
      }
    });

    test("one key names one intent, and pruning keeps pending intents", async () => {
      const { journal } = make();
      await journal.record(newIntent("k1"));
      await assert.rejects(journal.record(newIntent("k1")), /one key names one intent/);
      await journal.record(newIntent("k2"));
      await journal.complete("k2", { attempts: 1, status: 201, code: null, response: "{}" });
      assert.equal(await journal.pruneDone(new Date(Date.now() - 60_000)), 0, "too recent");
      assert.equal(await journal.pruneDone(new Date(Date.now() + 1000)), 1);
      assert.deepEqual((await journal.intents()).map((i) => i.key), ["k1"]);
    });

    test("an intent keeps the time it was made", async () => {
      const { journal } = make();
      const at = new Date(Date.now() - 3 * 3600_000).toISOString();
      await journal.record({ ...newIntent("old"), createdAt: at });
      await journal.record(newIntent("new"));
      assert.equal((await journal.intent("old")).createdAt, at);
      assert.ok(Date.now() - Date.parse((await journal.intent("new")).createdAt) < 60_000);
    });
  });
}

test("FileJournal: a line cut short by a crash is skipped, and every later event is a line of its own", async () => {
  const path = join(dir, "torn.jsonl");
  const journal = new FileJournal(path);
  const other = new FileJournal(path); // another process, with the file open already
  await journal.record(newIntent("k1"));
  await other.record(newIntent("k0"));
  appendFileSync(path, '{"t":"record","at":"2026-01-01T00:00:00Z","intent":{"key":"to'); // killed mid-write
  await other.record(newIntent("k2"));
  const reopened = new FileJournal(path);
  assert.deepEqual((await reopened.pending()).map((i) => i.key), ["k1", "k0", "k2"]);
  await reopened.record(newIntent("k3"));
  await reopened.complete("k1", { attempts: 1, status: 201, code: null, response: "{}" });
  assert.deepEqual((await reopened.pending()).map((i) => i.key), ["k0", "k2", "k3"]);
  assert.deepEqual((await other.pending()).map((i) => i.key), ["k0", "k2", "k3"], "the other process sees it all");
  assert.equal(readFileSync(path, "utf8").split("\n").filter((l) => l.startsWith('{"t":"record"')).length, 5);
});

test("FileJournal: two handles on one file (two processes) see each other's intents", async () => {
  const path = join(dir, "shared.jsonl");
  const a = new FileJournal(path);
  const b = new FileJournal(path);
  await a.record(newIntent("from-a"));
  await b.record(newIntent("from-b"));
  await b.complete("from-a", { attempts: 1, status: 201, code: null, response: "{}" });
  assert.deepEqual((await a.pending()).map((i) => i.key), ["from-b"]);
  await assert.rejects(a.record(newIntent("from-b")), /one key names one intent/);
});

test("LocalStorageJournal: journals with different prefixes share one storage without meeting", async () => {
  const storage = new StorageShim();
  const one = new LocalStorageJournal({ storage, prefix: "one" });
  const two = new LocalStorageJournal({ storage, prefix: "two" });
  await one.record(newIntent("k1"));
  await two.record(newIntent("k1"));
  await one.complete("k1", { attempts: 1, status: 201, code: null, response: "{}" });
  assert.equal((await one.intent("k1")).state, "done");
  assert.equal((await two.intent("k1")).state, "pending");
  assert.throws(() => new LocalStorageJournal(), /needs localStorage/);
});

test("the scope names the token without revealing it, as the Rust SDK does", () => {
  const scope = scopeOf("tly_secret");
  const expected = createHash("sha256").update("tally-journal-scope\0tly_secret").digest("hex").slice(0, 16);
  assert.equal(scope, expected);
  assert.notEqual(scope, scopeOf("tly_other"));
  assert.ok(!scope.includes("secret"));
  // The hash itself, over lengths that cross SHA-256's block boundaries.
  for (const n of [0, 1, 55, 56, 63, 64, 65, 200]) {
    const token = "x".repeat(n);
    const want = createHash("sha256").update(`tally-journal-scope\0${token}`).digest("hex").slice(0, 16);
    assert.equal(scopeOf(token), want, `length ${n}`);
  }
});

test("path segments are percent-encoded, and keys are UUID v4", async () => {
  assert.equal(segment("cus_01J"), "cus_01J");
  assert.equal(segment("a/b?c#d e%"), "a%2Fb%3Fc%23d%20e%25");
  assert.equal(segment('"quoted"'), "%22quoted%22");
  assert.equal(segment("é"), "%C3%A9");
  const keys = await Promise.all(Array.from({ length: 100 }, () => uuidV4()));
  assert.equal(new Set(keys).size, 100);
  for (const key of keys) assert.match(key, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test("a body that is not a problem still gives a code", () => {
  const p = problemFromBody(502, "<html>Bad Gateway</html>");
  assert.deepEqual([p.status, p.code, p.detail], [502, "http_502", "<html>Bad Gateway</html>"]);
  const q = problemFromBody(422, '{"type":"/problems/insufficient_points","title":"U","status":422,"detail":"needs 150","code":"insufficient_points"}');
  assert.deepEqual([q.code, q.detail, q.type], ["insufficient_points", "needs 150", "/problems/insufficient_points"]);
});
