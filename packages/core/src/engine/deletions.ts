import type { WeighIn } from '@wg-sync/withings';
import type { DeleteOutcome, DeletionTarget } from '../destinations/destination.js';
import { type DestinationLedgerRecord, recentGroupOf } from '../destinations/ledger.js';
import type { RecentGroup } from '../destinations/recent-index.js';
import { entryOf, keptLog, storedIdOf, targetOf, unchecked } from './deletion-records.js';
import { describeFailure } from './failures.js';
import { type DeletionWindow, type DestinationRun, recordError, recordSkip, type SyncRun } from './run.js';

const DAY_MS = 86_400_000;
/** Weights are written to 1/100 kg: a smaller difference is no edit. */
const WEIGHT_EPSILON_KG = 0.005;
/** Fat ratios are written to 1/10 %. */
const FAT_EPSILON = 0.05;

/**
 * With `syncDeletions`, per destination, before its plan: the weigh-ins its recent index holds in
 * the deletion window that Withings no longer returns are deleted there (by the id the ledger
 * holds), then tombstoned in its ledger. Nothing is deleted when the window could not be trusted: a
 * failed read (already a failed entry), an answer in several pages, an index made only now (its
 * first sync), or an answer in which not one of the window's weigh-ins came back. At most
 * `maxDeletionsPerSync` per destination (edits included); a dry run lists them in `deleted` only.
 */
export async function followDeletions(run: SyncRun, dest: DestinationRun): Promise<void> {
  const window = run.fetched?.deletionWindow;
  if (!run.engine.config.syncDeletions || !window || dest.stopped) return;
  const range = { from: window.from.toISOString(), to: window.to.toISOString() };
  if (!dest.recent?.seededAt) {
    if (!run.request.dryRun) await seedIndex(dest, window);
    dest.deletionCheck = { checked: false, ...range, reason: 'first-run' };
    return;
  }
  // The oldest day of the window is left out: a weigh-in there may fall just outside the read.
  const oldest = window.from.getTime() + DAY_MS;
  const inWindow = Object.entries(dest.recent.groups).filter(([, group]) => {
    const at = Date.parse(group.takenAt);
    return at >= oldest && at <= window.to.getTime();
  });
  const missing = inWindow.filter(([id]) => !window.present.has(id));
  const untrusted = window.paged ? 'paged' : missing.length > 0 && missing.length === inWindow.length;
  if (untrusted) {
    const reason = untrusted === 'paged' ? 'paged' : 'all-missing';
    dest.deletionCheck = { checked: false, ...range, reason };
    unchecked(run, dest, dest.deletionCheck, missing.length);
    return;
  }
  dest.deletionCheck = { checked: true, ...range };
  // One record per stored id and instant; one some of whose groups are still there was changed, not deleted.
  const records = new Map<string, { groupIds: string[]; group: RecentGroup }>();
  const recordKey = (group: RecentGroup) => `${group.storedId ?? ''}|${group.takenAt}`;
  for (const [groupId, group] of missing) {
    const record = records.get(recordKey(group));
    if (record) record.groupIds.push(groupId);
    else records.set(recordKey(group), { groupIds: [groupId], group });
  }
  for (const [groupId, group] of inWindow) {
    if (window.present.has(groupId)) records.delete(recordKey(group));
  }
  const gone = [...records.values()].sort((a, b) => a.group.takenAt.localeCompare(b.group.takenAt));
  for (const record of gone) {
    if (dest.stopped) break; // a refused session: the rest waits for a new sign-in
    await deleteGone(run, dest, record.groupIds, record.group);
  }
}

/**
 * A per-day destination (intervals.icu) whose day lost the weigh-in that won it: the weigh-ins it
 * skipped as superseded around that instant, still in Withings' window, are planned again
 * (`dest.restoring`). Its own `superseded()` then keeps the day's latest of them and skips the rest
 * again; a crash before that write leaves the day empty, as it was before this step existed.
 */
