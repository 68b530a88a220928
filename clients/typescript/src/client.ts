// The client: sending with retries, journaling writes, and resume().
// It mirrors the Rust SDK (crates/tally-client/src/client.rs) rule for rule.

import { TallyError, describeFailure, problemFromBody, type Failure, type Problem } from "./errors.js";
import type { Intent, Journal } from "./journal.js";
import { DEFAULT_RETRY, nextDelay, parseRetryAfter, verdict, type RetryPolicy } from "./retry.js";
import { hex, sha256 } from "./sha256.js";
import type {
  Balance,
  Coupon,
  Customer,
  CustomerFilter,
  KeyInfo,
  LedgerEntry,
  NewAdjustment,
  NewCustomer,
  NewRedemption,
  NewReward,
  NewTransaction,
  Page,
  PageParams,
  Program,
  ProgramPatch,
  Redemption,
  RedemptionStatus,
  Reward,
  RewardPatch,
  Stats,
  TierChange,
  Transaction,
  V2Redeem,
  V2Redemption,
  V2RedemptionList,
  VoidTransaction,
  Written,
} from "./types.js";

/**
 * A write, ready to be sent: what it does, where, and the exact body.
 * `T` is the type of a successful answer. Made by the functions of {@link ops}.
 */
export interface WriteRequest<T> {
  /** A stable name for the journal, e.g. `redemption.create`. */
  operation: string;
  method: "POST" | "PATCH";
  path: string;
  /** The JSON text sent, byte for byte the same on every attempt. */
  body: string;
  /** Carries the answer type only. */
  readonly answer?: T;
}

