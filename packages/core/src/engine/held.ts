import type { MeasureGroup, WeighIn } from '@wg-sync/withings';
import type { Engine } from '../context.js';
import { HeldNotFoundError } from '../errors.js';
import { raiseAlert } from '../observability/health.js';
import type { HeldChanges, SyncReport } from '../observability/report.js';
import {
  type HeldReason,
  type HeldRecord,
  type HeldResolution,
  type HeldTombstone,
  keys,
  type StoredHeldWeighIn,
  update,
} from '../store/state.js';
import type { VersionedValue } from '../store/state-store.js';

export type { HeldReason } from '../store/state.js';

const DAY_MS = 86_400_000;
/** At most this many held per account: beyond it, the oldest expire first. */
const MAX_HELD = 100;
/** At most this many answers (tombstones) per account: beyond it, the oldest are forgotten. */
const MAX_RESOLVED = 500;
/** Fields of a weigh-in that are not measures. */
const NOT_MEASURES = new Set([
  'takenAt',
  'groupIds',
  'modifiedAt',
  'deviceId',
  'model',
  'attributions',
  'weightKg',
]);

/** The measures of a held weigh-in besides its weight (`WeighIn` field names: `fatPercent`, `muscleMassKg`, …). */
export type HeldFields = Partial<
  Record<
    Exclude<
      keyof WeighIn,
      'takenAt' | 'groupIds' | 'modifiedAt' | 'deviceId' | 'model' | 'attributions' | 'weightKg'
    >,
    number
  >
>;

/**
 * A weigh-in wg-sync did not sync on its own and keeps for a person to answer: Withings could not
 * tell whose it is (`ambiguous`, attrib 1), or it is outside the account's `weightBand`
 * (`out-of-band`). Kept with its original instant and every measure, until assigned
 * ({@link HeldWeighIns.assign}), dismissed, re-attributed in the Withings app, or expired.
 */
export interface HeldWeighIn {
  /** The id to answer with (stable: the same weigh-in read again has the same id). */
  id: string;
  /** The Withings user whose account holds it. */
  userId: string;
  /** ISO instant it was measured (what the destinations get). */
  takenAt: string;
  weightKg: number;
  /** Every other measure it has (body composition, heart rate, …). */
  fields: HeldFields;
  reason: HeldReason;
  /** ISO instant it was first held. */
  heldAt: string;
  /** ISO instant it expires unanswered (`heldForDays` after `heldAt`). */
  expiresAt: string;
  /** Its Withings measure groups. */
  groupIds: string[];
  /** The scale's model, when Withings says. */
  model: string | null;
}

/**
 * `sync.held`: the weigh-ins held for a person to answer ("this was me" / "not me").
 *
 * @example
 * ```ts
 * for (const h of await sync.held.list()) console.log(h.id, h.takenAt, h.weightKg, h.reason);
 * const report = await sync.held.assign(id); // written to every destination, original instant
 * await sync.held.dismiss(otherId);          // "not me": never held again
 * ```
 */
export interface HeldWeighIns {
  /** The weigh-ins held now (of one account, or of all), oldest first; expired ones are left out. */
  list(userId?: string): Promise<HeldWeighIn[]>;
  /**
   * "This was me": writes the weigh-in to every destination of its account, with its original
   * instant and all its fields, through the usual write and read-back (the ledger keeps it from
   * being written twice), under the account's sync lease. Once every destination has it, it leaves
   * the list, and the same weigh-in held by another account (same instant and weight within
   * `dedup`) is dismissed there. A weigh-in already synced (Withings re-attributed it meanwhile) is
   * reported as `duplicate-ledger`, not written again. On a failure it stays held (the report's
   * `failed` says why); assign it again.
   * @throws HeldNotFoundError when no account holds `id` (or it was dismissed or expired).
   */
  assign(id: string): Promise<SyncReport>;
  /**
   * "Not me": the weigh-in leaves the list for good (a tombstone keeps it from being held again).
   * Dismissing one already dismissed does nothing.
   * @throws HeldNotFoundError when no account holds `id`, or it was already synced (assigned or re-attributed).
   */
  dismiss(id: string): Promise<void>;
}

