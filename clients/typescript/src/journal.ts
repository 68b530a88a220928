// The journal of intents: every write is recorded, with its key and its exact
// body, before its first send. From then on its fate does not depend on the
// process (or the page): killed before the send, mid-flight, or after the
// server committed but before the answer arrived, the intent is still
// `pending`, and re-sending it with the same key either runs it (it never
// arrived) or replays the stored answer (it did). Only a final answer, a 2xx
// or a non-retryable 4xx, moves it to `done`.
//
// This module holds what works everywhere: the interface, MemoryJournal and
// LocalStorageJournal (browsers). FileJournal (Node) is in `./file-journal`,
// exported from `@tally/client/node`, so that browser bundles never see `node:fs`.

/** Where an intent stands. */
export type IntentState = "pending" | "done";

/** One journaled write: the request it was recorded as (see `NewIntent`), and its fate since. */
export interface Intent extends Omit<NewIntent, "createdAt"> {
  /** Order of recording: `resume()` re-sends oldest first. */
  seq: number;
  state: IntentState;
  /** Sends recorded so far (the journal is told after each final answer or give-up). */
  attempts: number;
  /** The final (or, while pending, the last) HTTP status. */
  status: number | null;
  /** The problem code of a final refusal. */
  code: string | null;
  /** The body of the final answer. */
  response: string | null;
  /** Why the last round of attempts gave up, while still pending. */
  lastError: string | null;
  /** RFC 3339, by this machine's clock. */
  createdAt: string;
  updatedAt: string;
}

/** A new intent, before its first send. */
export interface NewIntent {
  key: string;
  /** Which credentials the intent belongs to (a hash of the token, never the token). */
  scope: string;
  /** What the write does, e.g. `redemption.create`. */
  operation: string;
  method: string;
  path: string;
  /** The exact body sent (UTF-8 JSON text), so every retry is the same request. */
  body: string;
  /** When the intent was made (RFC 3339); now unless given, e.g. when copying intents between journals. */
  createdAt?: string;
}

/** A final answer for an intent. */
export interface Completion {
  attempts: number;
  status: number;
  code: string | null;
  response: string;
}

/** A round of attempts that ended without a final answer. */
export interface GiveUp {
  attempts: number;
  status: number | null;
  error: string;
}

/**
 * Where intents are kept. Every method's promise resolves once the change is
 * as durable as the journal can make it: `record` must not resolve before the
 * intent would survive what the journal promises to survive, since the first
 * send follows at once.
 */
export interface Journal {
  /** Records an intent as `pending`. Rejects when the key is already recorded. */
  record(intent: NewIntent): Promise<void>;
  /**
   * Marks an intent `done` with its final answer. An answer already recorded
   * is kept, unless it was a refusal and this is a 2xx: with two processes
   * resuming one journal, a 2xx says the effect happened and no later refusal
   * may hide it, while a refusal may have been overtaken by a later success.
   */
  complete(key: string, completion: Completion): Promise<void>;
  /** Notes a round of attempts that gave up; the intent stays `pending`. */
  gaveUp(key: string, giveUp: GiveUp): Promise<void>;
  /** One intent by key. */
  intent(key: string): Promise<Intent | undefined>;
  /** Every pending intent, oldest first. */
  pending(): Promise<Intent[]>;
  /** Every intent, oldest first. */
  intents(): Promise<Intent[]>;
  /** Deletes `done` intents last updated before `before`; never a pending one. How many went. */
  pruneDone(before: Date): Promise<number>;
}

export const nowIso = (): string => new Date().toISOString();

const isSuccess = (status: number | null) => status !== null && status >= 200 && status <= 299;

// The state changes, shared by every journal so that they all fold alike.

export function newIntent(intent: NewIntent, seq: number, at: string): Intent {
  return {
    seq,
    key: intent.key,
    scope: intent.scope,
    operation: intent.operation,
    method: intent.method,
    path: intent.path,
    body: intent.body,
    state: "pending",
    attempts: 0,
    status: null,
    code: null,
    response: null,
    lastError: null,
    createdAt: intent.createdAt ?? at,
    updatedAt: at,
  };
}

/** Applies a completion; `false` when the intent keeps the answer it has. */
export function applyCompletion(intent: Intent, completion: Completion, at: string): boolean {
  const overtakes = intent.state === "pending" || (isSuccess(completion.status) && !isSuccess(intent.status));
  if (!overtakes) return false;
  intent.state = "done";
  intent.attempts += completion.attempts;
  intent.status = completion.status;
  intent.code = completion.code;
  intent.response = completion.response;
  intent.lastError = null;
  intent.updatedAt = at;
  return true;
}

/** Applies a give-up; a finished intent is never reopened. */
export function applyGiveUp(intent: Intent, giveUp: GiveUp, at: string): boolean {
  if (intent.state !== "pending") return false;
  intent.attempts += giveUp.attempts;
  intent.status = giveUp.status;
  intent.lastError = giveUp.error;
  intent.updatedAt = at;
  return true;
}

export function isPrunable(intent: Intent, before: Date): boolean {
  return intent.state === "done" && Date.parse(intent.updatedAt) < before.getTime();
}