/** A path segment, percent-encoded (keys and coupon codes may hold `/`, `?`, `#`). */
export function segment(raw: string): string {
  let out = "";
  for (const byte of new TextEncoder().encode(raw)) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

function write<T>(operation: string, method: "POST" | "PATCH", path: string, body: unknown): WriteRequest<T> {
  return { operation, method, path, body: JSON.stringify(body) };
}

/** The writes of the API, as requests ready to send (see {@link TallyClient.submitWithKey}). */
export const ops = {
  upsertCustomer: (body: NewCustomer) => write<Customer>("customer.upsert", "POST", "/api/v1/customers", body),
  /** Its answer is the adjustment's ledger entry (201). */
  adjustPoints: (customerId: string, body: NewAdjustment) =>
    write<LedgerEntry>("customer.adjust", "POST", `/api/v1/customers/${segment(customerId)}/adjustments`, body),
  recordPurchase: (body: NewTransaction) =>
    write<Transaction>("transaction.create", "POST", "/api/v1/transactions", body),
  /** Its answer is the purchase as the void left it (200). */
  voidTransaction: (transactionId: string, body: VoidTransaction = {}) =>
    write<Transaction>("transaction.void", "POST", `/api/v1/transactions/${segment(transactionId)}/void`, body),
  createReward: (body: NewReward) => write<Reward>("reward.create", "POST", "/api/v1/rewards", body),
  updateReward: (rewardId: string, body: RewardPatch) =>
    write<Reward>("reward.update", "PATCH", `/api/v1/rewards/${segment(rewardId)}`, body),
  redeem: (body: NewRedemption) => write<Redemption>("redemption.create", "POST", "/api/v1/redemptions", body),
  fulfilRedemption: (redemptionId: string) =>
    write<Redemption>("redemption.fulfil", "POST", `/api/v1/redemptions/${segment(redemptionId)}/fulfil`, {}),
  cancelRedemption: (redemptionId: string) =>
    write<Redemption>("redemption.cancel", "POST", `/api/v1/redemptions/${segment(redemptionId)}/cancel`, {}),
  /** Its answer is the coupon, now `redeemed` (200). */
  redeemCoupon: (code: string) => write<Coupon>("coupon.redeem", "POST", `/api/v1/coupons/${segment(code)}/redeem`, {}),
  updateProgram: (body: ProgramPatch) => write<Program>("program.update", "PATCH", "/api/v1/program", body),
  /** The v2 compatibility shape of `redeem`, with the same idempotency contract. */
  redeemV2: (body: V2Redeem) =>
    write<V2Redemption>("redemption.create_v2", "POST", "/api/v2/loyalty/rewards/redeem", body),
} as const;

/**
 * Whether the server recognises this operation's key for good, after its
 * stored response expired (docs/idempotency.md, "Retention"): purchases,
 * redemptions (v1 and v2), adjustments and keyed voids keep their key on the
 * resource or its ledger entry; fulfil, cancel and a coupon's use keep it on
 * the row they change. A re-send of these replays.
 *
 * Everything else (creating a reward, upserting a customer, patching a reward
 * or the program, any operation this SDK does not know) is re-sent by
 * `resume()` only while the server still holds the key's record.
 */
export function survivesRetention(operation: string): boolean {
  return SURVIVES_RETENTION.has(operation);
}

const SURVIVES_RETENTION = new Set([
  "customer.adjust",
  "transaction.create",
  "transaction.void",
  "redemption.create",
  "redemption.create_v2",
  "redemption.fulfil",
  "redemption.cancel",
  "coupon.redeem",
]);

/** The shortest retention a program can set (hours): any record lives at least this long. */
export const MIN_RETENTION_HOURS = 1;
/**
 * How long a key's record must still have to live for a re-send to count on
 * it: the client's clock is not the database's, so stay clear of the edge.
 */
export const EXPIRY_MARGIN_MS = 10 * 60 * 1000;
const HOUR_MS = 3600 * 1000;

/** What `resume()` did with one pending intent. */
export type ResumeOutcome =
  /** A 2xx; `replayed` when an earlier attempt had already taken effect. */
  | { kind: "succeeded"; status: number; replayed: boolean }
  /** A final refusal (e.g. 422 `insufficient_points`); the intent is done. */
  | { kind: "refused"; problem: Problem }
  /** Still no final answer; the intent stays pending for the next `resume()`. */
  | { kind: "still_pending"; failure: Failure }
  /**
   * Not sent: the server no longer answers for the intent's key (its stored
   * response expired, or is about to), and the operation keeps no key beyond
   * it, so a re-send could take effect a second time. It stays pending for a
   * person to settle (see what the server knows with `idempotencyKey()`).
   */
  | { kind: "stale"; ageHours: number };

export interface Resumed {
  key: string;
  operation: string;
  outcome: ResumeOutcome;
}

export interface ResumeReport {
  /** Every pending intent of this client's scope, oldest first. */
  intents: Resumed[];
  /** Pending intents made with another token, left untouched. */
  otherScope: number;
  succeeded: number;
  refused: number;
  stillPending: number;
  stale: number;
}

/** One attempt, as `onEvent` hears of it (the SDK's log). */
export type ClientEvent =
  | {
      type: "attempt";
      /** `-` for a read, which has no key. */
      key: string;
      attempt: number;
      operation: string;
      outcome: "success" | "refused" | "retry" | "give_up";
      status?: number;
      code?: string;
      replayed?: boolean;
      failure?: string;
      delayMs?: number;
    }
  | { type: "journal_error"; key: string; error: unknown };

export interface TallyClientOptions {
  /** `http://…` or `https://…`, without `/api/v1`. */
  baseUrl: string;
  /** The program's API token (`Authorization: Bearer …`). */
  token: string;
  /**
   * Where every write is recorded, with its key, before its first send:
   * `FileJournal` (Node), `LocalStorageJournal` (browsers) or `MemoryJournal`.
   * Without one a write still keeps one key for all its retries, but a crash
   * forgets the key, and with it the intent; `resume()` needs one.
   */
  journal?: Journal;
  /** The retry policy; absent fields take the defaults (1 s doubling, ±20 %, 4 retries). */
  retry?: Partial<RetryPolicy>;
  /** How long one attempt may take, body included (default 30000 ms). A timed-out attempt is retried with the same key. */
  timeoutMs?: number;
  /** The `fetch` to use; the platform's by default. */
  fetch?: typeof fetch;
  /** Hears of every attempt and of journal errors. */
  onEvent?: (event: ClientEvent) => void;
}

/** What one send produced. */
type Sent =
  | { kind: "answer"; status: number; replayed: boolean; retryAfterMs: number | null; body: string }
  | { kind: "lost"; cause: string };

/** A final answer (2xx, or a status retrying cannot change). */
interface Exchange {
  status: number;
  replayed: boolean;
  body: string;
  attempts: number;
}

type Exchanged = { ok: true; exchange: Exchange } | { ok: false; attempts: number; failure: Failure };

const isSuccess = (status: number) => status >= 200 && status <= 299;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Which credentials an intent belongs to, without storing them. Same as the Rust SDK's. */
export function scopeOf(token: string): string {
  const digest = sha256(new TextEncoder().encode(`tally-journal-scope\0${token}`));
  return hex(digest.subarray(0, 8));
}

type RandomSource = { getRandomValues<T extends ArrayBufferView | null>(array: T): T };
let randomSource: Promise<RandomSource> | undefined;

/** WebCrypto's random values: global in browsers and Node ≥ 19, `node:crypto` on Node 18. */
function random(): Promise<RandomSource> {
  randomSource ??= (async () => {
    const global = (globalThis as { crypto?: RandomSource }).crypto;
    if (global?.getRandomValues) return global;
    const name = "node:crypto"; // not a static import: browser bundles never see it
    const nodeCrypto = (await import(/* @vite-ignore */ name)) as { webcrypto: RandomSource };
    return nodeCrypto.webcrypto;
  })();
  return randomSource;
}

/** A fresh UUID v4 (RFC 9562), from the platform's cryptographic random source. */
export async function uuidV4(): Promise<string> {
  const bytes = (await random()).getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const h = hex(bytes);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The cause chain of a transport error, on one line. */
function describe(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current != null && depth < 5; depth++) {
    if (current instanceof Error) {
      const code = (current as { code?: unknown }).code;
      parts.push(typeof code === "string" ? `${current.message} (${code})` : current.message);
      current = (current as { cause?: unknown }).cause;
    } else {
      parts.push(String(current));
      break;
    }
  }
  return parts.join(": ");
}

function page(params: PageParams = {}): [string, string | undefined][] {
  return [
    ["limit", params.limit === undefined ? undefined : String(params.limit)],
    ["starting_after", params.starting_after],
  ];
}

function query(pairs: [string, string | undefined][]): string {
  const parts = pairs.filter(([, v]) => v !== undefined).map(([name, v]) => `${name}=${segment(v!)}`);
  return parts.length === 0 ? "" : `?${parts.join("&")}`;
}

/**
 * The Tally SDK. Every write carries one idempotency key for all its
 * attempts; with a journal, the key and the request are stored before the
 * first send.
 */
export class TallyClient {
  readonly baseUrl: string;
  readonly journal: Journal | undefined;
  readonly retry: RetryPolicy;
  readonly timeoutMs: number;
  readonly #token: string;
  readonly #scope: string;
  readonly #fetch: typeof fetch;
  readonly #onEvent: ((event: ClientEvent) => void) | undefined;

  constructor(options: TallyClientOptions) {
    const base = String(options.baseUrl ?? "").replace(/\/+$/, "");
    if (!/^https?:\/\//.test(base)) {
      throw new TallyError("config", `the base URL must start with http:// or https://, not ${JSON.stringify(base)}`);
    }
    try {
      new URL(base);
    } catch (cause) {
      throw new TallyError("config", `base URL ${JSON.stringify(base)}: ${describe(cause)}`);
    }
    if (!options.token) throw new TallyError("config", "a token is required (Authorization: Bearer …)");
    const fetchImpl = options.fetch ?? globalThis.fetch;
    if (typeof fetchImpl !== "function") throw new TallyError("config", "no fetch: pass options.fetch");
    this.baseUrl = base;
    this.journal = options.journal;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.#token = options.token;
    this.#scope = scopeOf(options.token);
    // Called unbound: some platforms' fetch refuses a `this` other than the global.
    this.#fetch = (input, init) => fetchImpl(input, init);
    this.#onEvent = options.onEvent;
  }

  /** This token's scope in the journal (a hash of the token). */
  get scope(): string {
    return this.#scope;
  }

  // Sending.

  /**
   * Sends a write as a new intent: a fresh UUID v4 key, journaled (when the
   * client has a journal) before the first send, and kept for every retry.
   */
  async submit<T>(request: WriteRequest<T>): Promise<Written<T>> {
    const key = await uuidV4();
    if (this.journal) {
      try {
        await this.journal.record({
          key,
          scope: this.#scope,
          operation: request.operation,
          method: request.method,
          path: request.path,
          body: request.body,
        });
      } catch (cause) {
        throw new TallyError("journal", `journal: ${describe(cause)} (the write was not sent)`, { key, cause });
      }
    }
    const exchange = await this.#settle(key, this.journal !== undefined, request.operation, request.method, request.path, request.body);
    return decode<T>(exchange, key);
  }

  /**
   * Sends a write under a key the caller chose and can make again (e.g. one
   * derived from an import file and a row), with the same retries; it is not
   * journaled: sending the same key again is how the caller resumes it.
   */
  async submitWithKey<T>(request: WriteRequest<T>, key: string): Promise<Written<T>> {
    const exchange = await this.#settle(key, false, request.operation, request.method, request.path, request.body);
    return decode<T>(exchange, key);
  }

  /**
   * Re-sends every pending intent of the journal with its original key and
   * body, oldest first, until each has a final answer or gives up again. An
   * intent whose first send took effect gets the stored answer (a replay), so
   * nothing is lost and nothing is doubled. Intents whose key the server may
   * no longer recognise are held back (see `survivesRetention`).
   */
  async resume(): Promise<ResumeReport> {
    if (!this.journal) throw new TallyError("config", "resume() needs a journal");
    const report: ResumeReport = { intents: [], otherScope: 0, succeeded: 0, refused: 0, stillPending: 0, stale: 0 };
    let pending: Intent[];
    try {
      pending = await this.journal.pending();
    } catch (cause) {
      throw new TallyError("journal", `journal: ${describe(cause)}`, { cause });
    }
    for (const intent of pending) {
      if (intent.scope !== this.#scope) {
        report.otherScope++;
        continue;
      }
      const outcome = (await this.#heldBack(intent)) ?? (await this.#resumeOne(intent));
      report.intents.push({ key: intent.key, operation: intent.operation, outcome });
      if (outcome.kind === "succeeded") report.succeeded++;
      else if (outcome.kind === "refused") report.refused++;
      else if (outcome.kind === "still_pending") report.stillPending++;
      else report.stale++;
    }
    return report;
  }

  /**
   * Why an intent must not be re-sent now, or `null` when a re-send is safe.
   * Judged by what the server can still answer for the key, never by the
   * program's retention setting, which may have changed since the key's
   * record was stored.
   */
  async #heldBack(intent: Intent): Promise<ResumeOutcome | null> {
    if (survivesRetention(intent.operation)) return null;
    const now = Date.now();
    const age = now - Date.parse(intent.createdAt);
    const stale: ResumeOutcome = { kind: "stale", ageHours: Math.trunc(age / HOUR_MS) };
    let info: KeyInfo;
    try {
      info = await this.idempotencyKey(intent.key);
    } catch (error) {
      if (error instanceof TallyError && error.kind === "api" && error.status === 404) {
        // Unknown to the server: never committed, or expired. Any record is
        // kept for at least the shortest retention a program can set, so an
        // intent younger than that never committed and is safe to send.
        return age < MIN_RETENTION_HOURS * HOUR_MS - EXPIRY_MARGIN_MS ? null : stale;
      }
      if (error instanceof TallyError && error.kind === "gave_up" && error.failure) {
        return { kind: "still_pending", failure: error.failure };
      }
      throw error;
    }
    // Its first send still runs: the re-send waits for it (409, retried) and replays it.
    if (info.state === "in_flight") return null;
    // A re-send replays the stored response, if it is not about to expire.
    const expires = info.expires_at ? Date.parse(info.expires_at) : NaN;
    return expires - now > EXPIRY_MARGIN_MS ? null : stale;
  }

  async #resumeOne(intent: Intent): Promise<ResumeOutcome> {
    if (intent.method !== "POST" && intent.method !== "PATCH") {
      throw new TallyError("config", `journal: intent ${intent.key} has method ${JSON.stringify(intent.method)}`);
    }
    try {
      const exchange = await this.#settle(intent.key, true, intent.operation, intent.method, intent.path, intent.body);
      return { kind: "succeeded", status: exchange.status, replayed: exchange.replayed };
    } catch (error) {
      if (error instanceof TallyError && error.kind === "api" && error.problem) {
        return { kind: "refused", problem: error.problem };
      }
      if (error instanceof TallyError && error.kind === "gave_up" && error.failure) {
        return { kind: "still_pending", failure: error.failure };
      }
      throw error;
    }
  }

  /** Runs one intent to a final answer (or gives up), and tells the journal. */
  async #settle(
    key: string,
    journaled: boolean,
    operation: string,
    method: string,
    path: string,
    body: string,
  ): Promise<Exchange> {
    const result = await this.#exchange(method, path, body, key, operation);
    const journal = journaled ? this.journal : undefined;
    if (result.ok) {
      const { exchange } = result;
      const problem = isSuccess(exchange.status) ? undefined : problemFromBody(exchange.status, exchange.body);
      if (journal) {
        // If this fails the intent stays pending and the next resume() gets a
        // replay: harmless. Failing the call instead would hide an effect that
        // happened, inviting a second intent.
        try {
          await journal.complete(key, {
            attempts: exchange.attempts,
            status: exchange.status,
            code: problem?.code ?? null,
            response: exchange.body,
          });
        } catch (error) {
          this.#onEvent?.({ type: "journal_error", key, error });
        }
      }
      if (problem) throw TallyError.api(problem, key, exchange.attempts);
      return exchange;
    }
    if (journal) {
      const status = result.failure.kind === "status" ? result.failure.problem.status : null;
      try {
        await journal.gaveUp(key, { attempts: result.attempts, status, error: describeFailure(result.failure) });
      } catch (error) {
        this.#onEvent?.({ type: "journal_error", key, error });
      }
    }
    throw TallyError.gaveUp(result.failure, result.attempts, key, journaled);
  }

  /** Sends until a final answer or the policy gives up; reports every attempt. */
  async #exchange(
    method: string,
    path: string,
    body: string | undefined,
    key: string | undefined,
    operation: string,
  ): Promise<Exchanged> {
    const keyField = key ?? "-";
    for (let attempt = 1; ; attempt++) {
      const sent = await this.#sendOnce(method, path, body, key);
      let failure: Failure;
      let retryAfterMs: number | null = null;
      if (sent.kind === "answer") {
        const problem = isSuccess(sent.status) ? undefined : problemFromBody(sent.status, sent.body);
        const v = verdict(sent.status, problem?.code);
        if (v !== "retryable") {
          this.#onEvent?.({
            type: "attempt",
            key: keyField,
            attempt,
            operation,
            outcome: v === "success" ? "success" : "refused",
            status: sent.status,
            code: problem?.code,
            replayed: sent.replayed,
          });
          return { ok: true, exchange: { status: sent.status, replayed: sent.replayed, body: sent.body, attempts: attempt } };
        }
        failure = { kind: "status", problem: problem ?? problemFromBody(sent.status, sent.body) };
        retryAfterMs = sent.retryAfterMs;
      } else {
        failure = { kind: "transport", cause: sent.cause };
      }
      const wait = nextDelay(this.retry, attempt, retryAfterMs);
      const status = failure.kind === "status" ? failure.problem.status : undefined;
      const code = failure.kind === "status" ? failure.problem.code : undefined;
      if (wait === null) {
        this.#onEvent?.({ type: "attempt", key: keyField, attempt, operation, outcome: "give_up", status, code, failure: describeFailure(failure) });
        return { ok: false, attempts: attempt, failure };
      }
      this.#onEvent?.({
        type: "attempt",
        key: keyField,
        attempt,
        operation,
        outcome: "retry",
        status,
        code,
        failure: describeFailure(failure),
        delayMs: Math.round(wait),
      });
      await sleep(wait);
    }
  }

  async #sendOnce(method: string, path: string, body: string | undefined, key: string | undefined): Promise<Sent> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.#token}`, accept: "application/json" };
    if (key !== undefined) headers["idempotency-key"] = key;
    if (body !== undefined) headers["content-type"] = "application/json";
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new Error(`timed out after ${this.timeoutMs} ms`)),
      this.timeoutMs,
    );
    try {
      const response = await this.#fetch(`${this.baseUrl}${path}`, { method, headers, body, signal: controller.signal });
      const replayed = (response.headers.get("idempotent-replayed") ?? "").toLowerCase() === "true";
      const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), Date.now());
      // A connection lost while the body streams in is an accident like any
      // other: the answer is incomplete, so the intent is sent again.
      const text = await response.text();
      return { kind: "answer", status: response.status, replayed, retryAfterMs, body: text };
    } catch (error) {
      const reason = controller.signal.aborted ? controller.signal.reason : error;
      return { kind: "lost", cause: describe(reason) };
    } finally {
      clearTimeout(timer);
    }
  }

  /** A read: retried like a write (reads are safe), never journaled. */
  async #get<T>(path: string): Promise<T> {
    const result = await this.#exchange("GET", path, undefined, undefined, "read");
    if (!result.ok) throw TallyError.gaveUp(result.failure, result.attempts, undefined, false);
    const { exchange } = result;
    if (!isSuccess(exchange.status)) throw TallyError.api(problemFromBody(exchange.status, exchange.body));
    try {
      return JSON.parse(exchange.body) as T;
    } catch (cause) {
      throw new TallyError("decode", `GET ${path}: ${describe(cause)}`, { cause });
    }
  }

  // Customers.

  /** Upserts a customer by email or phone (201 created, 200 found). */
  upsertCustomer(customer: NewCustomer): Promise<Written<Customer>> {
    return this.submit(ops.upsertCustomer(customer));
  }

  customer(customerId: string): Promise<Customer> {
    return this.#get(`/api/v1/customers/${segment(customerId)}`);
  }

  /** Customers, newest first, optionally filtered by (normalised) email or phone. */
  customers(filter: CustomerFilter = {}, params: PageParams = {}): Promise<Page<Customer>> {
    return this.#get(`/api/v1/customers${query([["email", filter.email], ["phone", filter.phone], ...page(params)])}`);
  }

  balance(customerId: string): Promise<Balance> {
    return this.#get(`/api/v1/customers/${segment(customerId)}/balance`);
  }

  ledger(customerId: string, params: PageParams = {}): Promise<Page<LedgerEntry>> {
    return this.#get(`/api/v1/customers/${segment(customerId)}/ledger${query(page(params))}`);
  }

  /** The customer's tier changes, newest first. */
  tierHistory(customerId: string, params: PageParams = {}): Promise<Page<TierChange>> {
    return this.#get(`/api/v1/customers/${segment(customerId)}/tier-history${query(page(params))}`);
  }

  /** Signed points with a required reason; the answer is the ledger entry it made. */
  adjustPoints(customerId: string, adjustment: NewAdjustment): Promise<Written<LedgerEntry>> {
    return this.submit(ops.adjustPoints(customerId, adjustment));
  }

  // Transactions.

  /** Records a purchase; it earns points by the program's rule. */
  recordPurchase(purchase: NewTransaction): Promise<Written<Transaction>> {
    return this.submit(ops.recordPurchase(purchase));
  }

  transaction(transactionId: string): Promise<Transaction> {
    return this.#get(`/api/v1/transactions/${segment(transactionId)}`);
  }

  /** Voids a purchase (all of it, or `amount_cents` of it), taking back its points in proportion. */
  voidTransaction(transactionId: string, body: VoidTransaction = {}): Promise<Written<Transaction>> {
    return this.submit(ops.voidTransaction(transactionId, body));
  }

  // Rewards.

  createReward(reward: NewReward): Promise<Written<Reward>> {
    return this.submit(ops.createReward(reward));
  }

  rewards(params: PageParams = {}): Promise<Page<Reward>> {
    return this.#get(`/api/v1/rewards${query(page(params))}`);
  }

  reward(rewardId: string): Promise<Reward> {
    return this.#get(`/api/v1/rewards/${segment(rewardId)}`);
  }

  updateReward(rewardId: string, patch: RewardPatch): Promise<Written<Reward>> {
    return this.submit(ops.updateReward(rewardId, patch));
  }

  // Redemptions.

  /** Spends points on a reward, exactly once however often it has to be sent. */
  redeem(redemption: NewRedemption): Promise<Written<Redemption>> {
    return this.submit(ops.redeem(redemption));
  }

  redemption(redemptionId: string): Promise<Redemption> {
    return this.#get(`/api/v1/redemptions/${segment(redemptionId)}`);
  }

  customerRedemptions(customerId: string, params: PageParams = {}): Promise<Page<Redemption>> {
    return this.#get(`/api/v1/customers/${segment(customerId)}/redemptions${query(page(params))}`);
  }

  /** The program's redemptions in one status, newest first (`pending` is the queue to hand over). */
  redemptions(status: RedemptionStatus, params: PageParams = {}): Promise<Page<Redemption>> {
    return this.#get(`/api/v1/redemptions${query([["status", status], ...page(params)])}`);
  }

  fulfilRedemption(redemptionId: string): Promise<Written<Redemption>> {
    return this.submit(ops.fulfilRedemption(redemptionId));
  }

  /** Cancels a pending redemption, refunding its points and stock. */
  cancelRedemption(redemptionId: string): Promise<Written<Redemption>> {
    return this.submit(ops.cancelRedemption(redemptionId));
  }

  // Coupons.

  /** A coupon by its code (case-insensitive). */
  coupon(code: string): Promise<Coupon> {
    return this.#get(`/api/v1/coupons/${segment(code)}`);
  }

  /** Uses a coupon, once: it fulfils the coupon's redemption. A second use is 422 `already_redeemed`. */
  redeemCoupon(code: string): Promise<Written<Coupon>> {
    return this.submit(ops.redeemCoupon(code));
  }

  // Program.

  program(): Promise<Program> {
    return this.#get("/api/v1/program");
  }

  /** The program's overview counts (customers, points outstanding, redemptions pending and today, purchases today). */
  stats(): Promise<Stats> {
    return this.#get("/api/v1/stats");
  }

  updateProgram(patch: ProgramPatch): Promise<Written<Program>> {
    return this.submit(ops.updateProgram(patch));
  }

  // The v2 compatibility pair.

  /** `POST /api/v2/loyalty/rewards/redeem`: one unit, exactly once, like `redeem`. */
  redeemV2(redemption: V2Redeem): Promise<Written<V2Redemption>> {
    return this.submit(ops.redeemV2(redemption));
  }

  /** `GET /api/v2/loyalty/redemptions/{customer_id}`: the latest 100, newest first. */
  redemptionsV2(customerId: string): Promise<V2RedemptionList> {
    return this.#get(`/api/v2/loyalty/redemptions/${segment(customerId)}`);
  }

  // Idempotency keys.

  /** What the server knows of a key of this program (404 when unknown or expired). */
  idempotencyKey(key: string): Promise<KeyInfo> {
    return this.#get(`/api/v1/idempotency-keys/${segment(key)}`);
  }
}

function decode<T>(exchange: Exchange, key: string): Written<T> {
  let value: T;
  try {
    value = JSON.parse(exchange.body) as T;
  } catch (cause) {
    throw new TallyError("decode", `${describe(cause)} (status ${exchange.status}, key ${key}; the write took effect)`, {
      key,
      cause,
    });
  }
  return { value, key, status: exchange.status, replayed: exchange.replayed, attempts: exchange.attempts };
}
