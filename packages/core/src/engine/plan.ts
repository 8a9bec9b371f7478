import type { MeasureGroup, WeighIn } from '@wg-sync/withings';
import type { StoredWeighIn } from '../destinations/destination.js';
import { findMatch } from '../destinations/match.js';
import type { SkipReason } from '../observability/report.js';
import type { LedgerRecord } from '../store/state.js';
import { replaceEdited } from './deletions.js';
import { holdWeighIns } from './held.js';
import {
  type DestinationRun,
  groupIdsOf,
  recordError,
  recordFailed,
  recordSkip,
  type SyncRun,
  takeListing,
} from './run.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const HEIGHT_RECHECK_MS = 30 * DAY_MS;

/**
 * Step 2: one round trip for everything independent — the Withings read, every destination's list
 * of the same range, the height when due — then the weigh-ins sorted out.
 * @returns false when Withings could not be read (nothing is written, everything is retried).
 */
export async function fetchAndSort(run: SyncRun): Promise<boolean> {
  const { engine, request } = run;
  const withings = run.withings as NonNullable<SyncRun['withings']>;
  const account = run.account as NonNullable<SyncRun['account']>;
  const window = run.window as NonNullable<SyncRun['window']>;
  const heightDue =
    account.heightCheckedAt === undefined ||
    run.now.getTime() - Date.parse(account.heightCheckedAt) > HEIGHT_RECHECK_MS;
  const open = run.destinations.filter((dest) => !dest.stopped);
  const deletions = deletionRange(run);
  // With syncDeletions, the window by date and each destination's recent index join the same round trip.
  const [measured, height, windowRead, recent, ...listed] = await Promise.allSettled([
    withings.getMeasures(
      request.backfill
        ? { startDate: request.backfill.from, endDate: request.backfill.to }
        : { lastUpdate: window.lastUpdate as Date },
    ),
    heightDue ? withings.getMeasures({ types: [4] }) : Promise.resolve(undefined),
    deletions ? withings.getMeasures({ startDate: deletions.from, endDate: deletions.to }) : undefined,
    deletions ? Promise.all(open.map((dest) => dest.ledger.recent())) : undefined,
    ...open.map((dest) => dest.session?.list({ from: window.from, to: window.to }) ?? []),
  ]);
  if (recent.status === 'rejected') throw recent.reason; // the store: reported like any broken store
  if (measured.status === 'rejected') {
    await recordError(run, undefined, measured.reason);
    return false;
  }
  for (const [i, dest] of open.entries())
    await takeListing(run, dest, listed[i] as PromiseSettledResult<StoredWeighIn[]>);
  const { groups, updateTime, timeZone } = measured.value;
  const { toWeighIns } = await import('@wg-sync/withings');
  const sorted = toWeighIns(groups, {
    attributions: engine.config.attributions,
    includeManual: engine.config.includeManual,
  });
  const { excluded } = sorted;
  // Ambiguous (and out-of-band) weigh-ins are held for a person to answer, never dropped.
  const holding = await holdWeighIns(engine, { ...request, groups, ...sorted });
  const { weighIns, heldIds } = holding;
  if (holding.changes) run.report.held = holding.changes;
  for (const w of holding.outOfBand) {
    const heldId = heldIds.get(w.groupIds[0] as string);
    recordSkip(run, undefined, {
      groupIds: w.groupIds,
      takenAt: w.takenAt.toISOString(),
      reason: 'out-of-band',
      ...(heldId ? { heldId } : {}),
    });
  }
  const bloodPressure: MeasureGroup[] = [];
  for (const { groupId, reason } of excluded) {
    const group = groups.find((g) => g.groupId === groupId);
    if (engine.config.bloodPressure && reason === 'no-weight' && group && isBloodPressure(group)) {
      bloodPressure.push(group);
      continue;
    }
    const heldId = heldIds.get(groupId);
    recordSkip(run, undefined, {
      groupIds: [groupId],
      ...(group ? { takenAt: group.takenAt.toISOString() } : {}),
      reason: reason as SkipReason,
      ...(heldId ? { heldId } : {}),
    });
  }
  const heightM = heightFrom(height) ?? account.heightM;
  run.fetched = {
    weighIns: heightM === undefined ? weighIns : weighIns.map((w) => ({ ...w, heightM })),
    bloodPressure,
    updateTime,
    timeZone,
    heightM,
    heightDue,
    heightRead: heightDue && height.status === 'fulfilled',
  };
  if (deletions) {
    for (const [i, dest] of open.entries()) dest.recent = recent.value?.[i];
    await readDeletionWindow(run, deletions, windowRead);
  }
  return true;
}

