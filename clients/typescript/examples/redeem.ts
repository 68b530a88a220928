// The README's example (type-checked by `npm test`, against the built package).
import { TallyClient, TallyError } from "@tally/client";
import { FileJournal } from "@tally/client/node"; // in a browser: new LocalStorageJournal()

const client = new TallyClient({
  baseUrl: "http://127.0.0.1:8080",
  token: process.env.TALLY_TOKEN ?? "",
  journal: new FileJournal("tally-journal.jsonl"), // every write is on disk, with its key, before it is sent
});

// Finish whatever a previous run (or page) left without a final answer (same keys: no doubles).
await client.resume();

try {
  const done = await client.redeem({ customer_id: "cus_…", reward_id: "rwd_…" });
  console.log(`redeemed ${done.value.id} (replayed: ${done.replayed})`);
} catch (e) {
  if (!(e instanceof TallyError)) throw e;
  if (e.code === "insufficient_points") console.log("not enough points");
  else if (e.isPending) console.log(`no answer yet; resume() will finish it: ${e.message}`);
  else throw e;
}
