// Retakes the console's screenshots in docs/console/ (shown in the README):
//   cargo build -p tally && cd tests/browser && npm ci && npm run screenshots
// A fresh demo server, a little activity through the API so the pages have
// something to show, then one picture per page.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser, root, signIn, startServer } from './harness.mjs';

const out = join(root, 'docs', 'console');
mkdirSync(out, { recursive: true });
const server = await startServer();
const { api } = server;
const key = (k) => `screenshots-${k}`;
try {
  const customers = [server.customerId];
  for (const [email, name] of [['grace@example.com', 'Grace Hopper'], ['alan@example.com', 'Alan Turing']]) {
    customers.push((await api.call('POST', '/customers', { body: { email, name } })).body.id);
  }
  for (let i = 0; i < 12; i += 1) {
    const customer = customers[i % customers.length];
    await api.call('POST', '/transactions', { key: key(`buy-${i}`), body: { customer_id: customer, spend_amount_cents: 1500 + i * 250, currency: 'EUR', external_id: `POS-${1000 + i}` } });
  }
  const voucher = (await api.call('POST', '/rewards', { body: { name: '5 EUR off', cost_points: 50, kind: 'voucher', stock: 100 } })).body;
  await api.call('POST', '/customers/' + server.customerId + '/adjustments', { key: key('goodwill'), body: { points: 50, reason: 'late delivery goodwill' } });
  const coffee = server.rewardIds[0];
  const made = (await api.call('POST', '/redemptions', { key: key('redeem-1'), body: { customer_id: server.customerId, reward_id: coffee } })).body;
  await api.call('POST', '/redemptions', { key: key('redeem-1'), body: { customer_id: server.customerId, reward_id: coffee } });
  await api.call('POST', '/redemptions', { key: key('redeem-2'), body: { customer_id: customers[1], reward_id: voucher.id } });
  await api.call('POST', '/redemptions', { key: key('redeem-3'), body: { customer_id: customers[2], reward_id: coffee } });

  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  await signIn(page, server);
  // Some traffic for the live charts: reads, and a replay.
  const traffic = setInterval(() => {
    api.call('GET', '/customers/' + server.customerId + '/ledger');
    api.call('POST', '/redemptions', { key: key('redeem-1'), body: { customer_id: server.customerId, reward_id: coffee } });
  }, 150);
  await page.waitForTimeout(16_000);
  clearInterval(traffic);
  await page.screenshot({ path: join(out, 'overview.png') });
  const shots = [
    ['customer.png', `#/customers/${server.customerId}`, 'Ada Lovelace'],
    ['rewards.png', '#/rewards', 'Rewards'],
    ['redemptions.png', '#/redemptions', 'Redemptions'],
    ['keys.png', `#/keys/${key('redeem-1')}`, 'Idempotency keys'],
    ['settings.png', '#/settings', 'Program settings'],
  ];
  for (const [file, hash, heading] of shots) {
    await page.goto(server.consoleUrl + hash);
    await page.getByRole('heading', { name: heading }).first().waitFor();
    await page.waitForLoadState('networkidle');
    await page.screenshot({ path: join(out, file), fullPage: true });
  }
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  await signIn(phone, server);
  await phone.goto(`${server.consoleUrl}#/redemptions/${made.coupon_code || ''}`);
  await phone.getByRole('heading', { name: 'Redemptions' }).waitFor();
  await phone.waitForLoadState('networkidle');
  await phone.screenshot({ path: join(out, 'phone-redemptions.png') });
  await browser.close();
  console.log(`screenshots written to ${out}`);
} finally {
  await server.stop();
}
