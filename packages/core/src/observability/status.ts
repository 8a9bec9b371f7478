import type { Engine } from '../context.js';
import { type AccountRecord, type HealthRecord, keys, type PendingRecord } from '../store/state.js';

/** When an account's stored credentials for one side expire and were last saved. */
export interface CredentialStatus {
  /** When the stored access token (Garmin: the session) expires; `null` when the store does not say. */
  accessTokenExpiresAt: string | null;
  /** When the credentials were last saved (a refresh, a sign-in); `null` when the store does not say. */
  refreshedAt: string | null;
}

/** One account in {@link StatusReport}, as `GET /status` and `Sync.status()` show it. */
export interface AccountStatus {
  /** The Withings user id. */
  userId: string;
  /** When the account was linked (ISO 8601). */
  linkedAt: string;
  /** When Withings confirmed the user unlinked wg-sync; absent while linked. */
  unlinkedAt?: string;
  /** When a sync of this account last ended without a failure; `null` before the first one. */
  lastSuccessAt: string | null;
  /** When a sync of this account last started; `null` before the first one. */
  lastAttemptAt: string | null;
  /**
   * The last sync's failure (message redacted); `null` once a sync succeeds. `side` is absent in
   * records written before 0.2.
   */
  lastError: { code: string; message: string; at: string; side?: 'withings' | 'garmin' } | null;
  /** The sides (`withings`, `garmin`) whose user must authorize again before syncs can resume. */
  reauthRequired: string[];
  /** The webhook subscription as reconcile last saw it; `null` before reconcile first checks it. */
  subscription: {
    /** When reconcile last checked it. */
    checkedAt: string;
    /** Whether Withings still had the subscription then. */
    present: boolean;
    /** When reconcile last re-subscribed. */
    restoredAt?: string;
    /** When the subscription step last failed; cleared by the next success. */
    lostAt?: string;
    /** Why it failed (redacted); cleared by the next success. */
    error?: { code: string; message: string };
  } | null;
  /** Notifications received but not yet synced; `null` when there are none. */
  pending: {
    /** How many notifications are waiting. */
    count: number;
    /** When the first of them arrived (ISO 8601). */
    since: string;
  } | null;
  /** The stored Withings tokens; `null` when the account has none. */
  withings: CredentialStatus | null;
  /** The stored Garmin session; `null` when the account has none. */
  garmin: CredentialStatus | null;
  /**
   * The stored intervals.icu key (it does not expire: `accessTokenExpiresAt` is `null`); absent when
   * the account has not linked intervals.icu.
   */
  intervals?: CredentialStatus;
}

/** What `GET /status` answers and `Sync.status()` returns: every account's health, no secret. */
export interface StatusReport {
  /** Every account in the store, unlinked ones included, in the store's order. */
  accounts: AccountStatus[];
}

/** Reads every account's health, pending notifications and credential ages from the store. */
export async function status(engine: Engine): Promise<StatusReport> {
  const { store } = engine.config;
  const accounts = await store.list<AccountRecord>('account/');
  return {
    accounts: await Promise.all(
      accounts.map(async ({ value: account }) => {
        const [health, pending, withings, garmin, intervals] = await Promise.all([
          store.get<HealthRecord>(keys.health(account.userId)),
          store.get<PendingRecord>(keys.pending(account.userId)),
          store.get<{ expiresAt?: string; savedAt?: string }>(keys.withingsTokens(account.userId)),
          store.get<{ expiresAt?: string | null; savedAt?: string }>(keys.garminSession(account.userId)),
          store.get<{ savedAt?: string }>(keys.intervalsCredentials(account.userId)),
        ]);
        return {
          userId: account.userId,
          linkedAt: account.linkedAt,
          ...(account.unlinkedAt ? { unlinkedAt: account.unlinkedAt } : {}),
          lastSuccessAt: health?.value.lastSuccessAt ?? null,
          lastAttemptAt: health?.value.lastAttemptAt ?? null,
          lastError: health?.value.lastError ?? null,
          reauthRequired: Object.keys(health?.value.reauth ?? {}),
          subscription: health?.value.subscription ?? null,
          pending: pending ? { count: pending.value.count, since: pending.value.firstAt } : null,
          withings: withings
            ? {
                accessTokenExpiresAt: withings.value.expiresAt ?? null,
                refreshedAt: withings.value.savedAt ?? null,
              }
            : null,
          garmin: garmin
            ? {
                accessTokenExpiresAt: garmin.value.expiresAt ?? null,
                refreshedAt: garmin.value.savedAt ?? null,
              }
            : null,
          ...(intervals
            ? { intervals: { accessTokenExpiresAt: null, refreshedAt: intervals.value.savedAt ?? null } }
            : {}),
        };
      }),
    ),
  };
}
