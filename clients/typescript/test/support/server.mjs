// A real `tally serve` for the tests: a fresh SQLite file or a fresh
// PostgreSQL database (`tally_test_ts_…`, dropped at the end), one program,
// one token, a free port. Results are checked against this server's own API
// and `tally verify`, never against the SDK's bookkeeping.

import { spawn, execFile } from "node:child_process";
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL("../..", import.meta.url));
export const tallyBin = process.env.TALLY_BIN ?? resolve(packageDir, "../../target/debug/tally");
const PG_URL = process.env.TALLY_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432";
const inCI = Boolean(process.env.CI);

/** The backends to run on: `TALLY_TEST_BACKENDS=sqlite,postgres` (the default). */
export function backends() {
  return (process.env.TALLY_TEST_BACKENDS ?? "sqlite,postgres").split(",").map((b) => b.trim()).filter(Boolean);
}

let pgChecked;
/** Whether PostgreSQL answers; under CI its absence is a failure, never a skip. */
export async function postgresAvailable() {
  pgChecked ??= run("psql", [`${PG_URL}/postgres`, "-Atc", "select 1"]).then(
    () => true,
    (error) => {
      if (inCI) throw new Error(`PostgreSQL is required under CI: ${error.message}`);
      return false;
    },
  );
  return pgChecked;
}

/** `{ skip }` for node:test: a reason to skip PostgreSQL when it is absent outside CI. */
export async function skipUnless(backend) {
  if (!existsSync(tallyBin)) {
    throw new Error(`no tally binary at ${tallyBin}: run \`cargo build -p tally\` first (or set TALLY_BIN)`);
  }
  if (backend === "postgres" && !(await postgresAvailable())) return "PostgreSQL is not reachable";
  return false;
}

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Servers still running when the test process ends (a failed test, Ctrl-C) go with it.
const running = new Set();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => process.exit(130));
}

let counter = 0;
const unique = () => `${process.pid}_${Date.now().toString(36)}_${counter++}`;

async function tally(args, databaseUrl) {
  const { stdout } = await run(tallyBin, args, { env: { ...process.env, TALLY_DATABASE_URL: databaseUrl } });
  return stdout.trim();
}

/** Starts a server on `backend` ("sqlite" or "postgres"). Call `stop()` when done. */
export async function startServer(backend) {
  const dir = mkdtempSync(join(tmpdir(), "tally-ts-"));
  let databaseUrl;
  let database;
  if (backend === "sqlite") {
    databaseUrl = join(dir, "tally.db");
  } else if (backend === "postgres") {
    database = `tally_test_ts_${unique()}`;
    await run("psql", [`${PG_URL}/postgres`, "-Atc", `CREATE DATABASE ${database}`]);
    databaseUrl = `${PG_URL}/${database}`;
  } else {
    throw new Error(`unknown backend ${backend}`);
  }
  await tally(["migrate"], databaseUrl);
  const program = await tally(["program", "create", "ts-sdk-test"], databaseUrl);
  const token = await tally(["token", "create", "--program", program], databaseUrl);
  const port = await freePort();
  const logPath = join(dir, "serve.log");
  const log = openSync(logPath, "a");
  const child = spawn(
    tallyBin,
    [
      "serve",
      "--listen",
      `127.0.0.1:${port}`,
      "--maintenance-interval-secs",
      "1",
      "--shutdown-delay-secs",
      "0",
      "--shutdown-grace-secs",
      "2",
      "--pg-max-connections",
      "4",
    ],
    { env: { ...process.env, TALLY_DATABASE_URL: databaseUrl, RUST_LOG: "warn" }, stdio: ["ignore", log, log] },
  );
  closeSync(log);
  running.add(child);
  const exited = new Promise((r) =>
    child.once("exit", (code, signal) => {
      running.delete(child);
      r({ code, signal });
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ready = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    if (ready) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`tally serve did not become ready:\n${readFileSync(logPath, "utf8")}`);
    }
    await sleep(50);
  }
  const server = {
    backend,
    url,
    token,
    dir,
    databaseUrl,
    logPath,
    /** A request straight to the server, outside the SDK. */
    async api(method, path, body, headers = {}) {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
    },
    async get(path) {
      const { status, body } = await server.api("GET", path);
      if (status !== 200) throw new Error(`GET ${path}: ${status} ${JSON.stringify(body)}`);
      return body;
    },
    /** Every item of a list, following the cursor. */
    async all(path) {
      const items = [];
      let after;
      for (;;) {
        const sep = path.includes("?") ? "&" : "?";
        const page = await server.get(`${path}${sep}limit=100${after ? `&starting_after=${after}` : ""}`);
        items.push(...page.data);
        if (!page.has_more) return items;
        after = page.data.at(-1).id;
      }
    },
    /** One SQL statement on the server's database, with the database's own clock. */
    async sql(sqliteStatement, postgresStatement) {
      const { stdout } =
        backend === "sqlite"
          ? await run("sqlite3", ["-cmd", ".timeout 10000", databaseUrl, sqliteStatement])
          : await run("psql", [databaseUrl, "-v", "ON_ERROR_STOP=1", "-Atc", postgresStatement]);
      return stdout.trim();
    },
    /**
     * Moves every stored response past its retention, by the database's clock
     * (what a retry arriving days later meets), and waits until the server's
     * sweeper (every second) has deleted them: the sweep that deletes records
     * also empties the node's in-memory replay cache.
     */
    async expireIdempotencyRecords() {
      await server.sql(
        "UPDATE idempotency_records SET expires_at = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) - 1000",
        "UPDATE idempotency_records SET expires_at = now() - interval '1 second'",
      );
      const deadline = Date.now() + 15_000;
      while ((await server.sql("SELECT count(*) FROM idempotency_records", "SELECT count(*) FROM idempotency_records")) !== "0") {
        if (Date.now() > deadline) throw new Error("the sweeper did not delete the expired records");
        await sleep(100);
      }
      // The cache is emptied right after the delete returns.
      await sleep(300);
    },
    /** `tally verify`: the server's own audit of every balance, lot and key. */
    async verify() {
      return tally(["verify"], databaseUrl);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(timer);
      }
      if (database) {
        // Dropped in the background: a DROP DATABASE waits for a checkpoint,
        // seconds on a busy machine, and nothing here needs it done. (test.sh
        // drops any `tally_test_…` database left over, too.)
        spawn("psql", [`${PG_URL}/postgres`, "-Atc", `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`], {
          detached: true,
          stdio: "ignore",
        }).unref();
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  // No test here is about rate limits; thousands of quick retries must not meet one.
  const patched = await server.api("PATCH", "/api/v1/program", { rate_limit_per_minute: 1_000_000 });
  if (patched.status !== 200) throw new Error(`could not raise the rate limit: ${JSON.stringify(patched)}`);
  return server;
}

/** A customer with `points` earned by a purchase, and a reward costing `cost`, made outside the SDK. */
export async function customerAndReward(server, { points, cost, stock, email = "ada@example.com" }) {
  const customer = (await server.api("POST", "/api/v1/customers", { email })).body;
  const purchase = await server.api(
    "POST",
    "/api/v1/transactions",
    { customer_id: customer.id, spend_amount_cents: points * 100, currency: "EUR" },
    { "idempotency-key": `setup-${customer.id}-${points}-${Math.random()}` },
  );
  if (purchase.status !== 201) throw new Error(`setup purchase: ${JSON.stringify(purchase)}`);
  const reward = (await server.api("POST", "/api/v1/rewards", { name: "Coffee", cost_points: cost, stock })).body;
  return { customer: customer.id, reward: reward.id };
}
