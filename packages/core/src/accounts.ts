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
}

/** Account management: which Withings user goes to which Garmin account. */
export interface Accounts {
  /**
   * Links a Withings user (tokens from `withingsOAuth.exchangeCode`) to a Garmin account (tokens from
   * `garminLogin`, `garminBrowserLogin`, `exchangeServiceTicket` or `importGarminTokens`). Linking again
   * replaces the tokens; the ledger is kept, so nothing is uploaded twice.
   */
  link(input: { withings: WithingsTokens; garmin: GarminTokens; timeZone?: string }): Promise<AccountSummary>;
  /** Every linked account. */
  list(): Promise<AccountSummary[]>;
  /** Forgets an account's tokens and state (the ledger is kept). */
  unlink(userId: string): Promise<void>;
}

const summary = (record: AccountRecord): AccountSummary => ({
  userId: record.userId,
  timeZone: record.timeZone,
  linkedAt: record.linkedAt,
  ...(record.unlinkedAt ? { unlinkedAt: record.unlinkedAt } : {}),
});

export function createAccounts(engine: Engine): Accounts {
  const { store } = engine.config;
  return {
    async link({ withings, garmin, timeZone }) {
      if (
        !withings?.userId ||
        !withings.accessToken ||
        !withings.refreshToken ||
        !(withings.expiresAt instanceof Date)
      ) {
        throw new TypeError(
          'accounts.link: withings must be WithingsTokens (userId, accessToken, refreshToken, expiresAt)',
        );
      }
      if (!garmin?.accessToken || !garmin.refreshToken || !garmin.clientId) {
        throw new TypeError(
          'accounts.link: garmin must be GarminTokens (accessToken, refreshToken, clientId)',
        );
      }
      if (timeZone !== undefined) {
        try {
          new Intl.DateTimeFormat('en-US', { timeZone });
        } catch {
          throw new RangeError(`accounts.link: unknown time zone ${JSON.stringify(timeZone)}`);
        }
      }
      engine.redactor.add(
        withings.accessToken,
        withings.refreshToken,
        garmin.accessToken,
        garmin.refreshToken,
      );
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
      await store.put(keys.garminSession(userId), { ...serializeGarminTokens(garmin), savedAt: now });
      await store.put(keys.account(userId), record);
      const health = await store.get<HealthRecord>(keys.health(userId));
      if (health?.value.reauth) {
        const { reauth: _cleared, ...rest } = health.value;
        await store.put(keys.health(userId), rest);
      }
      engine.log.info('account.linked', { userId });
      return summary(record);
    },

    async list() {
      return (await store.list<AccountRecord>('account/')).map((entry) => summary(entry.value));
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