async function restoreSuperseded(run: SyncRun, dest: DestinationRun, deleted: RecentGroup): Promise<void> {
  const window = run.fetched?.deletionWindow;
  if (!window || !dest.recent) return;
  const at = Date.parse(deleted.takenAt);
  const instants = new Set(
    Object.entries(dest.recent.groups)
      .filter(
        ([id, g]) =>
          g.how === 'superseded' &&
          window.present.has(id) &&
          Math.abs(Date.parse(g.takenAt) - at) < 1.5 * DAY_MS,
      )
      .map(([, g]) => Date.parse(g.takenAt)),
  );
  if (instants.size === 0) return;
  const { toWeighIns } = await import('@wg-sync/withings');
  const { weighIns } = toWeighIns(
    window.groups.filter((g) => instants.has(g.takenAt.getTime())),
    { attributions: run.engine.config.attributions, includeManual: run.engine.config.includeManual },
  );
  dest.restoring = [...(dest.restoring ?? []), ...weighIns];
}

/**
 * With `syncDeletions`, per destination, before its plan: the weigh-ins of this read that the ledger
 * has, whose `modified` is later than their entry and whose values differ, are edits. The record
 * wg-sync wrote is deleted and the weigh-in goes on to be written again (`dest.replacing`), so its
 * ledger entry is rewritten only once the new record is stored: a crash in between repeats the
 * deletion (which finds it gone) and the write (which finds any copy already there).
 */
export async function replaceEdited(run: SyncRun, dest: DestinationRun, synced: readonly WeighIn[]) {
  const ledgers = await Promise.all(synced.map((w) => dest.ledger.entries(w.groupIds)));
  for (const [i, w] of synced.entries()) {
    if (dest.stopped) return;
    const entries = ledgers[i] ?? [];
    const entry = entries[0];
    if (entry?.kind !== 'weight' || entries.some((e) => e?.deletedAt) || !isEdit(w, entry)) continue;
    const skip = (reason: 'not-created' | 'not-deletable' | 'deletion-cap' | 'changed-in-destination') =>
      recordSkip(run, dest, { groupIds: w.groupIds, takenAt: w.takenAt.toISOString(), reason });
    const storedId = storedIdOf(entry);
    if (entry.how === 'found') {
      skip('not-created');
      continue;
    }
    if (entry.how !== 'uploaded' || storedId === undefined) continue;
    if (!dest.session?.delete) {
      skip('not-deletable');
      continue;
    }
    if (dest.deletions >= run.engine.config.maxDeletionsPerSync) {
      skip('deletion-cap');
      dest.capped = true; // the edit is seen again only from here: the cursor stays
      continue;
    }
    dest.deletions += 1;
    const edited = {
      ...entryOf(dest, { groupIds: w.groupIds, takenAt: w.takenAt.toISOString(), storedId }),
      weightKg: w.weightKg,
      ...(entry.weightKg === undefined ? {} : { previousWeightKg: entry.weightKg }),
    };
    if (run.request.dryRun) {
      run.report.edited.push(edited);
      continue;
    }
    const hint = dest.recent?.groups[w.groupIds[0] as string]?.deleteHint;
    const outcome = await tryDelete(run, dest, w.groupIds, targetOf(recentGroupOf(entry, storedId, hint)));
    if (!outcome) continue;
    if (outcome.outcome === 'kept') {
      skip('changed-in-destination');
      keptLog(run, dest, w.takenAt.toISOString(), outcome.reason);
      continue;
    }
    dest.held = dest.held.filter((record) => record.id !== storedId);
    dest.existing.delete(storedId);
    dest.replacing.add(w);
    run.report.edited.push(edited);
    run.engine.log.info('sync.edit.replacing', {
      userId: run.request.userId,
      destination: dest.destination.id,
      takenAt: edited.takenAt,
      weightKg: w.weightKg,
      previousWeightKg: entry.weightKg,
    });
  }
}

/**
 * Not an older `modified` than the entry's (or, for entries of earlier versions, than its writing;
 * Withings counts in seconds, so an edit in the second of the first read is the same second), and
 * other values than those written.
 */
function isEdit(w: WeighIn, entry: DestinationLedgerRecord): boolean {
  const since = Date.parse(entry.modifiedAt ?? entry.at);
  if (w.modifiedAt.getTime() < since || entry.weightKg === undefined) return false;
  if (Math.abs(w.weightKg - entry.weightKg) > WEIGHT_EPSILON_KG) return true;
  if (entry.fatPercent === undefined) return false;
  return w.fatPercent === undefined || Math.abs(w.fatPercent - entry.fatPercent) > FAT_EPSILON;
}