/** A weigh-in the sync would hold, with its id. */
interface Candidate {
  id: string;
  reason: HeldReason;
  weighIn: WeighIn;
}

const emptyRecord = (): HeldRecord => ({ items: {}, resolved: {} });
const emptyChanges = (): HeldChanges => ({
  held: [],
  expired: [],
  reattributed: [],
  assigned: [],
  dismissed: [],
});
const changed = (c: HeldChanges) => Object.values(c).some((ids) => ids.length > 0);

/**
 * Part of step 2 (fetch and sort), for one account: holds the weigh-ins a person must answer, and
 * keeps the held list current.
 *
 * - The measure groups excluded as `ambiguous` are merged per instant and device, like any weigh-in
 *   (every group of that instant: body composition, heart rate, PWV), and held; so are the weigh-ins
 *   outside the account's `weightBand`, which leave `weighIns`.
 * - One already answered (a tombstone) is not held again; one another account was assigned is
 *   dismissed at once (`assigned-elsewhere`).
 * - A held one that now comes back attributed to the account (attrib 0: re-attributed in the Withings
 *   app) leaves the list (`reattributed`); it syncs as usual, and the ledger keeps it from being
 *   written twice when it was assigned meanwhile.
 * - Those held for more than `heldForDays` expire (`expired`, in the report and the log).
 *
 * A dry run writes nothing and raises nothing. @returns the weigh-ins to sync, and the held id of each
 * group that is held (for the skipped entries).
 */
export async function holdWeighIns(
  engine: Engine,
  input: {
    userId: string;
    dryRun: boolean;
    groups: MeasureGroup[];
    weighIns: WeighIn[];
    excluded: ReadonlyArray<{ groupId: string; reason: string }>;
  },
): Promise<{
  weighIns: WeighIn[];
  heldIds: Map<string, string>;
  outOfBand: WeighIn[];
  changes?: HeldChanges;
}> {
  const { userId, dryRun, groups, excluded } = input;
  const { toWeighIns } = await import('@wg-sync/withings');
  const candidates: Candidate[] = [];
  const inWeighIns = new Set(input.weighIns.flatMap((w) => w.groupIds));
  const ambiguous = new Set(excluded.filter((e) => e.reason === 'ambiguous').map((e) => e.groupId));
  if (ambiguous.size > 0) {
    const buckets = new Map<string, MeasureGroup[]>();
    for (const group of groups) {
      if (group.category !== 1 || inWeighIns.has(group.groupId)) continue;
      const key = `${group.takenAt.getTime()}|${group.deviceId ?? 'manual'}`;
      buckets.set(key, [...(buckets.get(key) ?? []), group]);
    }
    for (const bucket of buckets.values()) {
      const main = bucket.find((g) => ambiguous.has(g.groupId) && g.measures.some((m) => m.type === 1));
      if (!main) continue;
      const attributions = [...new Set(bucket.map((g) => g.attribution))];
      const [weighIn] = toWeighIns(bucket, { attributions }).weighIns;
      if (weighIn) candidates.push({ id: heldId(userId, main.groupId), reason: 'ambiguous', weighIn });
    }
  }
  const band = engine.config.weightBand?.[userId];
  let weighIns = input.weighIns;
  const outOfBand: WeighIn[] = [];
  if (band) {
    weighIns = [];
    for (const w of input.weighIns) {
      if (w.weightKg >= band.minKg && w.weightKg <= band.maxKg) weighIns.push(w);
      else {
        outOfBand.push(w);
        candidates.push({ id: heldId(userId, w.groupIds[0] as string), reason: 'out-of-band', weighIn: w });
      }
    }
  }
  const stored = await engine.config.store.get<HeldRecord>(keys.held(userId));
  const now = engine.config.now();
  const elsewhere = candidates.length > 0 ? await assignedElsewhere(engine, userId) : [];
  const decide = (current: HeldRecord | undefined) =>
    applySync(engine, current, { candidates, weighIns, elsewhere, now });
  let outcome = decide(stored?.value);
  if (!dryRun && changed(outcome.changes)) {
    await update<HeldRecord>(engine.config.store, keys.held(userId), (current) => {
      outcome = decide(current);
      return outcome.record;
    });
  }
  // An out-of-band weigh-in a person assigned before goes on (its ledger entry skips it).
  const assignedBefore = (w: WeighIn) =>
    outcome.record.resolved[heldId(userId, w.groupIds[0] as string)]?.how === 'assigned';
  weighIns = [...weighIns, ...outOfBand.filter(assignedBefore)].sort(
    (a, b) => a.takenAt.getTime() - b.takenAt.getTime(),
  );
  const heldIds = new Map<string, string>();
  for (const c of candidates) {
    if (!outcome.record.items[c.id]) continue;
    for (const groupId of c.weighIn.groupIds) heldIds.set(groupId, c.id);
  }
  if (dryRun || !changed(outcome.changes))
    return { weighIns, heldIds, outOfBand: outOfBand.filter((w) => !assignedBefore(w)) };
  const { changes } = outcome;
  for (const id of changes.reattributed) {
    const item = stored?.value.items[id];
    if (item) changes.dismissed.push(...(await dismissElsewhere(engine, userId, item)));
  }
  if (changes.held.length > 0) {
    await raiseAlert(engine, {
      type: 'HELD',
      userId,
      message: `${changes.held.length} weigh-in(s) of user ${userId} held: Withings could not tell whose ${changes.held.length === 1 ? 'it is' : 'they are'}, or ${changes.held.length === 1 ? 'it is' : 'they are'} outside the usual weight; say whose with wg-sync held list, then wg-sync held assign <id> or wg-sync held dismiss <id>`,
    });
  }
  if (changes.expired.length > 0) {
    engine.log.info('sync.held.expired', {
      userId,
      expired: changes.expired,
      message: `held weigh-in(s) unanswered for ${engine.config.heldForDays} days were dismissed`,
    });
  }
  return { weighIns, heldIds, outOfBand: outOfBand.filter((w) => !assignedBefore(w)), changes };
}

