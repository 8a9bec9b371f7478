import type { GarminTokens } from '@wg-sync/garmin';
import type { WithingsTokens } from '@wg-sync/withings';
import type { Engine } from '../context.js';
import { destinationKeys, GARMIN_DESTINATION_ID } from '../destinations/ledger.js';
import { AccountNotFoundError } from '../errors.js';
import { listPages } from '../store/list-pages.js';
import {
  type AccountRecord,
  type HealthRecord,
  type IntervalsCredentials,
  keys,
  serializeWithingsTokens,
} from '../store/state.js';
import { serializeGarminTokens } from './clients.js';
import { ACCOUNT_PREFIX } from './linked-accounts.js';

/** An account as `accounts.list()` shows it (no secrets). */
export interface AccountSummary {
  userId: string;
  timeZone: string | null;
  linkedAt: string;
  /** Set when the user unlinked wg-sync in Withings; syncing stops until linked again. */
  unlinkedAt?: string;
  /** Which sides have tokens stored (`intervals`: an intervals.icu API key). */
  sessions: { withings: boolean; garmin: boolean; intervals: boolean };
}

/** Account management: which Withings user goes to which Garmin account. */
export interface Accounts {
  /**
   * Links a Withings user (tokens from `withingsOAuth.exchangeCode`) to a Garmin account (tokens from
   * `garminLogin`, `garminBrowserLogin`, `exchangeServiceTicket` or `importGarminTokens`). Linking again
   * replaces the tokens; the ledger is kept, so nothing is uploaded twice.
   */
  link(input: { withings: WithingsTokens; garmin: GarminTokens; timeZone?: string }): Promise<AccountSummary>;
  /**
   * Stores (or replaces) one side's tokens: the CLI links in two steps (`wg-sync withings auth`, then
   * `wg-sync garmin login`). Setting Withings tokens creates the account; syncs report
   * `REAUTH_REQUIRED` for the other side until it is set too.
   */
  setWithings(tokens: WithingsTokens, options?: { timeZone?: string }): Promise<AccountSummary>;
  /** Stores (or replaces) the Garmin tokens of an account created by {@link Accounts.setWithings} or {@link Accounts.link}. */
  setGarmin(userId: string, tokens: GarminTokens): Promise<AccountSummary>;
  /**
   * Sends the account's weigh-ins to intervals.icu too, as wellness records (one per day in the
   * athlete's time zone), with an API key from intervals.icu → Settings → Developer Settings. The
   * key is stored, never logged; `wg-sync intervals link` checks it with a real call first. Setting
   * it again replaces it (its ledger is kept, so nothing is written twice).
   */
  setIntervals(userId: string, credentials: { apiKey: string; athleteId?: string }): Promise<AccountSummary>;
  /** Stops sending the account's weigh-ins to intervals.icu and forgets the key (its ledger is kept). */
  removeIntervals(userId: string): Promise<AccountSummary>;
  /**
   * A built-in destination's credentials by its id: `setDestination(userId, 'intervals', { apiKey,
   * athleteId })` is {@link Accounts.setIntervals}, `setDestination(userId, 'garmin', tokens)` is
   * {@link Accounts.setGarmin}. Your own destinations keep their credentials themselves.
   */
  setDestination(
    userId: string,
    destination: 'intervals',
    credentials: { apiKey: string; athleteId?: string },
  ): Promise<AccountSummary>;
  setDestination(userId: string, destination: 'garmin', tokens: GarminTokens): Promise<AccountSummary>;
  /** Every linked account. */
  list(): Promise<AccountSummary[]>;
  /** Forgets an account's tokens and state (the ledger is kept). */
  unlink(userId: string): Promise<void>;
}

function checkWithings(withings: WithingsTokens) {
  if (
    !withings?.userId ||
    !withings.accessToken ||
    !withings.refreshToken ||
    !(withings.expiresAt instanceof Date)
  ) {
    throw new TypeError('withings must be WithingsTokens (userId, accessToken, refreshToken, expiresAt)');
  }
}

function checkGarmin(garmin: GarminTokens) {
  if (!garmin?.accessToken || !garmin.refreshToken || !garmin.clientId) {
    throw new TypeError('garmin must be GarminTokens (accessToken, refreshToken, clientId)');
  }
}

function checkTimeZone(timeZone: string | undefined) {
  if (timeZone === undefined) return;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new RangeError(`unknown time zone ${JSON.stringify(timeZone)}`);
  }
}

