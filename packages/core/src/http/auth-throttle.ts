/** Failed bearer attempts a source may make per window before it is refused for the rest of it. */
const MAX_FAILURES = 10;
const WINDOW_MS = 5 * 60_000;
/** Sources remembered at once; past this the oldest are forgotten, so a spray of addresses stays bounded. */
const MAX_SOURCES = 10_000;

/** A source's failures in its current window. */
interface Failures {
  since: number;
  count: number;
}

/**
 * Throttles failed `Authorization: Bearer` attempts per source (client address) in this process:
 * after {@link MAX_FAILURES} failures within 5 minutes a source is answered 429 until its window ends,
 * without its token being compared. Guessing the API token online is then hopeless, and the work a
 * source can cause stays bounded.
 */
export class AuthThrottle {
  readonly #sources = new Map<string, Failures>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Milliseconds the source must wait, or 0 when it may try. */
  retryAfterMs(source: string): number {
    const failures = this.#current(source);
    if (!failures || failures.count < MAX_FAILURES) return 0;
    return failures.since + WINDOW_MS - this.now();
  }

  /** Counts a failed attempt; returns the source's failures in this window. */
  fail(source: string): number {
    const failures = this.#current(source) ?? { since: this.now(), count: 0 };
    failures.count += 1;
    this.#sources.delete(source);
    this.#sources.set(source, failures);
    for (const oldest of this.#sources.keys()) {
      if (this.#sources.size <= MAX_SOURCES) break;
      this.#sources.delete(oldest);
    }
    return failures.count;
  }

  #current(source: string): Failures | undefined {
    const failures = this.#sources.get(source);
    if (failures && this.now() - failures.since >= WINDOW_MS) {
      this.#sources.delete(source);
      return undefined;
    }
    return failures;
  }
}

/** {@link AuthThrottle}'s limits, for docs and tests. */
export const AUTH_THROTTLE = { maxFailures: MAX_FAILURES, windowMs: WINDOW_MS } as const;