/** What one sync changes in a held record (pure: retried on a write conflict). */
function applySync(
  engine: Engine,
  current: HeldRecord | undefined,
  input: { candidates: Candidate[]; weighIns: WeighIn[]; elsewhere: HeldTombstone[]; now: Date },
): { record: HeldRecord; changes: HeldChanges } {
  const record = structuredClone(current ?? emptyRecord());
  const changes = emptyChanges();
  const at = input.now.toISOString();
  const ttl = engine.config.heldForDays * DAY_MS;
  const resolve = (id: string, item: StoredHeldWeighIn, how: HeldResolution) => {
    record.resolved[id] = tombstoneOf(item, how, at);
    delete record.items[id];
  };
  for (const [id, item] of Object.entries(record.items)) {
    if (input.now.getTime() - Date.parse(item.heldAt) >= ttl) {
      resolve(id, item, 'expired');
      changes.expired.push(id);
    }
  }
  const synced = new Set(input.weighIns.flatMap((w) => w.groupIds));
  for (const [id, item] of Object.entries(record.items)) {
    if (item.reason === 'ambiguous' && item.groupIds.some((g) => synced.has(g))) {
      resolve(id, item, 'reattributed');
      changes.reattributed.push(id);
    }
  }
  for (const c of input.candidates) {
    if (record.items[c.id] || record.resolved[c.id]) continue;
    const item = storedOf(c, at);
    if (input.elsewhere.some((t) => sameWeighIn(engine, t, item))) {
      record.resolved[c.id] = tombstoneOf(item, 'assigned-elsewhere', at);
      changes.dismissed.push(c.id);
      continue;
    }
    record.items[c.id] = item;
    changes.held.push(c.id);
  }
  // Bounded: the oldest held expire first, the oldest answers are forgotten.
  const byHeldAt = Object.entries(record.items).sort(([, a], [, b]) => a.heldAt.localeCompare(b.heldAt));
  for (const [id, item] of byHeldAt.slice(0, Math.max(0, byHeldAt.length - MAX_HELD))) {
    resolve(id, item, 'expired');
    changes.expired.push(id);
    changes.held = changes.held.filter((h) => h !== id);
  }
  const answers = Object.entries(record.resolved).sort(([, a], [, b]) => a.at.localeCompare(b.at));
  for (const [id] of answers.slice(0, Math.max(0, answers.length - MAX_RESOLVED))) delete record.resolved[id];
  return { record, changes };
}

