import * as z from 'zod/mini';
import { ENGLISH } from '../config/zod-english.js';
import { StoreCorruptError } from '../errors.js';
import {
  entryLocation,
  type ListPage,
  type ListPageOptions,
  type StateStore,
  type VersionedValue,
} from './state-store.js';

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