export function duplicateKey(key: string): Error {
  return new Error(`the journal already holds an intent with key ${key}: one key names one intent`);
}

const bySeq = (a: Intent, b: Intent) => a.seq - b.seq;

/**
 * Intents in memory: a key for every retry of an intent, and `resume()` within
 * the process — but a crash or a reload forgets them. For tests, and for
 * callers that journal elsewhere.
 */
export class MemoryJournal implements Journal {
  readonly #intents = new Map<string, Intent>();
  #seq = 0;

  async record(intent: NewIntent): Promise<void> {
    if (this.#intents.has(intent.key)) throw duplicateKey(intent.key);
    this.#intents.set(intent.key, newIntent(intent, ++this.#seq, nowIso()));
  }

  async complete(key: string, completion: Completion): Promise<void> {
    const intent = this.#intents.get(key);
    if (intent) applyCompletion(intent, completion, nowIso());
  }

  async gaveUp(key: string, giveUp: GiveUp): Promise<void> {
    const intent = this.#intents.get(key);
    if (intent) applyGiveUp(intent, giveUp, nowIso());
  }

  async intent(key: string): Promise<Intent | undefined> {
    const intent = this.#intents.get(key);
    return intent && { ...intent };
  }

  async pending(): Promise<Intent[]> {
    return (await this.intents()).filter((i) => i.state === "pending");
  }

  async intents(): Promise<Intent[]> {
    return [...this.#intents.values()].map((i) => ({ ...i })).sort(bySeq);
  }

  async pruneDone(before: Date): Promise<number> {
    let pruned = 0;
    for (const [key, intent] of this.#intents) {
      if (isPrunable(intent, before)) {
        this.#intents.delete(key);
        pruned++;
      }
    }
    return pruned;
  }
}

/** The part of the Web Storage API the journal uses (`window.localStorage` has it). */
export interface StorageLike {
  readonly length: number;
  key(index: number): string | null;
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface LocalStorageJournalOptions {
  /** Default `globalThis.localStorage`. */
  storage?: StorageLike;
  /** Prefix of the journal's items, so that several journals can share one origin. Default `tally-journal`. */
  prefix?: string;
}

/**
 * Intents in the browser's `localStorage`: they survive a page reload, a
 * closed tab and a browser restart. `setItem` is synchronous and has stored
 * the item when it returns, so an intent is kept before its first send.
 * Each intent is one item (`<prefix>/intent/<key>`); tabs of one origin share
 * the journal. `localStorage` holds a few MiB per origin: `pruneDone` keeps it small.
 */
export class LocalStorageJournal implements Journal {
  readonly #storage: StorageLike;
  readonly #prefix: string;

  constructor(options: LocalStorageJournalOptions = {}) {
    const storage = options.storage ?? (globalThis as { localStorage?: StorageLike }).localStorage;
    if (!storage) throw new Error("LocalStorageJournal needs localStorage (a browser), or options.storage");
    this.#storage = storage;
    this.#prefix = `${options.prefix ?? "tally-journal"}/`;
  }

  #itemKey(key: string) {
    return `${this.#prefix}intent/${key}`;
  }

  #read(key: string): Intent | undefined {
    const text = this.#storage.getItem(this.#itemKey(key));
    return text === null ? undefined : (JSON.parse(text) as Intent);
  }

  #write(intent: Intent) {
    this.#storage.setItem(this.#itemKey(intent.key), JSON.stringify(intent));
  }

  #nextSeq(): number {
    const name = `${this.#prefix}seq`;
    const seq = Number(this.#storage.getItem(name) ?? "0") + 1;
    this.#storage.setItem(name, String(seq));
    return seq;
  }

  async record(intent: NewIntent): Promise<void> {
    if (this.#read(intent.key)) throw duplicateKey(intent.key);
    this.#write(newIntent(intent, this.#nextSeq(), nowIso()));
  }

  async complete(key: string, completion: Completion): Promise<void> {
    const intent = this.#read(key);
    if (intent && applyCompletion(intent, completion, nowIso())) this.#write(intent);
  }

  async gaveUp(key: string, giveUp: GiveUp): Promise<void> {
    const intent = this.#read(key);
    if (intent && applyGiveUp(intent, giveUp, nowIso())) this.#write(intent);
  }

  async intent(key: string): Promise<Intent | undefined> {
    return this.#read(key);
  }

  async pending(): Promise<Intent[]> {
    return (await this.intents()).filter((i) => i.state === "pending");
  }

  async intents(): Promise<Intent[]> {
    const found: Intent[] = [];
    const itemPrefix = `${this.#prefix}intent/`;
    for (let i = 0; i < this.#storage.length; i++) {
      const name = this.#storage.key(i);
      if (name === null || !name.startsWith(itemPrefix)) continue;
      const text = this.#storage.getItem(name);
      if (text !== null) found.push(JSON.parse(text) as Intent);
    }
    return found.sort(bySeq);
  }

  async pruneDone(before: Date): Promise<number> {
    const doomed = (await this.intents()).filter((i) => isPrunable(i, before));
    for (const intent of doomed) this.#storage.removeItem(this.#itemKey(intent.key));
    return doomed.length;
  }
}