/** A held weigh-in's id: the account and the Withings group holding its weight. */
const heldId = (userId: string, groupId: string) => `${userId}-${groupId}`;

function storedOf(c: Candidate, heldAt: string): StoredHeldWeighIn {
  const w = c.weighIn;
  const fields: Record<string, number> = {};
  for (const [name, value] of Object.entries(w)) {
    if (!NOT_MEASURES.has(name) && typeof value === 'number' && Number.isFinite(value)) fields[name] = value;
  }
  return {
    reason: c.reason,
    heldAt,
    takenAt: w.takenAt.toISOString(),
    weightKg: w.weightKg,
    groupIds: w.groupIds,
    modifiedAt: w.modifiedAt.toISOString(),
    deviceId: w.deviceId,
    model: w.model,
    attributions: w.attributions,
    fields,
  };
}

const tombstoneOf = (item: StoredHeldWeighIn, how: HeldResolution, at: string): HeldTombstone => ({
  how,
  at,
  takenAt: item.takenAt,
  weightKg: item.weightKg,
  groupIds: item.groupIds,
});

/** The same weigh-in on two accounts: instant and weight within `dedup`. */
function sameWeighIn(
  engine: Engine,
  a: { takenAt: string; weightKg: number },
  b: { takenAt: string; weightKg: number },
) {
  const { timeToleranceSec, weightToleranceKg } = engine.config.dedup;
  return (
    Math.abs(Date.parse(a.takenAt) - Date.parse(b.takenAt)) <= timeToleranceSec * 1000 &&
    Math.abs(a.weightKg - b.weightKg) <= weightToleranceKg + 1e-9
  );
}

/** Every held record of the deployment but `userId`'s. */
async function otherRecords(
  engine: Engine,
  userId: string,
): Promise<Array<{ userId: string; record: HeldRecord }>> {
  const entries = await engine.config.store.list<HeldRecord>('held/');
  return entries
    .map((e) => ({ userId: e.key.slice('held/'.length), record: e.value }))
    .filter((e) => e.userId !== userId);
}

/** The weigh-ins other accounts were given (assigned, or re-attributed by Withings). */
async function assignedElsewhere(engine: Engine, userId: string): Promise<HeldTombstone[]> {
  return (await otherRecords(engine, userId)).flatMap(({ record }) =>
    Object.values(record.resolved).filter((t) => t.how === 'assigned' || t.how === 'reattributed'),
  );
}

/**
 * A household: the same weigh-in held by other accounts is dismissed there (`assigned-elsewhere`),
 * now that it went to `userId`. @returns the ids dismissed.
 */
async function dismissElsewhere(engine: Engine, userId: string, item: StoredHeldWeighIn): Promise<string[]> {
  const dismissed: string[] = [];
  const at = engine.config.now().toISOString();
  for (const other of await otherRecords(engine, userId)) {
    const matching = Object.entries(other.record.items).filter(([, h]) => sameWeighIn(engine, h, item));
    if (matching.length === 0) continue;
    await update<HeldRecord>(engine.config.store, keys.held(other.userId), (current) => {
      const record = structuredClone(current ?? emptyRecord());
      for (const [id, h] of Object.entries(record.items)) {
        if (!sameWeighIn(engine, h, item)) continue;
        record.resolved[id] = tombstoneOf(h, 'assigned-elsewhere', at);
        delete record.items[id];
      }
      return record;
    });
    dismissed.push(...matching.map(([id]) => id));
    engine.log.info('held.dismissed', {
      userId: other.userId,
      ids: matching.map(([id]) => id),
      reason: 'assigned-elsewhere',
    });
  }
  return dismissed;
}

/** A stored held weigh-in as the public type. */
function publicOf(engine: Engine, userId: string, id: string, item: StoredHeldWeighIn): HeldWeighIn {
  return {
    id,
    userId,
    takenAt: item.takenAt,
    weightKg: item.weightKg,
    fields: { ...item.fields } as HeldFields,
    reason: item.reason,
    heldAt: item.heldAt,
    expiresAt: new Date(Date.parse(item.heldAt) + engine.config.heldForDays * DAY_MS).toISOString(),
    groupIds: [...item.groupIds],
    model: item.model ?? null,
  };
}

