// FileJournal: intents in a file, for Node. Kept out of the main entry point
// (it imports node:fs); import it from `@tally/client/node`.
//
// The file is an append-only log, one JSON event per line: `record` (the
// whole intent), `complete`, `gave_up`, `prune`. Every append is one write(2)
// on a file opened with O_APPEND, followed by fsync, so an intent is on disk
// before its first send — it survives a SIGKILL and a power cut. The state of
// an intent is the fold of its events in file order, which every read does
// (incrementally: what was appended since), so several processes may share
// one file (each append lands whole, after the others). A line cut short by a
// crash can only be the last one written before it, whose write had not
// returned — so the intent it held was never sent; it is skipped, and since
// every append starts with a newline, the next event (from any process) is a
// line of its own.

import { open, type FileHandle } from "node:fs/promises";
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
  #synced = false;

  /** The journal at `path`; the file is created (and its directory entry synced) on the first write. */
  constructor(path: string) {
    this.path = path;
  }

  /**
   * Appends one event and syncs it. The file is opened for each append and
   * closed after it, so a FileJournal holds no file open between calls and
   * needs no closing.
   */
  async #append(event: Event): Promise<void> {
    const handle = await open(this.path, "a");
    try {
      // A newline first as well: whatever a crashed writer left unfinished is
      // ended here, and this event stays a line of its own.
      await handle.write(`\n${JSON.stringify(event)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (!this.#synced) {
      // The file's name is durable once its directory is synced (once per journal is enough).
      try {
        const dir = await open(dirname(this.path), "r");
        await dir.sync().finally(() => dir.close());
      } catch {
        // Not every platform can sync a directory.
      }
      this.#synced = true;
    }
  }

  /** The intents folded so far, the bytes of the file they came from, and the events counted. */
  #state = new Map<string, Intent>();
  #offset = 0;
  #seq = 0;
  #refreshing: Promise<void> | undefined;

  /**
   * Every intent, as the file says now. Only what was appended since the last
   * read is read and folded (every process only appends), so a read costs
   * what is new, not the whole file.
   */
  async #fold(): Promise<Map<string, Intent>> {
    // One refresh at a time: concurrent callers share it, then look again.
    while (this.#refreshing) await this.#refreshing;
    this.#refreshing = this.#refresh();
    try {
      await this.#refreshing;
    } finally {
      this.#refreshing = undefined;
    }
    return this.#state;
  }

  async #refresh(): Promise<void> {
    let handle: FileHandle;
    try {
      handle = await open(this.path, "r");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    try {
      const { size } = await handle.stat();
      if (size <= this.#offset) return;
      const bytes = Buffer.alloc(size - this.#offset);
      let read = 0;
      while (read < bytes.length) {
        const { bytesRead } = await handle.read(bytes, read, bytes.length - read, this.#offset + read);
        if (bytesRead === 0) break;
        read += bytesRead;
      }
      // Only whole lines: a line without its newline yet is left for later.
      const end = bytes.subarray(0, read).lastIndexOf(0x0a);
      if (end < 0) return;
      this.#offset += end + 1;
      for (const line of bytes.subarray(0, end).toString("utf8").split("\n")) this.#apply(line);
    } finally {
      await handle.close();
    }
  }

  #apply(line: string): void {
    if (line.length === 0) return;
    let event: Event;
    try {
      event = JSON.parse(line) as Event;
    } catch {
      return; // A line cut short by a crash: its intent was never sent.
    }
    const seq = ++this.#seq;
    const intents = this.#state;
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
    const intent = (await this.#fold()).get(key);
    return intent && { ...intent };
  }

  async pending(): Promise<Intent[]> {
    return (await this.intents()).filter((i) => i.state === "pending");
  }

  async intents(): Promise<Intent[]> {
    return [...(await this.#fold()).values()].map((i) => ({ ...i })).sort((a, b) => a.seq - b.seq);
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
}
