// FileJournal: intents in a file, for Node. Kept out of the main entry point
// (it imports node:fs); import it from `@tally/client/node`.
//
// The file is an append-only log, one JSON event per line: `record` (the
// whole intent), `complete`, `gave_up`, `prune`. Every append is one write(2)
// on a file opened with O_APPEND, followed by fsync, so an intent is on disk
// before its first send — it survives a SIGKILL and a power cut. The state of
// an intent is the fold of its events in file order, which every read does
// afresh, so several processes may share one file (each append lands whole,
// after the others). A line cut short by a crash can only be the last one
// written before it, whose write had not returned — so the intent it held was
// never sent; it is skipped, and the next append starts on a new line.

import { open, readFile, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";

import {
  applyCompletion,
  applyGiveUp,
  duplicateKey,
  isPrunable,
  newIntent,
  nowIso,
  type Completion,
  type GiveUp,
  type Intent,
  type Journal,
  type NewIntent,
} from "./journal.js";

type Event =
  | { t: "record"; at: string; intent: NewIntent }
  | { t: "complete"; at: string; key: string; completion: Completion }
  | { t: "gave_up"; at: string; key: string; giveUp: GiveUp }
  | { t: "prune"; at: string; before: string };

export class FileJournal implements Journal {
  readonly path: string;
  #handle: Promise<FileHandle> | undefined;

  /** The journal at `path`, created (with its directory entry synced) on the first write. */
  constructor(path: string) {
    this.path = path;
  }

  #open(): Promise<FileHandle> {
    this.#handle ??= (async () => {
      let existed = true;
      try {
        const text = await readFile(this.path, "utf8");
        // A line cut short by a crash must not swallow the next event.
        if (text.length > 0 && !text.endsWith("\n")) {
          const repair = await open(this.path, "a");
          await repair.write("\n");
          await repair.sync();
          await repair.close();
        }
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
        existed = false;
      }
      const handle = await open(this.path, "a");
      if (!existed) {
        await handle.sync();
        // The new file's name is durable once its directory is synced.
        try {
          const dir = await open(dirname(this.path), "r");
          await dir.sync().finally(() => dir.close());
        } catch {
          // Not every platform can sync a directory.
        }
      }
      return handle;
    })();
    return this.#handle;
  }

  async #append(event: Event): Promise<void> {
    const handle = await this.#open();
    await handle.write(`${JSON.stringify(event)}\n`);
    await handle.sync();
  }

  /** Every intent, folded from the file as it is now. */
  async #fold(): Promise<Map<string, Intent>> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return new Map();
      throw error;
    }
    const intents = new Map<string, Intent>();
    let seq = 0;
    for (const line of text.split("\n")) {
      if (line.length === 0) continue;
      let event: Event;
      try {
        event = JSON.parse(line) as Event;
      } catch {
        continue; // A line cut short by a crash: its intent was never sent.
      }
      seq++;
      switch (event.t) {
        case "record":
          if (!intents.has(event.intent.key)) intents.set(event.intent.key, newIntent(event.intent, seq, event.at));
          break;
        case "complete": {
          const intent = intents.get(event.key);
          if (intent) applyCompletion(intent, event.completion, event.at);
          break;
        }
        case "gave_up": {
          const intent = intents.get(event.key);
          if (intent) applyGiveUp(intent, event.giveUp, event.at);
          break;
        }
        case "prune": {
          const before = new Date(event.before);
          for (const [key, intent] of intents) if (isPrunable(intent, before)) intents.delete(key);
          break;
        }
      }
    }
    return intents;
  }

  async record(intent: NewIntent): Promise<void> {
    if ((await this.#fold()).has(intent.key)) throw duplicateKey(intent.key);
    await this.#append({ t: "record", at: nowIso(), intent });
  }

  async complete(key: string, completion: Completion): Promise<void> {
    await this.#append({ t: "complete", at: nowIso(), key, completion });
  }

  async gaveUp(key: string, giveUp: GiveUp): Promise<void> {
    await this.#append({ t: "gave_up", at: nowIso(), key, giveUp });
  }

  async intent(key: string): Promise<Intent | undefined> {
    return (await this.#fold()).get(key);
  }

  async pending(): Promise<Intent[]> {
    return (await this.intents()).filter((i) => i.state === "pending");
  }

  async intents(): Promise<Intent[]> {
    return [...(await this.#fold()).values()].sort((a, b) => a.seq - b.seq);
  }

  /**
   * Forgets done intents last updated before `before`. The file only grows;
   * the fold drops them. (Rewrite the file, with nothing else using it, to
   * reclaim the space.)
   */
  async pruneDone(before: Date): Promise<number> {
    const doomed = (await this.intents()).filter((i) => isPrunable(i, before)).length;
    if (doomed > 0) await this.#append({ t: "prune", at: nowIso(), before: before.toISOString() });
    return doomed;
  }

  /** Closes the file (a later write opens it again). */
  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    if (handle) await (await handle).close();
  }
}
