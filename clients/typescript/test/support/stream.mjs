// A client process for the crash test. `stream`: a stream of purchases and
// redemptions through a FileJournal, several in flight, printing `done <n>`
// as each gets its answer, until it is killed. `resume`: finish whatever the
// journal holds pending and print the report as JSON.

import { FileJournal, TallyClient, scaledRetry } from "../../dist/node.js";

const [mode, url, token, journalPath, customer, reward, count, width] = process.argv.slice(2);
const client = new TallyClient({
  baseUrl: url,
  token,
  journal: new FileJournal(journalPath),
  retry: scaledRetry(20, { maxRetries: 10, maxDelayMs: 1500 }),
  timeoutMs: 5000,
});

if (mode === "resume") {
  const report = await client.resume();
  process.stdout.write(`${JSON.stringify(report)}\n`);
} else {
  let next = 0;
  let done = 0;
  const one = async (n) => {
    // Every third intent earns 5 points, the others spend 10: the balance
    // runs out, so some redemptions are refused (422 insufficient_points).
    const send =
      n % 3 === 0
        ? client.recordPurchase({ customer_id: customer, spend_amount_cents: 500, currency: "EUR" })
        : client.redeem({ customer_id: customer, reward_id: reward });
    await send.catch((error) => {
      if (error.kind !== "api") throw error;
    });
    process.stdout.write(`done ${++done}\n`);
  };
  await Promise.all(
    Array.from({ length: Number(width) }, async () => {
      while (next < Number(count)) await one(next++);
    }),
  );
  process.stdout.write("finished\n");
}
