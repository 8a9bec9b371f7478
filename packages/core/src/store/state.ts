import type { WithingsTokens } from '@wg-sync/withings';
import { isSyncErrorWithCode } from '../errors.js';
import type { StateStore, VersionedValue } from './state-store.js';

/** Every key wg-sync writes; all are per Withings user id. */
export const keys = {
  account: (userId: string) => `account/${userId}`,
  withingsTokens: (userId: string) => `withings/${userId}/tokens`,
  garminSession: (userId: string) => `garmin/${userId}/session`,
  intervalsCredentials: (userId: string) => `intervals/${userId}/credentials`,
  cursor: (userId: string) => `cursor/${userId}`,
  ledger: (userId: string, groupId: string) => `ledger/${userId}/${groupId}`,
  ledgerPrefix: (userId: string) => `ledger/${userId}/`,
  /** Garmin's index of recently synced weigh-ins (with `syncDeletions`). */
  recent: (userId: string) => `recent/${userId}`,
  lock: (userId: string) => `lock/${userId}`,
  pending: (userId: string) => `pending/${userId}`,
  health: (userId: string) => `health/${userId}`,
  debounce: (userId: string) => `debounce/${userId}`,
  /** The account's held weigh-ins and the answers given (`HeldRecord`). */
  held: (userId: string) => `held/${userId}`,
  /** Recent syncs, holdings and the weight trend, for the status page (`ActivityRecord`). */
  activity: (userId: string) => `activity/${userId}`,
};

/** A linked account: one Withings user mapped to one Garmin account. */
export interface AccountRecord {
  userId: string;
  /** IANA zone used for blood-pressure timestamps and display (default: Withings' `timezone`). */
  timeZone: string | null;
  linkedAt: string;
  /** Set when the user unlinked wg-sync in Withings (appli 46). */
  unlinkedAt?: string;
  /** The latest height Withings knows (type 4), for BMI; re-read monthly. */
  heightM?: number;
  heightCheckedAt?: string;
}

/** An account's intervals.icu API key and athlete (`intervals/<user>/credentials`). */
export interface IntervalsCredentials {
  apiKey: string;
  /** The athlete id (`i12345`), or `0`: the athlete the key belongs to. */
  athleteId: string;
  savedAt: string;
}

/** The account's Withings cursor (`lastupdate` for the next fetch). */
export interface CursorRecord {
  /** Epoch seconds of Withings' `updatetime` after the last fully successful sync. */
  lastUpdate: number;
}

/** One uploaded (or found) weigh-in per Withings group id: the idempotency ledger. */
export interface LedgerRecord {
  takenAt: string;
  weightKg?: number;
  kind: 'weight' | 'blood-pressure';
  /**
   * `uploaded`: we sent and read it back; `found`: the destination already had it; `superseded`: a
   * destination that keeps one record per day holds a later weigh-in of that day.
   */
  how: 'uploaded' | 'found' | 'superseded';
  at: string;
  garminSamplePk?: number;
  /**
   * Withings' `modified` of the weigh-in when this entry was written (entries of earlier versions
   * have none: `at` stands in). With `syncDeletions`, a later `modified` with other values is an edit.
   */
  modifiedAt?: string;
  /** The fat ratio written with the weigh-in, when it had one (for telling an edit apart). */
  fatPercent?: number;
  /**
   * The tombstone: when the weigh-in was deleted in Withings and wg-sync removed (or, for a record
   * it did not create, left) what it had written. The entry stays, so the weigh-in never comes back.
   */
  deletedAt?: string;
}

/**
 * Notifications received but not yet synced (drained by the next sync or `reconcile`). Written by
 * the public webhook, so nothing in it is trusted: it asks for a sync, it never sets its window.
 */
export interface PendingRecord {
  /**
   * Epoch seconds: the earliest `startdate` among pending notifications, for display only. Records
   * written by earlier versions may hold anything here (a forged `startdate=1`); the sync never reads it.
   */
  since: number;
  count: number;
  firstAt: string;
  lastAt: string;
  /** When a notification said the user unlinked wg-sync; the next sync asks Withings to confirm it. */
  unlinkReportedAt?: string;
}

