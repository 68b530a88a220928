// What can go wrong, with the server's problem+json kept whole.

/** An RFC 9457 problem, as the server sent it. */
export interface Problem {
  status: number;
  /** Stable machine-readable code, e.g. `insufficient_points`. */
  code: string;
  detail: string;
  title: string;
  type: string;
}

/**
 * Reads an error body. A body that is not problem+json (from a proxy, say)
 * becomes a problem with code `http_<status>` and the text as its detail.
 */
export function problemFromBody(status: number, body: string): Problem {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === "object" && typeof (parsed as { code?: unknown }).code === "string") {
      const p = parsed as Record<string, unknown>;
      const text = (name: string) => (typeof p[name] === "string" ? (p[name] as string) : "");
      return { status, code: p.code as string, detail: text("detail"), title: text("title"), type: text("type") };
    }
  } catch {
    // Not JSON: fall through.
  }
  return { status, code: `http_${status}`, detail: body.trim().slice(0, 500), title: "", type: "" };
}

/** Why the last attempt of an intent that was given up on failed. */
export type Failure =
  | { kind: "status"; problem: Problem }
  | { kind: "transport"; cause: string };

export function describeFailure(failure: Failure): string {
  return failure.kind === "status"
    ? `${failure.problem.status} ${failure.problem.code}: ${failure.problem.detail}`
    : `transport: ${failure.cause}`;
}

/**
 * - `api`: the server's final answer, a 4xx that retrying cannot change. For a
 *   journaled write, the intent is done (recorded with the problem's code).
 * - `gave_up`: every allowed attempt failed by accident. Whether the effect
 *   happened is unknown here; a journaled intent stays pending, and `resume()`
 *   (or the same key, sent again) settles it exactly once.
 * - `journal`: the journal could not be read or written. A write whose intent
 *   could not be recorded was not sent.
 * - `decode`: a success whose body is not JSON (the effect stands).
 * - `config`: the client was built or used wrongly.
 */
export type ErrorKind = "api" | "gave_up" | "journal" | "decode" | "config";

export class TallyError extends Error {
  readonly kind: ErrorKind;
  /** The problem+json behind this error, final or last seen before giving up. */
  readonly problem: Problem | undefined;
  /** The key of the intent, when the error concerns a write. */
  readonly key: string | undefined;
  /** Sends made, for `api` and `gave_up`. */
  readonly attempts: number | undefined;
  /** For `gave_up`: why the last attempt failed. */
  readonly failure: Failure | undefined;

  constructor(
    kind: ErrorKind,
    message: string,
    extra: { problem?: Problem; key?: string; attempts?: number; failure?: Failure; cause?: unknown } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = "TallyError";
    this.kind = kind;
    this.problem = extra.problem;
    this.key = extra.key;
    this.attempts = extra.attempts;
    this.failure = extra.failure;
  }

  /** The HTTP status of the (last) answer, if there was one. */
  get status(): number | undefined {
    return this.problem?.status;
  }

  /** The problem's stable `code`, e.g. `insufficient_points`. */
  get code(): string | undefined {
    return this.problem?.code;
  }

  get detail(): string | undefined {
    return this.problem?.detail;
  }

  /** Whether the outcome is still open: sending the same key again may succeed. */
  get isPending(): boolean {
    return this.kind === "gave_up";
  }

  static api(problem: Problem, key?: string, attempts?: number): TallyError {
    return new TallyError("api", `${problem.status} ${problem.code}: ${problem.detail}`, { problem, key, attempts });
  }

  static gaveUp(failure: Failure, attempts: number, key: string | undefined, journaled: boolean): TallyError {
    const note = journaled && key ? ` (key ${key}; still pending, resume() will finish it)` : "";
    return new TallyError("gave_up", `gave up after ${attempts} attempt(s): ${describeFailure(failure)}${note}`, {
      problem: failure.kind === "status" ? failure.problem : undefined,
      key,
      attempts,
      failure,
    });
  }
}
