import type { GarminBloodPressure, GarminClient } from '@wg-sync/garmin';
import type { MeasureGroup } from '@wg-sync/withings';
import type { Engine } from './context.js';
import type { SyncReport } from './report.js';
import { keys, type LedgerRecord } from './state.js';

const TOLERANCE_MS = 120_000;

/**
 * Blood pressure (opt-in): each Withings BP group becomes one Garmin reading, ledger-protected like
 * weigh-ins, and checked against Garmin's readings first (its BP endpoint does not deduplicate).
 */
export async function syncBloodPressure(
  engine: Engine,
  garmin: GarminClient,
  userId: string,
  groups: MeasureGroup[],
  timeZone: string,
  report: SyncReport,
  failStep: (error: unknown, groupIds?: string[]) => Promise<void>,
): Promise<void> {
  const { store } = engine.config;
  const fresh: MeasureGroup[] = [];
  for (const group of groups) {
    if (await store.get(keys.ledger(userId, group.groupId))) {
      report.skipped.push({
        groupIds: [group.groupId],
        takenAt: group.takenAt.toISOString(),
        reason: 'duplicate-ledger',
      });
    } else {
      fresh.push(group);
    }
  }
  if (fresh.length === 0) return;
  const times = fresh.map((g) => g.takenAt.getTime());
  let existing: GarminBloodPressure[];
  try {
    existing = await garmin.listBloodPressure({
      from: new Date(Math.min(...times) - TOLERANCE_MS),
      to: new Date(Math.max(...times) + TOLERANCE_MS),
    });
  } catch (error) {
    await failStep(
      error,
      fresh.map((g) => g.groupId),
    );
    return;
  }
  for (const group of fresh) {
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
    const already = existing.find(
      (r) =>
        Math.abs(r.takenAt.getTime() - group.takenAt.getTime()) <= TOLERANCE_MS &&
        r.systolic === reading.systolic &&
        r.diastolic === reading.diastolic,
    );
    if (already) {
      report.skipped.push({ groupIds: [group.groupId], takenAt, reason: 'duplicate-garmin' });
      await ledger(engine, userId, group, 'found');
      continue;
    }
    if (report.dryRun) {
      report.synced.push({
        groupIds: [group.groupId],
        takenAt,
        fields,
        bloodPressure: reading,
      });
      continue;
    }
    try {
      await garmin.addBloodPressure({
        takenAt: group.takenAt,
        systolic: reading.systolic,
        diastolic: reading.diastolic,
        pulse: reading.pulse,
        timeZone,
        notes: 'Withings',
      });
    } catch (error) {
      await failStep(error, [group.groupId]);
      continue;
    }
    await ledger(engine, userId, group, 'uploaded');
    report.synced.push({
      groupIds: [group.groupId],
      takenAt,
      fields,
      bloodPressure: reading,
    });
  }
}

async function ledger(engine: Engine, userId: string, group: MeasureGroup, how: LedgerRecord['how']) {
  await engine.config.store.put(keys.ledger(userId, group.groupId), {
    takenAt: group.takenAt.toISOString(),
    kind: 'blood-pressure',
    how,
    at: engine.config.now().toISOString(),
  } satisfies LedgerRecord);
}