/** The held weigh-in back as the weigh-in Withings returned, every field included. */
export function weighInOf(item: StoredHeldWeighIn, heightM: number | undefined): WeighIn {
  return {
    ...(item.fields as Partial<WeighIn>),
    takenAt: new Date(item.takenAt),
    groupIds: [...item.groupIds],
    modifiedAt: new Date(item.modifiedAt ?? item.heldAt),
    deviceId: item.deviceId ?? null,
    model: item.model ?? null,
    attributions: item.attributions ?? [1],
    weightKg: item.weightKg,
    ...(heightM === undefined ? {} : { heightM }),
  } as WeighIn;
}

/** The account whose record knows `id` (held or answered), read with its version. */
export async function findHeld(
  engine: Engine,
  id: string,
): Promise<{ userId: string; entry: VersionedValue<HeldRecord> } | undefined> {
  // Ids name their account (`<user>-<group>`); Withings user ids have no `-`.
  const cut = id.lastIndexOf('-');
  const userId = cut > 0 ? id.slice(0, cut) : '';
  if (!userId) return undefined;
  const entry = await engine.config.store.get<HeldRecord>(keys.held(userId));
  if (!entry || !(entry.value.items[id] || entry.value.resolved[id])) return undefined;
  return { userId, entry };
}

/** Whether a held weigh-in is still waiting (not past `heldForDays`). */
export const isLive = (engine: Engine, item: StoredHeldWeighIn) =>
  engine.config.now().getTime() - Date.parse(item.heldAt) < engine.config.heldForDays * DAY_MS;

/** {@link HeldWeighIns.list}. */
export async function listHeld(engine: Engine, userId?: string): Promise<HeldWeighIn[]> {
  const { store } = engine.config;
  const entries = userId
    ? [{ key: keys.held(userId), value: (await store.get<HeldRecord>(keys.held(userId)))?.value }]
    : await store.list<HeldRecord>('held/');
  return entries
    .flatMap(({ key, value }) =>
      Object.entries(value?.items ?? {})
        .filter(([, item]) => isLive(engine, item))
        .map(([id, item]) => publicOf(engine, key.slice('held/'.length), id, item)),
    )
    .sort((a, b) => a.takenAt.localeCompare(b.takenAt) || a.id.localeCompare(b.id));
}

/** {@link HeldWeighIns.dismiss}. */
export async function dismissHeld(engine: Engine, id: string): Promise<void> {
  const found = await findHeld(engine, id);
  if (!found) throw new HeldNotFoundError(id);
  const at = engine.config.now().toISOString();
  let refused: HeldResolution | undefined;
  await update<HeldRecord>(engine.config.store, keys.held(found.userId), (current) => {
    const record = structuredClone(current ?? emptyRecord());
    const item = record.items[id];
    const how = record.resolved[id]?.how;
    refused = how === 'assigned' || how === 'reattributed' ? how : undefined;
    if (item) {
      record.resolved[id] = tombstoneOf(item, 'dismissed', at);
      delete record.items[id];
    }
    return record;
  });
  if (refused) throw new HeldNotFoundError(id, refused);
  engine.log.info('held.dismissed', { userId: found.userId, ids: [id], reason: 'dismissed' });
}

/**
 * After an assign wrote the weigh-in to every destination: it leaves the account's list for good
 * (`assigned`), and the same weigh-in held by other accounts is dismissed there. @returns what changed.
 */
export async function settleAssigned(
  engine: Engine,
  userId: string,
  id: string,
  item: StoredHeldWeighIn,
): Promise<HeldChanges> {
  const at = engine.config.now().toISOString();
  await update<HeldRecord>(engine.config.store, keys.held(userId), (current) => {
    const record = structuredClone(current ?? emptyRecord());
    record.resolved[id] = tombstoneOf(record.items[id] ?? item, 'assigned', at);
    delete record.items[id];
    return record;
  });
  engine.log.info('held.assigned', { userId, id });
  return { ...emptyChanges(), assigned: [id], dismissed: await dismissElsewhere(engine, userId, item) };
}
