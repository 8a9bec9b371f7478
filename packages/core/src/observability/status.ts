import type { Engine } from '../context.js';
import { type HeldWeighIn, listHeld } from '../engine/held.js';
import { BUDGET_KEY, storedBackoff } from '../engine/withings-budget-record.js';
import { listPages } from '../store/list-pages.js';
import { type AccountRecord, type HealthRecord, keys, type PendingRecord } from '../store/state.js';
import { accountHealth } from './account-health.js';
import {
  ACTIVITY_TREND_DAYS,
  type ActivityRecord,
  type DestinationHolding,
  type SyncOutcome,
} from './activity.js';

/**
 * An account's health in one word, and why: `ok`; `attention` (it syncs, but something needs a look
 * soon: the last sync failed, the webhook subscription is lost, notifications wait); `broken` (it
 * cannot sync until a person acts: a side must sign in again, credentials are missing, it is
 * unlinked, or nothing synced for `staleAfterDays`).
 */
export interface AccountHealth {
  level: 'ok' | 'attention' | 'broken';
  /** Plain words, one per finding; empty when `ok`. */
  reasons: string[];
}

/** A weigh-in of {@link AccountStatus.trend}. */
export interface TrendPoint {
  /** ISO instant of the weigh-in. */
  takenAt: string;
  weightKg: number;
  /** The body fat written with it, when the ledger has it (entries of earlier versions do not). */
  fatPercent?: number;
  /** The destinations wg-sync wrote it to (empty: it was already there). */
  writtenTo: string[];
}

/** Options of `Sync.status()` (and `GET /status?trend=N`). */
export interface StatusOptions {
  /** Also return each account's weigh-ins of the last N days (1–400) as `trend`. */
  trendDays?: number;
}

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
  /** Ok, needs attention, or broken, with the reasons in plain words. */
  health: AccountHealth;
  /** When Withings last sent a notification for the account; `null` when none was recorded yet. */
  lastNotificationAt: string | null;
  /** The last 20 syncs, newest first (empty before the first sync with this version). */
  recentSyncs: SyncOutcome[];
  /** What each destination the account uses holds. */
  destinations: DestinationHolding[];
  /** With `trendDays`: the weigh-ins of that many days, oldest first. */
  trend?: TrendPoint[];
  /**
   * Weigh-ins held for a person to say whose they are (`sync.held`), oldest first: the same list the
   * status page shows with its "This was me" / "Not me" buttons. Empty when none wait.
   */
  held: HeldWeighIn[];
}

/** What `GET /status` answers and `Sync.status()` returns: every account's health, no secret. */
export interface StatusReport {
  /** Every account in the store, unlinked ones included, in the store's order. */
  accounts: AccountStatus[];
  /**
   * Only while Withings has refused the application for calling too often (status 601): the
   * instant before which no process of the deployment calls Withings again (`wait_seconds` after
   * the refusal). Syncs meanwhile wait or come back later; nothing is lost.
   */
  withingsBackoffUntil?: string;
}

/**
 * Reads every account's health, pending notifications, credential ages and recent activity from the
 * store: a few entries per account, never the ledger, and no upstream call.
 */
export async function status(engine: Engine, options: StatusOptions = {}): Promise<StatusReport> {
  const { store } = engine.config;
  const trendDays =
    options.trendDays === undefined
      ? undefined
      : Math.min(ACTIVITY_TREND_DAYS, Math.max(1, Math.floor(options.trendDays)));
  const now = engine.config.now();
  const accountStatus = async ({ value: account }: { value: AccountRecord }): Promise<AccountStatus> => {
    const [health, pending, withings, garmin, intervals, activity, held] = await Promise.all([
      store.get<HealthRecord>(keys.health(account.userId)),
      store.get<PendingRecord>(keys.pending(account.userId)),
      store.get<{ expiresAt?: string; savedAt?: string }>(keys.withingsTokens(account.userId)),
      store.get<{ expiresAt?: string | null; savedAt?: string }>(keys.garminSession(account.userId)),
      store.get<{ savedAt?: string }>(keys.intervalsCredentials(account.userId)),
      store.get<ActivityRecord>(keys.activity(account.userId)),
      listHeld(engine, account.userId),
    ]);
    const entry: Omit<AccountStatus, 'health'> = {
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
      lastNotificationAt: latest(pending?.value.lastAt, activity?.value.lastNotificationAt),
      recentSyncs: activity?.value.syncs ?? [],
      destinations: holdings(engine, activity?.value, { garmin: !!garmin, intervals: !!intervals }),
      ...(trendDays === undefined ? {} : { trend: trendOf(activity?.value, trendDays, now) }),
      held: account.unlinkedAt ? [] : held,
    };
    return {
      ...entry,
      health: accountHealth(entry, { now, staleAfterDays: engine.config.staleAfterDays }),
    };
  };
  // A page of accounts at a time: the reads of one page run together, never every account's at once.
  // Read beside the accounts; a failure is thrown below, where it is awaited, not left unhandled.
  const budget = store.get<unknown>(BUDGET_KEY);
  budget.catch(() => undefined);
  const accounts: AccountStatus[] = [];
  for await (const page of listPages<AccountRecord>(store, 'account/')) {
    accounts.push(...(await Promise.all(page.entries.map(accountStatus))));
  }
  const backoffUntil = storedBackoff((await budget)?.value);
  return {
    accounts,
    ...(backoffUntil > now.getTime() ? { withingsBackoffUntil: new Date(backoffUntil).toISOString() } : {}),
  };
}

function latest(...instants: Array<string | undefined>): string | null {
  const known = instants.filter((x): x is string => !!x).sort();
  return known[known.length - 1] ?? null;
}

/** Garmin and intervals.icu when the account links them (or they hold something); yours always. */
function holdings(
  engine: Engine,
  activity: ActivityRecord | undefined,
  linked: Record<'garmin' | 'intervals', boolean>,
): DestinationHolding[] {
  return engine.destinations
    .filter((d) => !(d.id in linked) || linked[d.id as keyof typeof linked] || activity?.holds[d.id])
    .map((d) => {
      const hold = activity?.holds[d.id];
      return {
        id: d.id,
        weighIns: hold ? hold.weighIns : activity ? 0 : null,
        lastWriteAt: hold?.lastWriteAt ?? null,
      };
    });
}

function trendOf(activity: ActivityRecord | undefined, days: number, now: Date): TrendPoint[] {
  const oldest = now.getTime() / 1000 - days * 86_400;
  return (activity?.trend ?? [])
    .filter(([t]) => t >= oldest)
    .map(([t, kg, fat, written]) => ({
      takenAt: new Date(t * 1000).toISOString(),
      weightKg: kg,
      ...(fat === null ? {} : { fatPercent: fat }),
      writtenTo: written ? written.split(',') : [],
    }));
}
