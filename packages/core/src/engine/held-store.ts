import type { WeighIn } from '@wg-sync/withings';
import type { Engine } from '../context.js';
import { HeldNotFoundError } from '../errors.js';
import type { HeldChanges } from '../observability/report.js';
import {
  type HeldRecord,
  type HeldResolution,
  type HeldTombstone,
  keys,
  type StoredHeldWeighIn,
  update,
} from '../store/state.js';
import type { VersionedValue } from '../store/state-store.js';
import type { Candidate, HeldFields, HeldWeighIn } from './held.js';

// The held record of an account in the store (`held/<user>`): ids, what is kept of a weigh-in, the
// answers (tombstones), the household rule, and the person's list and dismiss. The sync's step is in
// held.ts, the assign in held-assign.ts.

const DAY_MS = 86_400_000;

export const emptyRecord = (): HeldRecord => ({ items: {}, resolved: {} });
export const emptyChanges = (): HeldChanges => ({
  held: [],
  expired: [],
  reattributed: [],
  assigned: [],
  dismissed: [],
});
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

/** A held weigh-in's id: the account and the Withings group holding its weight. */
export const heldId = (userId: string, groupId: string) => `${userId}-${groupId}`;

export function storedOf(c: Candidate, heldAt: string): StoredHeldWeighIn {
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

export const tombstoneOf = (item: StoredHeldWeighIn, how: HeldResolution, at: string): HeldTombstone => ({
  how,
  at,
  takenAt: item.takenAt,
  weightKg: item.weightKg,
  groupIds: item.groupIds,
});

/** The same weigh-in on two accounts: instant and weight within `dedup`. */
export function sameWeighIn(
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
export async function otherRecords(
  engine: Engine,
  userId: string,
): Promise<Array<{ userId: string; record: HeldRecord }>> {
  const entries = await engine.config.store.list<HeldRecord>('held/');
  return entries
    .map((e) => ({ userId: e.key.slice('held/'.length), record: e.value }))
    .filter((e) => e.userId !== userId);
}

/** The weigh-ins other accounts were given (assigned, or re-attributed by Withings). */
export async function assignedElsewhere(engine: Engine, userId: string): Promise<HeldTombstone[]> {
  return (await otherRecords(engine, userId)).flatMap(({ record }) =>
    Object.values(record.resolved).filter((t) => t.how === 'assigned' || t.how === 'reattributed'),
  );
}

/**
 * A household: the same weigh-in held by other accounts is dismissed there (`assigned-elsewhere`),
 * now that it went to `userId`. @returns the ids dismissed.
 */
export async function dismissElsewhere(
  engine: Engine,
  userId: string,
  item: StoredHeldWeighIn,
): Promise<string[]> {
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
export function publicOf(engine: Engine, userId: string, id: string, item: StoredHeldWeighIn): HeldWeighIn {
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
