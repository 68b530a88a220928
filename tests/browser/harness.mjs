// Shared by the browser tests and the screenshot script: a real `tally serve
// --demo` on a free port over a fresh database, headless system Chromium, and
// a small client of the API to check what the pages did.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, '..', '..');

/// The `tally` binary: $TALLY_BIN, or the debug build of this checkout.
function tallyBin() {
  const bin = process.env.TALLY_BIN || join(root, 'target', 'debug', 'tally');
  if (!existsSync(bin)) throw new Error(`no tally binary at ${bin}: run 'cargo build -p tally' first`);
  return bin;
}

/// The system Chromium (Debian's `chromium` package); never a downloaded one.
export function chromiumPath() {
  const path = process.env.CHROMIUM || '/usr/bin/chromium';
  if (!existsSync(path)) throw new Error(`no Chromium at ${path}: apt-get install chromium`);
  return path;
}

/// Starts `tally serve --demo` on port 0 and reads what the demo prints.
/// $TALLY_DATABASE_URL picks the database (PostgreSQL); otherwise a new SQLite file.
export async function startServer() {
  const dir = mkdtempSync(join(tmpdir(), 'tally-console-'));
  const database = process.env.TALLY_DATABASE_URL || join(dir, 'tally.db');
  const child = spawn(tallyBin(), ['serve', '--demo', '--listen', '127.0.0.1:0', '--database-url', database], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG || 'warn' },
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  const demo = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`tally serve printed no demo in 60 s:\n${out}\n${err}`)), 60_000);
    child.on('exit', (code) => fail(new Error(`tally serve exited ${code}:\n${out}\n${err}`)));
    child.stdout.on('data', (d) => {
      out += d;
      if (!out.includes('Try a redemption')) return;
      clearTimeout(timer);
      const pick = (re) => (re.exec(out) || [])[1];
      ok({
        consoleUrl: pick(/console:\s+(\S+)/),
        token: pick(/token:\s+(\S+)/),
        customerId: pick(/customer:\s+(\S+)/),
        rewardIds: pick(/rewards:\s+(.+)/).split(',').map((s) => s.trim()),
      });
    });
  });
  const base = new URL(demo.consoleUrl).origin;
  return {
    ...demo,
    base,
    api: apiClient(base, demo.token),
    logs: () => err,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => { if (child.exitCode !== null) r(); else child.on('exit', r); });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function apiClient(base, token) {
  const call = async (method, path, { body, key } = {}) => {
    const headers = { Authorization: `Bearer ${token}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (key) headers['Idempotency-Key'] = key;
    const res = await fetch(`${base}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
  };
  return {
    call,
    async get(path) {
      const res = await call('GET', path);
      if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    },
  };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    // As root (CI, containers) Chromium's sandbox cannot start. The rest keep
    // it off the network: no update checks, no sync, no background fetches.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/// Signs in through the form, as an operator would.
export async function signIn(page, server) {
  await page.goto(server.base + '/');
  await page.getByLabel('Program token').fill(server.token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
}