/** The per-user webhook debounce window (`debounce/<user>`), shared by every process. */
export interface DebounceRecord {
  /** When the window's first webhook sync started. */
  windowStartedAt: string;
  /** Whether the one sync at the window's end has been claimed. */
  trailing: boolean;
}

/** Health of an account, for `/status`, `doctor` and alerts. */
export interface HealthRecord {
  lastAttemptAt?: string;
  lastSuccessAt?: string;
  /** `side` is absent in records written before 0.2 (doctor then reads the message). */
  lastError?: { code: string; message: string; at: string; side?: 'withings' | 'garmin' };
  /** When each alert type was last raised (one per day per type). */
  alerts?: Record<string, string>;
  /**
   * The webhook subscription as reconcile last saw it. `present: false` with `lostAt` and `error`:
   * the last check or re-subscribe failed (`SUBSCRIPTION_LOST`); the next success clears both.
   */
  subscription?: {
    checkedAt: string;
    present: boolean;
    restoredAt?: string;
    /** When the subscription step last failed. */
    lostAt?: string;
    /** Why it failed (redacted). */
    error?: { code: string; message: string };
  };
  /** Set while a side needs the user to authorize again. */
  reauth?: { withings?: string; garmin?: string };
}

/** Why a weigh-in is held: Withings' attrib 1, or outside the account's `weightBand`. */
export type HeldReason = 'ambiguous' | 'out-of-band';

/**
 * How a held weigh-in was answered: `assigned` by a person, `reattributed` by Withings (attrib 0),
 * `dismissed` by a person ("not me"), `expired` unanswered, `assigned-elsewhere` the same weigh-in
 * was assigned (or re-attributed) to another account of the deployment.
 */
export type HeldResolution = 'assigned' | 'reattributed' | 'dismissed' | 'expired' | 'assigned-elsewhere';

/** One held weigh-in as stored: every field of the merged weigh-in, its original instant. */
export interface StoredHeldWeighIn {
  reason: HeldReason;
  heldAt: string;
  takenAt: string;
  weightKg: number;
  groupIds: string[];
  modifiedAt: string;
  deviceId: string | null;
  model: string | null;
  attributions: number[];
  /** The body-composition and other measures (`WeighIn` field names) it has. */
  fields: Record<string, number>;
}

/** An answer: the weigh-in is never held again. */
export interface HeldTombstone {
  how: HeldResolution;
  at: string;
  takenAt: string;
  weightKg: number;
  groupIds: string[];
}

/**
 * An account's held weigh-ins (`held/<user>`), by id, and the answers given (bounded: at most 100
 * held, 500 answers, the oldest dropped first). Stores of earlier versions have no such key.
 */
export interface HeldRecord {
  items: Record<string, StoredHeldWeighIn>;
  resolved: Record<string, HeldTombstone>;
}

/** Tokens as JSON (dates as ISO strings). */
export function serializeWithingsTokens(tokens: WithingsTokens): Record<string, unknown> {
  return { ...tokens, expiresAt: tokens.expiresAt.toISOString() };
}

export function parseWithingsTokens(raw: unknown): WithingsTokens {
  const value = raw as Record<string, unknown>;
  return {
    userId: String(value.userId),
    accessToken: String(value.accessToken),
    refreshToken: String(value.refreshToken),
    expiresAt: new Date(String(value.expiresAt)),
    scope: Array.isArray(value.scope) ? value.scope.map(String) : [],
  };
}

/** Read-modify-write with compare-and-swap, retried on conflict (bounded). */
export async function update<T>(
  store: StateStore,
  key: string,
  change: (current: T | undefined) => T,
  options: { ttlSeconds?: number; first?: Promise<VersionedValue<T> | undefined> } = {},
): Promise<VersionedValue<T>> {
  const { first, ...putOptions } = options;
  for (let attempt = 0; ; attempt += 1) {
    // A read made earlier stands in for the first (a failed one is made again): if the entry changed
    // since, the swap fails and the next round reads it.
    const current =
      attempt === 0 && first ? await first.catch(() => store.get<T>(key)) : await store.get<T>(key);
    const value = change(current?.value);
    try {
      const version = await store.put(key, value, { ifVersion: current?.version ?? null, ...putOptions });
      return { value, version };
    } catch (error) {
      if (!isSyncErrorWithCode(error, 'STORE_CONFLICT') || attempt >= 20) throw error;
    }
  }
}
