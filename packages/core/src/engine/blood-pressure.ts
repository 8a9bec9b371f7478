import type { MeasureGroup } from '@wg-sync/withings';
import type { StoredBloodPressure } from '../destinations/destination.js';
import { type DestinationRun, recordError, recordSkip, recordSynced, type SyncRun } from './run.js';

const TOLERANCE_MS = 120_000;

/**
 * Blood pressure (opt-in), per destination that stores it: each Withings BP group becomes one
 * reading, ledger-protected like weigh-ins, and checked against the destination's readings first
 * (Garmin's BP endpoint does not deduplicate).
 */
export async function syncBloodPressure(run: SyncRun, dest: DestinationRun): Promise<void> {
  const groups = run.fetched?.bloodPressure ?? [];
  const bp = dest.session?.bloodPressure;
  if (groups.length === 0 || !bp || !dest.destination.accepts.bloodPressure || dest.stopped) return;
  const fresh: MeasureGroup[] = [];
  const missing = new Set(await dest.ledger.missing(groups.map((g) => g.groupId)));
  for (const group of groups) {
    if (missing.has(group.groupId)) fresh.push(group);
    else
      recordSkip(run, dest, {
        groupIds: [group.groupId],
        takenAt: group.takenAt.toISOString(),
        reason: 'duplicate-ledger',
      });
  }
  if (fresh.length === 0) return;
  const times = fresh.map((g) => g.takenAt.getTime());
  let existing: StoredBloodPressure[];
  try {
    existing = await bp.list({
      from: new Date(Math.min(...times) - TOLERANCE_MS),
      to: new Date(Math.max(...times) + TOLERANCE_MS),
    });
  } catch (error) {
    await recordError(
      run,
      dest,
      error,
      fresh.map((g) => g.groupId),
    );
    return;
  }
  const timeZone = run.account?.timeZone ?? run.fetched?.timeZone ?? 'UTC';
  for (const group of fresh) await syncReading(run, dest, { group, existing, timeZone });
}

async function syncReading(
  run: SyncRun,
  dest: DestinationRun,
  { group, existing, timeZone }: { group: MeasureGroup; existing: StoredBloodPressure[]; timeZone: string },
): Promise<void> {
  const value = (type: number) => group.measures.find((m) => m.type === type)?.value;
  const pulse = value(11);
  // Many monitors measure no pulse, and Withings then sends no type 11: such a reading is sent
  // without one (a pulse of 0 is refused, and would fail that reading at every sync).
  const reading = {
    systolic: Math.round(value(10) ?? 0),
    diastolic: Math.round(value(9) ?? 0),
    ...(pulse === undefined ? {} : { pulse: Math.round(pulse) }),
  };
  const fields = pulse === undefined ? ['systolic', 'diastolic'] : ['systolic', 'diastolic', 'pulse'];
  const takenAt = group.takenAt.toISOString();
  const entry = (how: 'uploaded' | 'found') => ({
    takenAt,
    kind: 'blood-pressure' as const,
    how,
    at: run.engine.config.now().toISOString(),
  });
  const already = existing.find(
    (r) =>
      Math.abs(r.takenAt.getTime() - group.takenAt.getTime()) <= TOLERANCE_MS &&
      r.systolic === reading.systolic &&
      r.diastolic === reading.diastolic,
  );
  if (already) {
    recordSkip(run, dest, { groupIds: [group.groupId], takenAt, reason: 'duplicate-garmin' });
    if (!run.request.dryRun) await dest.ledger.write([group.groupId], entry('found'));
    return;
  }
  if (!run.request.dryRun) {
    try {
      await dest.session?.bloodPressure?.write({ takenAt: group.takenAt, ...reading, timeZone });
    } catch (error) {
      await recordError(run, dest, error, [group.groupId]);
      return;
    }
    await dest.ledger.write([group.groupId], entry('uploaded'));
  }
  recordSynced(run, dest, { groupIds: [group.groupId], takenAt, fields, bloodPressure: reading });
}
