// The console in a real browser: headless system Chromium against a real
// `tally serve --demo` over a fresh database. Every action is checked through
// the API afterwards, not only on the page.
//
//   cargo build -p tally && cd tests/browser && npm ci && npm test
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, signIn, startServer } from './harness.mjs';

let server;
let browser;
let context;
let page;
const pageErrors = [];
const requested = []; // every URL the signed-in pages asked for
let redeemed; // the redemption the double-click test made, fulfilled and looked up after it

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  context.on('request', (r) => requested.push(r.url()));
  page.setDefaultTimeout(15_000);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  assert.deepEqual(pageErrors, [], 'no script error on any page');
});

const journal = () => page.evaluate(() => JSON.parse(localStorage.getItem('tally.console.intents') || '{}'));
const status = () => page.locator('#status');

test('a bad token is refused with the server\'s problem detail and code', async () => {
  const other = await browser.newPage();
  await other.goto(server.base + '/');
  assert.equal(new URL(other.url()).pathname, '/console', 'GET / redirects to the console');
  // Keyboard only: the token field has focus, Enter submits.
  await other.keyboard.type('tly_not_a_real_token');
  await other.keyboard.press('Enter');
  const alert = other.getByRole('alert');
  await alert.waitFor();
  const text = await alert.textContent();
  assert.match(text, /401/);
  assert.match(text, /the token is not valid/);
  assert.match(text, /code: unauthorized/);
  assert.equal(await other.evaluate(() => sessionStorage.getItem('tally.console.token')), null, 'a refused token is not kept');
  assert.doesNotMatch(other.url(), /tly_/, 'the token never appears in a URL');
  await other.close();
});

test('sign in: the overview shows the program\'s numbers and this node\'s live metrics', async () => {
  await signIn(page, server);
  assert.doesNotMatch(page.url(), /tly_/);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('tally.console.token')), server.token);
  assert.equal(await page.evaluate(() => localStorage.getItem('tally.console.token')), null, 'the token is in sessionStorage only');
  const stats = await server.api.get('/stats');
  const card = (name) => page.locator(`[data-stat="${name}"] .n`).textContent();
  assert.equal(await card('customers'), stats.customers.toLocaleString('en'));
  assert.equal(await card('points_outstanding'), stats.points_outstanding.toLocaleString('en'));
  assert.equal(await card('purchases_today'), stats.purchases_today.toLocaleString('en'));
  await page.locator('#live-summary').filter({ hasText: 'requests/s' }).waitFor({ timeout: 20_000 });
});

