import type { WithingsTokens } from '@wg-sync/withings';
import * as z from 'zod/mini';
import { ENGLISH } from '../config/zod-english.js';
import { isSyncErrorWithCode, StoreCorruptError } from '../errors.js';
import {
  entryLocation,
  type ListPage,
  type ListPageOptions,
  type StateStore,
  type VersionedValue,
} from './state-store.js';

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
  options: { ttlSeconds?: number } = {},
): Promise<VersionedValue<T>> {
  for (let attempt = 0; ; attempt += 1) {
    const current = await store.get<T>(key);
    const value = change(current?.value);
    try {
      const version = await store.put(key, value, { ifVersion: current?.version ?? null, ...options });
      return { value, version };
    } catch (error) {
      if (!isSyncErrorWithCode(error, 'STORE_CONFLICT') || attempt >= 20) throw error;
    }
  }
}

// The shapes the engine reads, checked when an entry is read: valid JSON of the wrong shape is as
// corrupt as a file that does not parse, and is never read as "absent" or half a record. Tolerant:
// extra fields are kept, fields added later are optional, and every field checked is one the engine
// uses, in every form earlier versions wrote it.
const text = z.string();
const instant = z.optional(z.string());
const SHAPES: Array<{ key: RegExp; what: string; schema: z.ZodMiniType }> = [
  {
    key: /^account\/[^/]+$/,
    what: 'an account record',
    schema: z.looseObject({
      userId: text.check(z.minLength(1)),
      timeZone: z.optional(z.nullable(text)),
      linkedAt: text,
      unlinkedAt: instant,
      heightM: z.optional(z.number()),
      heightCheckedAt: instant,
    }),
  },
  {
    key: /^withings\/[^/]+\/tokens$/,
    what: 'Withings tokens',
    schema: z.looseObject({
      userId: z.union([text, z.number()]),
      accessToken: text,
      refreshToken: text,
      expiresAt: text,
    }),
  },
  {
    key: /^garmin\/[^/]+\/session$/,
    what: 'a Garmin session',
    schema: z.looseObject({
      accessToken: text,
      refreshToken: text,
      clientId: text,
      expiresAt: z.optional(z.nullable(text)),
      domain: z.optional(text),
    }),
  },
  {
    key: /^intervals\/[^/]+\/credentials$/,
    what: 'intervals.icu credentials',
    schema: z.looseObject({ apiKey: text.check(z.minLength(1)), athleteId: text.check(z.minLength(1)) }),
  },
  {
    key: /^(cursor\/[^/]+|destinations\/[^/]+\/cursor\/[^/]+)$/,
    what: 'a cursor',
    schema: z.looseObject({ lastUpdate: z.number() }),
  },
  {
    key: /^pending\/[^/]+$/,
    what: 'a pending-notifications record',
    // `since` is not read (records of 0.1 may hold anything there).
    schema: z.looseObject({ count: z.number(), firstAt: text, lastAt: instant, unlinkReportedAt: instant }),
  },
  {
    key: /^health\/[^/]+$/,
    what: 'a health record',
    schema: z.looseObject({
      lastAttemptAt: instant,
      lastSuccessAt: instant,
      lastError: z.optional(
        z.looseObject({ code: text, message: text, at: instant, side: z.optional(text) }),
      ),
      alerts: z.optional(z.record(text, text)),
      subscription: z.optional(
        z.looseObject({
          checkedAt: instant,
          present: z.optional(z.boolean()),
          restoredAt: instant,
          lostAt: instant,
          error: z.optional(z.looseObject({ code: text, message: z.optional(text) })),
        }),
      ),
      reauth: z.optional(z.looseObject({ withings: instant, garmin: instant })),
    }),
  },
  {
    key: /^(recent\/[^/]+|destinations\/[^/]+\/recent\/[^/]+)$/,
    what: 'a recent-weigh-ins index',
    schema: z.looseObject({ groups: z.record(text, z.looseObject({ takenAt: text, how: text })) }),
  },
  {
    key: /^activity\/[^/]+$/,
    what: 'an activity record',
    schema: z.looseObject({
      syncs: z.array(z.looseObject({ at: text, result: text, synced: z.number() })),
      holds: z.record(text, z.looseObject({ weighIns: z.number(), lastWriteAt: instant })),
      lastNotificationAt: instant,
      trend: z.array(z.tuple([z.number(), z.number(), z.nullable(z.number()), text])),
    }),
  },
  {
    key: /^held\/[^/]+$/,
    what: 'a held weigh-ins record',
    schema: z.looseObject({
      items: z.record(
        text,
        z.looseObject({
          reason: text,
          heldAt: text,
          takenAt: text,
          weightKg: z.number(),
          groupIds: z.array(text),
          fields: z.optional(z.record(text, z.number())),
        }),
      ),
      resolved: z.record(
        text,
        z.looseObject({ how: text, at: text, takenAt: text, weightKg: z.number(), groupIds: z.array(text) }),
      ),
    }),
  },
  {
    key: /^(ledger\/[^/]+\/[^/]+|destinations\/[^/]+\/ledger\/[^/]+\/[^/]+)$/,
    what: 'a ledger entry',
    // Only its presence is read; an entry that is not even an object was not written by wg-sync.
    schema: z.looseObject({ takenAt: z.optional(text) }),
  },
];

/**
 * What is wrong with a stored value for `key`, or `undefined` when it has the shape the engine reads
 * (keys wg-sync does not read here are not checked). The reason names fields, never values.
 * @internal
 */
export function stateShapeProblem(key: string, value: unknown): string | undefined {
  const shape = SHAPES.find((s) => s.key.test(key));
  if (!shape) return undefined;
  const parsed = shape.schema.safeParse(value, { error: ENGLISH });
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0];
  const field = issue?.path.length ? issue.path.join('.') : undefined;
  const expected = issue?.code === 'invalid_type' ? `expected ${issue.expected}` : 'invalid';
  return `not ${shape.what}: ${field ? `${field} ${expected}` : `${expected} at the top level`}`;
}

const checked = new WeakSet<StateStore>();

/**
 * `store`, with every entry the engine reads checked for its shape on `get`, `list` and `listPage`:
 * one of the wrong shape is a {@link StoreCorruptError} naming the key and where it lives, like one
 * that does not parse. Writes and other keys pass through unchanged. Wrapping twice is harmless.
 * @internal
 */
export function checkedStore(store: StateStore): StateStore {
  if (checked.has(store)) return store;
  const check = <T>(key: string, entry: VersionedValue<T> | undefined) => {
    if (entry === undefined) return entry;
    const problem = stateShapeProblem(key, entry.value);
    if (problem) throw new StoreCorruptError(key, entryLocation(store, key), problem);
    return entry;
  };
  // Methods are looked up at each call: tests and the fault matrix patch the inner store's put.
  const wrapped: StateStore = {
    get: async <T>(key: string) => check(key, await store.get<T>(key)),
    put: (key, value, options) => store.put(key, value, options),
    delete: (key, options) => store.delete(key, options),
    list: async <T>(prefix: string) => {
      const entries = await store.list<T>(prefix);
      for (const entry of entries) check(entry.key, entry);
      return entries;
    },
  };
  const { listPage } = store;
  if (listPage) {
    wrapped.listPage = async <T>(prefix: string, options?: ListPageOptions) => {
      const page = await listPage.call(store, prefix, options);
      for (const entry of page.entries) check(entry.key, entry);
      return page as ListPage<T>;
    };
  }
  checked.add(wrapped);
  return wrapped;
}