/** With `syncDeletions` (never in a backfill): the days deletions are looked for in. */
function deletionRange(run: SyncRun): { from: Date; to: Date } | undefined {
  const { config } = run.engine;
  if (!config.syncDeletions || run.request.backfill) return undefined;
  return {
    from: new Date(run.now.getTime() - config.deletionWindowDays * DAY_MS),
    to: new Date(run.now.getTime() + HOUR_MS),
  };
}

/** The window's read, kept for the comparison; a failed one is a failed entry and compares nothing. */
async function readDeletionWindow(
  run: SyncRun,
  range: { from: Date; to: Date },
  read: PromiseSettledResult<
    Awaited<ReturnType<NonNullable<SyncRun['withings']>['getMeasures']>> | undefined
  >,
): Promise<void> {
  const fetched = run.fetched as NonNullable<SyncRun['fetched']>;
  if (read.status === 'fulfilled' && read.value) {
    const { groups, pages } = read.value;
    fetched.deletionWindow = {
      ...range,
      groups,
      present: new Set(groups.map((g) => g.groupId)),
      paged: pages !== 1,
    };
    return;
  }
  const reason = read.status === 'rejected' ? read.reason : new Error('no answer');
  await recordError(run, undefined, reason);
  const check = {
    checked: false,
    from: range.from.toISOString(),
    to: range.to.toISOString(),
    reason: 'read-failed' as const,
  };
  for (const dest of run.destinations) dest.deletionCheck = check;
  run.engine.log.warn('sync.deletions.unchecked', {
    userId: run.request.userId,
    reason: 'read-failed',
    message: 'the read of the deletion window failed: nothing is deleted in this sync',
  });
}

/**
 * Step 3, per destination: skip what its ledger or the destination itself already holds (read once
 * more for late arrivals older than the range), what it cannot store, and what is over the cap.
 */
export async function planDestination(run: SyncRun, dest: DestinationRun): Promise<void> {
  const fetched = run.fetched as NonNullable<SyncRun['fetched']>;
  const { dryRun } = run.request;
  const candidates: WeighIn[] = [];
  const missingPerWeighIn = await Promise.all(fetched.weighIns.map((w) => dest.ledger.missing(w.groupIds)));
  if (run.engine.config.syncDeletions && !run.request.backfill) {
    const synced = fetched.weighIns.filter((_, i) => missingPerWeighIn[i]?.length === 0);
    await replaceEdited(run, dest, synced);
  }
  const restoring = new Set((dest.restoring ?? []).map((w) => w.groupIds[0]));
  for (const w of dest.restoring ?? []) candidates.push(w);
  for (const [i, w] of fetched.weighIns.entries()) {
    if (restoring.has(w.groupIds[0])) continue;
    const missing = missingPerWeighIn[i] as string[];
    if (missing.length === w.groupIds.length || dest.replacing.has(w)) {
      candidates.push(w);
      continue;
    }
    recordSkip(run, dest, {
      groupIds: w.groupIds,
      takenAt: w.takenAt.toISOString(),
      reason: 'duplicate-ledger',
    });
    // A group merged in later joins the ledger.
    if (!dryRun && missing.length > 0) await dest.ledger.write(missing, ledgerEntry(run, w, 'found'));
  }
  if (!(await readLateArrivals(run, dest, candidates))) return;
  const current = await notSuperseded(run, dest, candidates);
  if (!current) return;
  const claimed = new Set<string>();
  const notHeld: WeighIn[] = [];
  for (const w of current) {
    const match = findMatch(w, dest.held, run.engine.config.dedup, claimed);
    if (!match) {
      notHeld.push(w);
      continue;
    }
    claimed.add(match.id);
    recordSkip(run, dest, {
      groupIds: w.groupIds,
      takenAt: w.takenAt.toISOString(),
      reason: 'duplicate-garmin',
    });
    if (!dryRun)
      await dest.ledger.write(w.groupIds, ledgerEntry(run, w, 'found'), match.id, match.deleteHint);
  }
  const max = dest.destination.accepts.maxWeightKg ?? Number.POSITIVE_INFINITY;
  const storable = notHeld.filter((w) => {
    if (w.weightKg <= max) return true;
    recordFailed(run, dest, {
      groupIds: w.groupIds,
      takenAt: w.takenAt.toISOString(),
      code: 'INVALID_VALUE',
      message: `weight ${w.weightKg} kg is more than ${dest.name} can store (${max} kg)`,
    });
    return false;
  });
  const cap = run.request.backfill ? storable.length : run.request.maxEntries;
  for (const w of storable.slice(cap))
    recordSkip(run, dest, { groupIds: w.groupIds, takenAt: w.takenAt.toISOString(), reason: 'cap' });
  dest.toWrite = storable.slice(0, cap);
}