test('find a customer by e-mail, by id; adjust points and see the ledger change', async () => {
  await page.getByRole('link', { name: 'Customers' }).click();
  await page.getByLabel('E-mail, phone or customer id').fill('ADA@example.com');
  await page.getByRole('button', { name: 'Find', exact: true }).click();
  await page.getByRole('heading', { name: 'Ada Lovelace' }).waitFor();
  assert.ok(page.url().endsWith(`#/customers/${server.customerId}`));
  const before = await server.api.get(`/customers/${server.customerId}/balance`);
  assert.equal(await page.locator('[data-balance="available"] .n').textContent(), before.available.toLocaleString('en'));

  await page.getByLabel('Points (negative to take away)').fill('25');
  await page.getByLabel('Reason').fill('late delivery goodwill');
  await page.getByRole('button', { name: 'Adjust points' }).click();
  await status().filter({ hasText: /Adjust .* by 25 \(late delivery goodwill\): done \(201/ }).waitFor();
  const row = page.locator('#ledger tbody tr').first();
  await row.filter({ hasText: 'late delivery goodwill' }).waitFor();
  assert.match(await row.textContent(), /adjustment/);
  assert.match(await row.textContent(), /\+25/);

  const after = await server.api.get(`/customers/${server.customerId}/balance`);
  assert.equal(after.available, before.available + 25);
  const ledger = await server.api.get(`/customers/${server.customerId}/ledger?limit=5`);
  assert.equal(ledger.data[0].operation, 'adjustment');
  assert.equal(ledger.data[0].points, 25);
  assert.equal(ledger.data[0].reason, 'late delivery goodwill');
  assert.ok(ledger.data[0].token_id, 'the entry names the token that made it');
  assert.match(await row.textContent(), new RegExp(ledger.data[0].token_id));
  await page.locator('[data-balance="available"] .n').filter({ hasText: after.available.toLocaleString('en') }).waitFor();
  assert.deepEqual(await journal(), {}, 'a final answer clears the intent');

  // By id, through the same search box.
  await page.getByRole('link', { name: 'Customers' }).click();
  await page.getByLabel('E-mail, phone or customer id').fill(server.customerId);
  await page.getByRole('button', { name: 'Find', exact: true }).click();
  await page.getByRole('heading', { name: 'Ada Lovelace' }).waitFor();
});

test('a 422 is shown with the server\'s detail and code, and changes nothing', async () => {
  const before = await server.api.get(`/customers/${server.customerId}/balance`);
  await page.getByLabel('Points (negative to take away)').fill('-1000000');
  await page.getByLabel('Reason').fill('typo');
  await page.getByRole('button', { name: 'Adjust points' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  const text = await alert.textContent();
  assert.match(text, /422/);
  assert.match(text, /the customer has fewer than 1000000 points/);
  assert.match(text, /code: insufficient_points/);
  const after = await server.api.get(`/customers/${server.customerId}/balance`);
  assert.equal(after.available, before.available);
  assert.deepEqual(await journal(), {}, 'a refusal is a final answer too');
});

test('redeem with a double click and a reload in between: exactly one redemption', async () => {
  const free = (await server.api.get('/rewards')).data.find((r) => r.name === 'Free coffee');
  assert.ok(free && server.rewardIds.includes(free.id), 'the demo made it');
  const balanceBefore = (await server.api.get(`/customers/${server.customerId}/balance`)).available;
  const redemptionsBefore = (await server.api.get(`/customers/${server.customerId}/redemptions?limit=100`)).data.length;

  const sentKeys = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/v1/redemptions') sentKeys.push(r.headers()['idempotency-key']);
  });
  // The first send reaches the server, which commits it, but its answer is
  // lost on the way back: the page never hears it.
  let committed;
  const committedStatus = new Promise((resolve) => { committed = resolve; });
  const pattern = '**/api/v1/redemptions';
  let swallow = true;
  await page.route(pattern, async (route) => {
    if (route.request().method() !== 'POST' || !swallow) return route.continue();
    swallow = false;
    const response = await route.fetch();
    committed(response.status());
    await new Promise(() => {}); // never answered: the page is reloaded meanwhile
  });

  await page.getByLabel('Reward').selectOption(free.id);
  await page.getByRole('button', { name: 'Redeem', exact: true }).dblclick();
  assert.equal(await committedStatus, 201, 'the server made the redemption');
  await page.getByText('Sent — waiting for the answer').first().waitFor();
  assert.equal(await page.getByRole('button', { name: 'Redeem', exact: true }).isDisabled(), true, 'no second send is offered');
  assert.equal(sentKeys.length, 1, 'a double click sends one request');
  const pending = Object.values(await journal());
  assert.equal(pending.length, 1, 'the intent is journaled until its answer arrives');
  assert.equal(pending[0].key, sentKeys[0]);

  await page.reload();
  // After the reload the console finishes the pending intent with its own key.
  await status().filter({ hasText: 'replayed' }).waitFor().catch(async (e) => {
    const seen = { status: await status().textContent(), pending: await page.locator('#pending').textContent(), journal: await journal(), sentKeys };
    throw new Error(`${e.message}\n${JSON.stringify(seen, null, 2)}`);
  });
  await page.locator('#pending').waitFor({ state: 'hidden' });
  assert.deepEqual(await journal(), {});
  assert.equal(sentKeys.length, 2);
  assert.equal(sentKeys[1], sentKeys[0], 'the retry reuses the key');
  await page.unrouteAll({ behavior: 'ignoreErrors' });

  const redemptions = (await server.api.get(`/customers/${server.customerId}/redemptions?limit=100`)).data;
  assert.equal(redemptions.length, redemptionsBefore + 1, 'exactly one redemption');
  assert.equal(redemptions[0].reward_id, free.id);
  assert.equal(redemptions[0].status, 'pending');
  const balanceAfter = (await server.api.get(`/customers/${server.customerId}/balance`)).available;
  assert.equal(balanceAfter, balanceBefore - free.cost_points, 'points were debited once');
  const record = await server.api.get(`/idempotency-keys/${encodeURIComponent(sentKeys[0])}`);
  assert.equal(record.resource_id, redemptions[0].id);
  redeemed = { id: redemptions[0].id, key: sentKeys[0] };
});

test('a lost connection: the page retries with the same key, and the adjustment happens once', async () => {
  const path = `/api/v1/customers/${server.customerId}/adjustments`;
  const entriesBefore = (await server.api.get(`/customers/${server.customerId}/ledger?limit=100`)).data.length;
  const balanceBefore = (await server.api.get(`/customers/${server.customerId}/balance`)).available;
  const keys = [];
  let first = true;
  await page.route(`**${path}`, async (route) => {
    keys.push(route.request().headers()['idempotency-key']);
    if (!first) return route.continue();
    first = false;
    await route.fetch(); // the server commits it...
    await route.abort('connectionreset'); // ...and the connection drops before the answer
  });
  await page.getByLabel('Points (negative to take away)').fill('7');
  await page.getByLabel('Reason').fill('connection test');
  await page.getByRole('button', { name: 'Adjust points' }).click();
  await status().filter({ hasText: /connection test\): done \(201, replayed/ }).waitFor();
  await page.unrouteAll({ behavior: 'ignoreErrors' });
  assert.equal(keys.length, 2, 'one retry');
  assert.equal(keys[1], keys[0], 'with the same key');
  const ledger = (await server.api.get(`/customers/${server.customerId}/ledger?limit=100`)).data;
  assert.equal(ledger.length, entriesBefore + 1, 'one adjustment');
  assert.equal(ledger.filter((e) => e.reason === 'connection test').length, 1);
  assert.equal((await server.api.get(`/customers/${server.customerId}/balance`)).available, balanceBefore + 7);
  assert.deepEqual(await journal(), {});
});

test('fulfil it from the pending queue', async () => {
  const { id } = redeemed;
  const queue = await server.api.get('/redemptions?status=pending');
  assert.ok(queue.data.some((r) => r.id === id));
  await page.getByRole('link', { name: 'Redemptions' }).click();
  const row = page.locator(`tr[data-redemption="${id}"]`);
  await row.waitFor();
  await row.getByRole('button', { name: 'Fulfil' }).click();
  await status().filter({ hasText: `Fulfil ${id}: done (200` }).waitFor();
  await row.waitFor({ state: 'detached' });
  const redemption = await server.api.get(`/redemptions/${id}`);
  assert.equal(redemption.status, 'fulfilled');
  assert.ok(!(await server.api.get('/redemptions?status=pending')).data.some((r) => r.id === id));
});

test('look up its key: what the server stored, as the API answers it', async () => {
  const { id, key } = redeemed;
  await page.getByRole('link', { name: 'Idempotency keys' }).click();
  await page.getByLabel('Key').fill(key);
  await page.getByRole('button', { name: 'Look up' }).click();
  const info = page.locator('dl[data-key-state]');
  await info.waitFor();
  const api = await server.api.get(`/idempotency-keys/${encodeURIComponent(key)}`);
  assert.equal(await info.getAttribute('data-key-state'), api.state);
  const text = await info.textContent();
  assert.match(text, new RegExp(id));
  assert.match(text, /POST \/api\/v1\/redemptions/);
  assert.match(text, new RegExp(String(api.status)));
  assert.equal(api.status, 201);
  await page.locator('#key-resource').filter({ hasText: '"fulfilled"' }).waitFor();

  await page.getByLabel('Key').fill('never-sent-key');
  await page.getByRole('button', { name: 'Look up' }).click();
  await page.getByRole('alert').filter({ hasText: 'idempotency_key_not_found' }).waitFor();
});

test('a voucher\'s coupon is looked up and redeemed once at the till', async () => {
  const voucher = await server.api.call('POST', '/rewards', { body: { name: '5 EUR off', cost_points: 10, kind: 'voucher' } });
  assert.equal(voucher.status, 201);
  const made = await server.api.call('POST', '/redemptions', { key: `browser-voucher-${Date.now()}`, body: { customer_id: server.customerId, reward_id: voucher.body.id } });
  assert.equal(made.status, 201);
  const code = made.body.coupon_code;
  await page.getByRole('link', { name: 'Redemptions' }).click();
  await page.getByLabel('Coupon code').fill(code.toLowerCase());
  await page.getByRole('button', { name: 'Look up' }).click();
  await page.locator('[data-coupon-status="active"]').waitFor();
  await page.getByRole('button', { name: 'Redeem at the till' }).click();
  await page.locator('[data-coupon-status="redeemed"]').waitFor();
  assert.equal((await server.api.get(`/coupons/${code}`)).status, 'redeemed');
  assert.equal((await server.api.get(`/redemptions/${made.body.id}`)).status, 'fulfilled');
});

test('rewards: create one, then edit its cost, stock and active flag', async () => {
  await page.getByRole('link', { name: 'Rewards' }).click();
  const form = page.locator('#reward-create');
  await form.getByLabel('Name').fill('Muffin');
  await form.getByLabel('Cost, points').fill('120');
  await form.getByLabel('Stock (empty: unlimited)').fill('10');
  await form.getByRole('button', { name: 'Create reward' }).click();
  await status().filter({ hasText: 'Create reward Muffin: done (201' }).waitFor();
  const muffin = (await server.api.get('/rewards?limit=100')).data.find((r) => r.name === 'Muffin');
  assert.ok(muffin);
  assert.equal(muffin.cost_points, 120);
  assert.equal(muffin.stock, 10);
  assert.equal(muffin.active, true);

  const row = page.locator(`tr[data-reward="${muffin.id}"]`);
  await row.locator('[data-stock="10"]').waitFor();
  await row.getByLabel('Cost of Muffin').fill('130');
  await row.getByLabel('Stock of Muffin (empty: unlimited)').fill('9');
  await row.getByLabel('Muffin active').uncheck();
  await row.getByRole('button', { name: 'Save' }).click();
  await status().filter({ hasText: 'Edit Muffin: done (200' }).waitFor();
  const edited = await server.api.get(`/rewards/${muffin.id}`);
  assert.equal(edited.cost_points, 130);
  assert.equal(edited.stock, 9);
  assert.equal(edited.active, false);

  // The server's own 422, next to the field it names.
  await page.locator(`tr[data-reward="${muffin.id}"] [data-stock="9"]`).waitFor();
  const again = page.locator(`tr[data-reward="${muffin.id}"]`);
  await again.getByLabel('Cost of Muffin').fill('-5');
  await again.getByRole('button', { name: 'Save' }).click();
  await again.getByRole('alert').filter({ hasText: 'cost_points: must be zero or more' }).waitFor();
  assert.equal(await again.getByLabel('Cost of Muffin').getAttribute('aria-invalid'), 'true');
  assert.equal((await server.api.get(`/rewards/${muffin.id}`)).cost_points, 130);
});

test('void part of a purchase from the ledger', async () => {
  await page.goto(`${server.consoleUrl}#/customers/${server.customerId}`);
  await page.getByRole('heading', { name: 'Ada Lovelace' }).waitFor();
  const ledger = await server.api.get(`/customers/${server.customerId}/ledger?limit=100`);
  const earn = ledger.data.find((e) => e.operation === 'earn');
  await page.locator(`tr[data-entry="${earn.id}"]`).getByRole('button', { name: 'void…' }).click();
  assert.equal(await page.getByLabel('Purchase (transaction id)').inputValue(), earn.transaction_id);
  await page.getByLabel('Amount to void, cents (empty: all that is left)').fill('10000');
  await page.getByRole('button', { name: 'Void purchase' }).click();
  await status().filter({ hasText: `Void 10000 cents of ${earn.transaction_id}: done (200` }).waitFor();
  const txn = await server.api.get(`/transactions/${earn.transaction_id}`);
  assert.equal(txn.status, 'partially_voided');
  assert.equal(txn.voided_amount_cents, 10000);
  await page.locator('#ledger tbody tr').first().filter({ hasText: 'void' }).waitFor();
});

test('program settings: the server\'s validation message, then a saved change', async () => {
  await page.getByRole('link', { name: 'Settings' }).click();
  const hours = page.getByLabel('Idempotency retention, hours');
  await hours.fill('0');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.getByRole('alert').filter({ hasText: 'code: invalid_field' }).waitFor();
  const problem = await server.api.call('PATCH', '/program', { body: { idempotency_retention_hours: 0 } });
  assert.equal(problem.status, 422);
  assert.equal(await page.locator('[data-field="idempotency_retention_hours"] .field-error').textContent(), problem.body.detail);
  assert.equal(await hours.getAttribute('aria-invalid'), 'true');

  await hours.fill('48');
  await page.getByLabel('Points per currency unit').fill('2');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await status().filter({ hasText: /Change settings .*: done \(200/ }).waitFor();
  const program = await server.api.get('/program');
  assert.equal(program.idempotency_retention_hours, 48);
  assert.equal(program.points_per_currency_unit, 2);
});

test('on a phone: the customer page fits the screen and its controls are large enough to tap', async () => {
  const phone = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });
  const p = await phone.newPage();
  await signIn(p, server);
  await p.goto(`${server.consoleUrl}#/customers/${server.customerId}`);
  await p.getByRole('heading', { name: 'Ada Lovelace' }).waitFor();
  const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
  const small = await p.evaluate(() => [...document.querySelectorAll('main button:not(.link), main input:not([type=checkbox]), main select')]
    .filter((el) => el.getBoundingClientRect().height < 44).map((el) => el.outerHTML.slice(0, 80)));
  assert.deepEqual(small, []);
  const unlabelled = await p.evaluate(() => [...document.querySelectorAll('input, select')]
    .filter((el) => !el.labels || el.labels.length === 0).map((el) => el.outerHTML.slice(0, 80)));
  assert.deepEqual(unlabelled, [], 'every control has a label');
  await phone.close();
});

test('every request the pages made went to this server, and none carried the token in its URL', () => {
  assert.ok(requested.length > 50, `${requested.length} requests seen`);
  assert.deepEqual(requested.filter((u) => !u.startsWith(`${server.base}/`)), [], 'nothing from another origin');
  assert.deepEqual(requested.filter((u) => u.includes('tly_')), [], 'the token is never in a URL');
});
