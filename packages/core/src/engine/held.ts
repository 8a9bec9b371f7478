import type { MeasureGroup, WeighIn } from '@wg-sync/withings';
import type { Engine } from '../context.js';
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
import {
  assignedElsewhere,
  dismissElsewhere,
  emptyChanges,
  emptyRecord,
  heldId,
  sameWeighIn,
  storedOf,
  tombstoneOf,
} from './held-store.js';

export type { HeldReason } from '../store/state.js';
export { dismissHeld, findHeld, isLive, listHeld, settleAssigned, weighInOf } from './held-store.js';

const DAY_MS = 86_400_000;
/** At most this many held per account: beyond it, the oldest expire first. */
const MAX_HELD = 100;
/** At most this many answers (tombstones) per account: beyond it, the oldest are forgotten. */
const MAX_RESOLVED = 500;

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
export interface Candidate {
  id: string;
  reason: HeldReason;
  weighIn: WeighIn;
}

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