/** One weigh-in gone from Withings: delete what wg-sync wrote for it, then the tombstone. */
async function deleteGone(
  run: SyncRun,
  dest: DestinationRun,
  groupIds: string[],
  group: RecentGroup,
): Promise<void> {
  const { dryRun } = run.request;
  const at = run.engine.config.now().toISOString();
  const skip = (reason: 'not-created' | 'not-deletable' | 'deletion-cap' | 'changed-in-destination') =>
    recordSkip(run, dest, { groupIds, takenAt: group.takenAt, reason });
  // Nothing of it was written there (a later weigh-in of the day won, or nothing was stored): only the tombstone.
  if (group.how === 'superseded' || group.storedId === undefined) {
    if (!dryRun) await dest.ledger.tombstone(groupIds, at);
    return;
  }
  if (group.how === 'found') {
    skip('not-created');
    if (!dryRun) await dest.ledger.tombstone(groupIds, at);
    return;
  }
  if (!dest.session?.delete) {
    skip('not-deletable');
    if (!dryRun) await dest.ledger.tombstone(groupIds, at);
    return;
  }
  if (dest.deletions >= run.engine.config.maxDeletionsPerSync) {
    skip('deletion-cap'); // found again by the next sync's comparison
    return;
  }
  dest.deletions += 1;
  const entry = entryOf(dest, {
    groupIds,
    takenAt: group.takenAt,
    storedId: group.storedId,
    weightKg: group.weightKg,
  });
  if (dryRun) {
    run.report.deleted.push(entry);
    return;
  }
  const outcome = await tryDelete(run, dest, groupIds, targetOf(group));
  if (!outcome) return;
  if (outcome.outcome === 'kept') {
    skip('changed-in-destination');
    keptLog(run, dest, group.takenAt, outcome.reason);
  }
  await dest.ledger.tombstone(groupIds, at);
  if (outcome.outcome === 'kept') return;
  if (outcome.outcome === 'deleted' && dest.session?.superseded) await restoreSuperseded(run, dest, group);
  run.report.deleted.push({
    ...entry,
    ...(outcome.outcome === 'gone' ? { alreadyGone: true as const } : {}),
  });
  run.engine.log.info('sync.deletion.deleted', {
    userId: run.request.userId,
    destination: dest.destination.id,
    takenAt: group.takenAt,
    weightKg: group.weightKg,
    ...(outcome.outcome === 'gone' ? { alreadyGone: true } : {}),
  });
}

/** The destination's delete; a failure is a failed entry and a `warn` line. @returns undefined when it failed. */
async function tryDelete(
  run: SyncRun,
  dest: DestinationRun,
  groupIds: string[],
  target: DeletionTarget,
): Promise<DeleteOutcome | undefined> {
  const session = dest.session as NonNullable<DestinationRun['session']>;
  try {
    return (await session.delete?.(target)) ?? { outcome: 'deleted' };
  } catch (error) {
    await recordError(run, dest, error, groupIds);
    run.engine.log.warn('sync.deletion.failed', {
      userId: run.request.userId,
      destination: dest.destination.id,
      takenAt: target.takenAt.toISOString(),
      ...describeFailure(run.engine, error),
      retry: 'the next sync tries again',
    });
    return undefined;
  }
}

/** The index of a store that had none: every group of the window the ledger already holds. */
async function seedIndex(dest: DestinationRun, window: DeletionWindow): Promise<void> {
  // Every group: those of a split weigh-in (Body Cardio) without a weight share its entry.
  const weighed = window.groups;
  const entries = await dest.ledger.entries(weighed.map((g) => g.groupId));
  const groups = weighed.flatMap((g, i): Array<[string, RecentGroup]> => {
    const entry = entries[i];
    return entry && entry.kind === 'weight' && !entry.deletedAt ? [[g.groupId, recentGroupOf(entry)]] : [];
  });
  await dest.ledger.seed(groups);
}
