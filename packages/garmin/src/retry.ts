/**
 * How reads (and the writes that are safe to repeat) are retried after a 429, a 5xx or a network
 * failure: exponential backoff with full jitter, bounded, honouring `Retry-After`.
 */
export interface GarminRetryOptions {
  /** Retries after the first attempt (default 3; 0 disables retrying). */
  retries?: number;
  /** First backoff step in ms (default 500); step n waits a random time up to `base × 2^n`. */
  baseDelayMs?: number;
  /**
   * Longest single wait in ms (default 30 000). A `Retry-After` longer than this is not waited
   * for: the call fails at once with `RATE_LIMITED` and `retryAfterMs`.
   */
  maxDelayMs?: number;
}

export interface RetryPolicy {
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export function retryPolicy(options: GarminRetryOptions = {}): RetryPolicy {
  const policy = {
    retries: options.retries ?? 3,
    baseDelayMs: options.baseDelayMs ?? 500,
    maxDelayMs: options.maxDelayMs ?? 30_000,
  };
  for (const [name, value] of Object.entries(policy)) {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`retry.${name} must be a number ≥ 0`);
  }
  return policy;
}

/**
 * The wait before retry number `attempt` (0-based), or `undefined` when we should give up:
 * no retries left, or the server asked for a longer wait than `maxDelayMs`.
 */
export function retryDelay(
  policy: RetryPolicy,
  attempt: number,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number | undefined {
  if (attempt >= policy.retries) return undefined;
  if (retryAfterMs !== undefined) return retryAfterMs <= policy.maxDelayMs ? retryAfterMs : undefined;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(random() * ceiling);
}

export function sleep(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}