export function createAccounts(engine: Engine): Accounts {
  const { store } = engine.config;
  const summary = async (record: AccountRecord): Promise<AccountSummary> => {
    const [withings, garmin, intervals] = await Promise.all([
      store.get(keys.withingsTokens(record.userId)),
      store.get(keys.garminSession(record.userId)),
      store.get(keys.intervalsCredentials(record.userId)),
    ]);
    return {
      userId: record.userId,
      timeZone: record.timeZone,
      linkedAt: record.linkedAt,
      ...(record.unlinkedAt ? { unlinkedAt: record.unlinkedAt } : {}),
      sessions: {
        withings: withings !== undefined,
        garmin: garmin !== undefined,
        intervals: intervals !== undefined,
      },
    };
  };
  const clearReauth = async (userId: string, side?: 'withings' | 'garmin') => {
    const health = await store.get<HealthRecord>(keys.health(userId));
    if (!health?.value.reauth) return;
    const reauth = { ...health.value.reauth };
    if (side) delete reauth[side];
    const { reauth: _old, ...rest } = health.value;
    await store.put(keys.health(userId), side && Object.keys(reauth).length ? { ...rest, reauth } : rest);
  };
  const setWithings = async (withings: WithingsTokens, timeZone?: string): Promise<AccountRecord> => {
    checkWithings(withings);
    checkTimeZone(timeZone);
    engine.redactor.add(withings.accessToken, withings.refreshToken);
    const userId = withings.userId;
    const now = engine.config.now().toISOString();
    const previous = await store.get<AccountRecord>(keys.account(userId));
    const record: AccountRecord = {
      userId,
      timeZone: timeZone ?? previous?.value.timeZone ?? null,
      linkedAt: now,
      ...(previous?.value.heightM ? { heightM: previous.value.heightM } : {}),
    };
    await store.put(keys.withingsTokens(userId), { ...serializeWithingsTokens(withings), savedAt: now });
    await store.put(keys.account(userId), record);
    return record;
  };
  const setGarmin = async (userId: string, garmin: GarminTokens) => {
    checkGarmin(garmin);
    engine.redactor.add(garmin.accessToken, garmin.refreshToken);
    const now = engine.config.now().toISOString();
    await store.put(keys.garminSession(userId), { ...serializeGarminTokens(garmin), savedAt: now });
  };

  return {
    async link({ withings, garmin, timeZone }) {
      checkWithings(withings);
      checkGarmin(garmin);
      const record = await setWithings(withings, timeZone);
      await setGarmin(record.userId, garmin);
      await clearReauth(record.userId);
      engine.log.info('account.linked', { userId: record.userId });
      return summary(record);
    },

    async setWithings(withings, options = {}) {
      const record = await setWithings(withings, options.timeZone);
      await clearReauth(record.userId, 'withings');
      engine.log.info('account.withings.set', { userId: record.userId });
      return summary(record);
    },

    async setGarmin(userId, garmin) {
      const account = await store.get<AccountRecord>(keys.account(userId));
      if (!account) throw new AccountNotFoundError(userId);
      await setGarmin(userId, garmin);
      await clearReauth(userId, 'garmin');
      engine.log.info('account.garmin.set', { userId });
      return summary(account.value);
    },

    async setIntervals(userId, credentials) {
      const apiKey = credentials?.apiKey;
      const athleteId = credentials?.athleteId ?? '0';
      if (typeof apiKey !== 'string' || !/^\S{8,200}$/.test(apiKey))
        throw new TypeError('apiKey must be the intervals.icu API key (Settings → Developer Settings)');
      if (typeof athleteId !== 'string' || !/^(0|i?\d{1,12})$/.test(athleteId))
        throw new TypeError(
          'athleteId must be the intervals.icu athlete id (i12345), or 0 for the key’s own athlete',
        );
      const account = await store.get<AccountRecord>(keys.account(userId));
      if (!account) throw new AccountNotFoundError(userId);
      engine.redactor.add(apiKey);
      const record: IntervalsCredentials = { apiKey, athleteId, savedAt: engine.config.now().toISOString() };
      await store.put(keys.intervalsCredentials(userId), record);
      engine.log.info('account.intervals.set', { userId, athleteId });
      return summary(account.value);
    },

    async setDestination(userId: string, destination: string, credentials: unknown): Promise<AccountSummary> {
      if (destination === 'intervals')
        return this.setIntervals(userId, credentials as { apiKey: string; athleteId?: string });
      if (destination === 'garmin') return this.setGarmin(userId, credentials as GarminTokens);
      throw new TypeError(
        `setDestination sets the built-in destinations' credentials ('garmin', 'intervals'), not ${JSON.stringify(destination)}`,
      );
    },

    async removeIntervals(userId) {
      const account = await store.get<AccountRecord>(keys.account(userId));
      if (!account) throw new AccountNotFoundError(userId);
      await store.delete(keys.intervalsCredentials(userId));
      engine.log.info('account.intervals.removed', { userId });
      return summary(account.value);
    },

    async list() {
      const accounts: AccountSummary[] = [];
      for await (const page of listPages<AccountRecord>(store, ACCOUNT_PREFIX)) {
        accounts.push(...(await Promise.all(page.entries.map((entry) => summary(entry.value)))));
      }
      return accounts;
    },

    async unlink(userId) {
      if (!(await store.get(keys.account(userId)))) throw new AccountNotFoundError(userId);
      for (const key of [
        keys.withingsTokens,
        keys.garminSession,
        keys.intervalsCredentials,
        keys.pending,
        keys.health,
        keys.cursor,
        keys.account,
      ]) {
        await store.delete(key(userId));
      }
      // Other destinations' cursors too (Garmin's is cursor/<user> above); ledgers stay, as Garmin's
      // does, so a person who links again is not sent what they already have.
      for (const destination of engine.destinations) {
        if (destination.id !== GARMIN_DESTINATION_ID)
          await store.delete(destinationKeys.cursor(destination.id, userId));
      }
      engine.log.info('account.unlinked', { userId });
    },
  };
}
