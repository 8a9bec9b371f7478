import type { GarminTokens } from '@wg-sync/garmin';
import type { WithingsTokens } from '@wg-sync/withings';
import { serializeGarminTokens } from './clients.js';
import type { Engine } from './context.js';
import { AccountNotFoundError } from './errors.js';
import { type AccountRecord, type HealthRecord, keys, serializeWithingsTokens } from './state.js';

/** An account as `accounts.list()` shows it (no secrets). */
export interface AccountSummary {
  userId: string;
  timeZone: string | null;
  linkedAt: string;
  /** Set when the user unlinked wg-sync in Withings; syncing stops until linked again. */
  unlinkedAt?: string;
  /** Which sides have tokens stored. */
  sessions: { withings: boolean; garmin: boolean };
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
    const [withings, garmin] = await Promise.all([
      store.get(keys.withingsTokens(record.userId)),
      store.get(keys.garminSession(record.userId)),
    ]);
    return {
      userId: record.userId,
      timeZone: record.timeZone,
      linkedAt: record.linkedAt,
      ...(record.unlinkedAt ? { unlinkedAt: record.unlinkedAt } : {}),
      sessions: { withings: withings !== undefined, garmin: garmin !== undefined },
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

    async list() {
      return Promise.all((await store.list<AccountRecord>('account/')).map((entry) => summary(entry.value)));
    },

    async unlink(userId) {
      if (!(await store.get(keys.account(userId)))) throw new AccountNotFoundError(userId);
      for (const key of [
        keys.withingsTokens,
        keys.garminSession,
        keys.pending,
        keys.health,
        keys.cursor,
        keys.account,
      ]) {
        await store.delete(key(userId));
      }
      engine.log.info('account.unlinked', { userId });
    },
  };
}
