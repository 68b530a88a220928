// @tally/client: Tally's TypeScript SDK, for Node ≥ 18 and browsers.
// FileJournal (Node only) is exported from `@tally/client/node`.
//
// Written in TypeScript and compiled with tsc (rather than plain JavaScript
// with hand-written .d.ts) so that the types the methods promise are the ones
// generated from openapi.json, checked by the compiler on every build: when
// the document changes, `npm run generate` and a build show what moved.
// `dist/` is build output and not committed; `npm test` builds first.

export { TallyClient, ops, segment, survivesRetention, scopeOf, uuidV4, MIN_RETENTION_HOURS, EXPIRY_MARGIN_MS } from "./client.js";
export type { ClientEvent, ResumeOutcome, ResumeReport, Resumed, TallyClientOptions, WriteRequest } from "./client.js";
export { TallyError, problemFromBody, describeFailure } from "./errors.js";
export type { ErrorKind, Failure, Problem } from "./errors.js";
export { LocalStorageJournal, MemoryJournal } from "./journal.js";
export type { Completion, GiveUp, Intent, IntentState, Journal, LocalStorageJournalOptions, NewIntent, StorageLike } from "./journal.js";
export { DEFAULT_RETRY, backoff, delay, nextDelay, neverRetry, parseRetryAfter, scaledRetry, verdict } from "./retry.js";
export type { RetryPolicy, Verdict } from "./retry.js";
export type * from "./types.js";
export type { components, paths } from "./generated/openapi.js";
