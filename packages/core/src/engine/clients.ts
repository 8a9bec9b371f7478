import type { GarminClient, GarminTokens } from '@wg-sync/garmin';
import type { WithingsClient, WithingsTokens } from '@wg-sync/withings';
import type { Engine } from '../context.js';
import { isSyncErrorWithCode } from '../errors.js';
import { keys, parseWithingsTokens, serializeWithingsTokens } from '../store/state.js';
import type { WithingsBudgetPriority } from './withings-budget.js';
import { budgetedFetch, watchRateLimits } from './withings-budget-client.js';

/** Counts HTTP round trips (the report's `upstreamCalls`). */
export function countingFetch(base: typeof fetch, counter: { calls: number }): typeof fetch {
  return (input, init) => {
    counter.calls += 1;
    return base(input, init);
  };
}

/**
 * Token persistence shared by both clients. Every rotated set is written with compare-and-swap before it
 * is used; losing the race means another process refreshed, so its set is used instead and an
 * outdated refresh token is never sent. `reloadTokens` lets a client pick up such a set before refreshing.
 */
async function storedTokens<T extends { accessToken: string; refreshToken: string }>(
  engine: Engine,
  key: string,
  codec: { parse(raw: unknown): T; serialize(tokens: T): Record<string, unknown> },
  side: 'withings' | 'garmin',
) {
  const { store } = engine.config;
  const stored = await store.get(key);
  if (!stored) return undefined;
  let version = stored.version;
  const tokens = codec.parse(stored.value);
  engine.redactor.add(tokens.accessToken, tokens.refreshToken);
  return {
    tokens,
    reloadTokens: async (): Promise<T | undefined> => {
      const latest = await store.get(key);
      if (!latest) return undefined;
      version = latest.version;
      return codec.parse(latest.value);
    },
    onTokens: async (next: T): Promise<T | undefined> => {
      engine.redactor.add(next.accessToken, next.refreshToken);
      const value = { ...codec.serialize(next), savedAt: engine.config.now().toISOString() };
      try {
        version = await store.put(key, value, { ifVersion: version });
        engine.log.debug(`${side}.tokens.rotated`, { key });
        return undefined;
      } catch (error) {
        if (!isSyncErrorWithCode(error, 'STORE_CONFLICT')) throw error;
        const latest = await store.get(key);
        if (!latest) throw error;
        version = latest.version;
        engine.log.info(`${side}.tokens.newer-set-used`, { key });
        return codec.parse(latest.value);
      }
    },
  };
}

/**
 * A Withings client for the account, its tokens backed by the store, its calls under the
 * application budget (`priority`: whose calls they are, default `interactive`) and watched for 601s.
 */
export async function withingsClientFor(
  engine: Engine,
  userId: string,
  fetchImpl: typeof fetch,
  options: { priority?: WithingsBudgetPriority } = {},
): Promise<WithingsClient | undefined> {
  const persisted = await storedTokens<WithingsTokens>(
    engine,
    keys.withingsTokens(userId),
    { parse: parseWithingsTokens, serialize: serializeWithingsTokens },
    'withings',
  );
  if (!persisted) return undefined;
  const { WithingsApiError, WithingsClient } = await import('@wg-sync/withings');
  const client = new WithingsClient({
    clientId: engine.config.withings.clientId,
    clientSecret: engine.config.withings.clientSecret,
    ...(engine.config.withings.baseUrl ? { baseUrl: engine.config.withings.baseUrl } : {}),
    ...(engine.config.withings.timeoutMs ? { timeoutMs: engine.config.withings.timeoutMs } : {}),
    fetch: budgetedFetch(engine.budget, options.priority ?? 'interactive', fetchImpl, WithingsApiError),
    now: engine.config.now,
    ...persisted,
  });
  return watchRateLimits(client, engine.budget);
}

/** Garmin tokens as JSON. */
export function serializeGarminTokens(tokens: GarminTokens): Record<string, unknown> {
  return { ...tokens, expiresAt: tokens.expiresAt ? tokens.expiresAt.toISOString() : null };
}

export function parseGarminTokens(raw: unknown): GarminTokens {
  const value = raw as Record<string, unknown>;
  return {
    accessToken: String(value.accessToken),
    refreshToken: String(value.refreshToken),
    clientId: String(value.clientId),
    expiresAt: value.expiresAt ? new Date(String(value.expiresAt)) : null,
    domain: value.domain === 'garmin.cn' ? 'garmin.cn' : 'garmin.com',
  };
}

/** A Garmin client for the account, its tokens backed by the store (same compare-and-swap rules). */
export async function garminClientFor(
  engine: Engine,
  userId: string,
  fetchImpl: typeof fetch,
): Promise<GarminClient | undefined> {
  const persisted = await storedTokens<GarminTokens>(
    engine,
    keys.garminSession(userId),
    { parse: parseGarminTokens, serialize: serializeGarminTokens },
    'garmin',
  );
  if (!persisted) return undefined;
  const { GarminClient } = await import('@wg-sync/garmin');
  const garmin = engine.config.garmin;
  return new GarminClient({
    fetch: fetchImpl,
    now: engine.config.now,
    ...(garmin?.urls ? { urls: garmin.urls } : {}),
    ...(garmin?.timeoutMs ? { timeoutMs: garmin.timeoutMs } : {}),
    retry: { retries: 2, baseDelayMs: 500, maxDelayMs: 5000, ...garmin?.retry },
    ...persisted,
  });
}