/**
 * The candidates a destination that keeps one record per period still wants: the others, replaced
 * by a later weigh-in of their period, are skipped and enter the ledger. @returns undefined on failure.
 */
async function notSuperseded(
  run: SyncRun,
  dest: DestinationRun,
  candidates: WeighIn[],
): Promise<WeighIn[] | undefined> {
  if (!dest.session?.superseded || candidates.length === 0) return candidates;
  let superseded: Map<WeighIn, Date>;
  try {
    superseded = await dest.session.superseded(candidates);
  } catch (error) {
    await recordError(run, dest, error, groupIdsOf(candidates));
    dest.stopped = true;
    return undefined;
  }
  for (const [w] of superseded) {
    recordSkip(run, dest, { groupIds: w.groupIds, takenAt: w.takenAt.toISOString(), reason: 'superseded' });
    if (!run.request.dryRun) await dest.ledger.write(w.groupIds, ledgerEntry(run, w, 'superseded'));
  }
  return candidates.filter((w) => !superseded.has(w));
}

/** Lists the destination once more when a candidate is older than the range read. @returns false on failure. */
async function readLateArrivals(run: SyncRun, dest: DestinationRun, candidates: WeighIn[]): Promise<boolean> {
  const window = run.window as NonNullable<SyncRun['window']>;
  const oldest = Math.min(...candidates.map((w) => w.takenAt.getTime()));
  if (candidates.length === 0 || oldest >= window.from.getTime() || !dest.session) return true;
  try {
    const more = await dest.session.list({ from: new Date(oldest - DAY_MS), to: window.from });
    for (const record of more) dest.existing.add(record.id);
    dest.held = [...dest.held, ...more];
    return true;
  } catch (error) {
    await recordError(run, dest, error, groupIdsOf(candidates));
    dest.stopped = true;
    return false;
  }
}

/** A ledger entry for a weigh-in, as every version has written it. */
export function ledgerEntry(run: SyncRun, w: WeighIn, how: LedgerRecord['how']) {
  return {
    takenAt: w.takenAt.toISOString(),
    weightKg: w.weightKg,
    kind: 'weight' as const,
    how,
    at: run.engine.config.now().toISOString(),
    modifiedAt: w.modifiedAt.toISOString(),
    ...(w.fatPercent === undefined ? {} : { fatPercent: w.fatPercent }),
  };
}

function isBloodPressure(group: MeasureGroup): boolean {
  const types = new Set(group.measures.map((m) => m.type));
  return types.has(9) && types.has(10);
}

/** The newest height (type 4) in a height-only getmeas answer. */
function heightFrom(
  height: PromiseSettledResult<{ groups: MeasureGroup[] } | undefined>,
): number | undefined {
  if (height.status !== 'fulfilled' || !height.value) return undefined;
  const latest = height.value.groups
    .filter((g) => g.measures.some((m) => m.type === 4))
    .sort((a, b) => b.takenAt.getTime() - a.takenAt.getTime())[0];
  return latest?.measures.find((m) => m.type === 4)?.value;
}
