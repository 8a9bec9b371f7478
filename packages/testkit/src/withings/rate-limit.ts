import type { SimClock } from '../shared/clock.js';
import type { WithingsAppRateLimit, WithingsRateStats } from './types.js';

const WINDOW_MS = 60_000;

/**
 * Withings' limit per application: past `perMinute` API calls in any 60 s (by the simulator's clock,
 * every user and token together), a call is answered status 601 with `wait_seconds`. Refused calls do
 * not count. Also keeps the busiest minute seen, limit or not, for tests and benchmarks.
 */
export class AppRateLimiter {
  /** Receive times (ms, simulated) of the calls accepted in the last minute, oldest first. */
  readonly #times: number[] = [];
  readonly stats: WithingsRateStats = { refused: 0, peakPerMinute: 0 };

  constructor(
    private readonly clock: SimClock,
    private readonly limit: WithingsAppRateLimit | undefined,
  ) {}

  /** Counts one call; `wait_seconds` when it is over the limit (then it is not counted). */
  admit(): number | undefined {
    const now = this.clock.now().getTime();
    while (this.#times.length > 0 && (this.#times[0] as number) <= now - WINDOW_MS) this.#times.shift();
    if (this.limit && this.#times.length >= this.limit.perMinute) {
      this.stats.refused += 1;
      const freeAt = (this.#times[this.#times.length - this.limit.perMinute] as number) + WINDOW_MS;
      return this.limit.waitSeconds ?? Math.max(1, Math.ceil((freeAt - now) / 1000));
    }
    this.#times.push(now);
    this.stats.peakPerMinute = Math.max(this.stats.peakPerMinute, this.#times.length);
    return undefined;
  }
}
