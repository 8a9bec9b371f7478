import type { WithingsApiError } from '@wg-sync/withings';
import { type WithingsBudget, WithingsBudgetError, type WithingsBudgetPriority } from './withings-budget.js';

type ApiErrorClass = typeof WithingsApiError;

/** How long to back off after a 601 or 429 that did not say. */
const DEFAULT_BACKOFF_MS = 60_000;

/**
 * `base`, with one call of the budget taken before every request. A refused call never leaves the
 * process: it fails as Withings' own `RATE_LIMITED` would (the client passes a `WithingsApiError` from
 * its fetch through unchanged), with the {@link WithingsBudgetError} as its cause.
 */
export function budgetedFetch(
  budget: WithingsBudget,
  priority: WithingsBudgetPriority,
  base: typeof fetch,
  ApiError: ApiErrorClass,
): typeof fetch {
  return async (input, init) => {
    try {
      await budget.take(priority);
    } catch (error) {
      if (!(error instanceof WithingsBudgetError)) throw error;
      throw new ApiError('RATE_LIMITED', error.message, { retryAfterMs: error.retryAfterMs, cause: error });
    }
    return base(input, init);
  };
}

/**
 * Whether Withings itself refused for the application: status 601 (or HTTP 429). "Same arguments in
 * less than 10 seconds" is a 601 too, but about one repeated request, so it backs nothing else off.
 */
function applicationLimit(error: unknown): number | undefined {
  const e = error as Partial<WithingsApiError> | undefined;
  if (e?.code !== 'RATE_LIMITED' || e.cause instanceof WithingsBudgetError) return undefined;
  if (e.status !== 601 && e.httpStatus !== 429) return undefined;
  if (/same arguments/i.test(e.message ?? '')) return undefined;
  return e.retryAfterMs ?? DEFAULT_BACKOFF_MS;
}

/**
 * The client, with every method watched: a 601 from any call (a read, a refresh, a subscription)
 * makes the whole deployment back off for the `wait_seconds` Withings gave, before the error goes on.
 * Methods run on the client itself, so its private state works through the proxy.
 */
export function watchRateLimits<T extends object>(client: T, budget: WithingsBudget): T {
  const watched = async (error: unknown): Promise<never> => {
    const waitMs = applicationLimit(error);
    if (waitMs !== undefined) await budget.backOff(waitMs);
    throw error;
  };
  return new Proxy(client, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value === 'function') {
        return (...args: unknown[]) => {
          const result: unknown = value.apply(target, args);
          return result instanceof Promise ? result.catch(watched) : result;
        };
      }
      // `client.notify.list()` and the like.
      if (property === 'notify' && value && typeof value === 'object') return watchRateLimits(value, budget);
      return value;
    },
  });
}
