import type { DeletionTarget } from '../destinations/destination.js';
import { type DestinationLedgerRecord, GARMIN_DESTINATION_ID } from '../destinations/ledger.js';
import type { RecentGroup } from '../destinations/recent-index.js';
import type { DeletedEntry, DeletionCheck } from '../observability/report.js';
import type { DestinationRun, SyncRun } from './run.js';

// What deletions.ts hands a destination, puts in a report and logs.

/** What a destination's `delete` is given for a group of its recent index. */
export function targetOf(group: RecentGroup): DeletionTarget {
  return {
    id: group.storedId as string,
    takenAt: new Date(group.takenAt),
    ...(group.weightKg === undefined ? {} : { weightKg: group.weightKg }),
    ...(group.fatPercent === undefined ? {} : { fatPercent: group.fatPercent }),
    ...(group.deleteHint === undefined ? {} : { deleteHint: group.deleteHint }),
  };
}

/** The `deleted` entry of a report, for what `dest` stored as `storedId`. */
export function entryOf(
  dest: DestinationRun,
  {
    groupIds,
    takenAt,
    storedId,
    weightKg,
  }: { groupIds: string[]; takenAt: string; storedId: string; weightKg?: number },
): DeletedEntry {
  const garmin = dest.destination.id === GARMIN_DESTINATION_ID && /^\d+$/.test(storedId);
  return {
    groupIds,
    takenAt,
    ...(weightKg === undefined ? {} : { weightKg }),
    destination: dest.destination.id,
    ...(garmin ? { garminSamplePk: Number(storedId) } : { storedId }),
  };
}

/** The id a destination stored an entry under (Garmin's samplePk in ledgers older than `storedId`). */
export const storedIdOf = (entry: DestinationLedgerRecord) =>
  entry.storedId ?? (entry.garminSamplePk === undefined ? undefined : String(entry.garminSamplePk));

/** The `warn` line of a deletion window that could not be trusted. */
export function unchecked(run: SyncRun, dest: DestinationRun, check: DeletionCheck, missing: number): void {
  run.engine.log.warn('sync.deletions.unchecked', {
    userId: run.request.userId,
    destination: dest.destination.id,
    reason: check.reason,
    missing,
    message:
      check.reason === 'paged'
        ? 'Withings answered the deletion window in several pages: nothing is deleted in this sync'
        : 'not one weigh-in of the deletion window came back from Withings: taken for a bad answer, nothing is deleted',
  });
}

/** The `warn` line of a weigh-in a destination no longer holds as wg-sync wrote it. */
export function keptLog(run: SyncRun, dest: DestinationRun, takenAt: string, reason: string): void {
  run.engine.log.warn('sync.deletion.kept', {
    userId: run.request.userId,
    destination: dest.destination.id,
    takenAt,
    reason,
    message: `${dest.name} no longer holds what wg-sync wrote: left as it is`,
  });
}
