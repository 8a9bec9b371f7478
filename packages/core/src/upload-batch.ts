import type { GarminClient, GarminWeighIn } from '@wg-sync/garmin';
import type { WeighIn } from '@wg-sync/withings';
import type { Engine } from './context.js';
import { isReauth } from './failures.js';
import { raiseAlert } from './health.js';
import { readBack } from './read-back.js';
import type { SyncReport } from './report.js';
import { keys, type LedgerRecord } from './state.js';
import { sentFields, toGarminEntry } from './weight-entry.js';

/**
 * Uploads one batch as one FIT file, reads it back, and writes the ledger for what Garmin shows.
 * @returns true when syncing this account must stop (a session needs re-authorization).
 */
export async function uploadBatch(
  engine: Engine,
  garmin: GarminClient,
  userId: string,
  batch: WeighIn[],
  existing: Set<number>,
  heightM: number | undefined,
  report: SyncReport,
  failStep: (error: unknown, groupIds?: string[]) => Promise<void>,
): Promise<boolean> {
  const entries = batch.map((w) => toGarminEntry(w, heightM));
  try {
    const result = await garmin.addBodyComposition(entries, { verify: false });
    engine.log.debug('garmin.uploaded', { userId, entries: entries.length, status: result.status });
  } catch (error) {
    await failStep(
      error,
      batch.flatMap((w) => w.groupIds),
    );
    return isReauth(error);
  }
  let stored: Array<GarminWeighIn | undefined>;
  try {
    stored = await readBack(garmin, batch, existing, engine.config.dedup, engine.config.readBack);
  } catch (error) {
    // Uploaded but unconfirmed: not in the ledger, so the next sync looks again (and finds it in Garmin).
    await failStep(
      error,
      batch.flatMap((w) => w.groupIds),
    );
    return false;
  }
  const missing: WeighIn[] = [];
  for (const [i, w] of batch.entries()) {
    const match = stored[i];
    const entry = entries[i];
    if (!match || !entry) {
      missing.push(w);
      continue;
    }
    existing.add(match.samplePk);
    await writeLedger(engine, userId, w, 'uploaded', match.samplePk);
    report.synced.push({
      groupIds: w.groupIds,
      takenAt: w.takenAt.toISOString(),
      weightKg: w.weightKg,
      fields: sentFields(entry),
      garminSamplePk: match.samplePk,
    });
  }
  for (const w of missing) {
    report.failed.push({
      groupIds: w.groupIds,
      takenAt: w.takenAt.toISOString(),
      code: 'NOT_STORED',
      message: `Garmin accepted the upload but does not show the ${w.weightKg} kg weigh-in of ${w.takenAt.toISOString()}; it will be uploaded again`,
    });
  }
  if (missing.length > 0) {
    await raiseAlert(engine, {
      type: 'NOT_STORED',
      userId,
      message: `Garmin accepted ${batch.length} weigh-in(s) for user ${userId} but ${missing.length} did not appear; they will be retried on the next sync`,
    });
  }
  return false;
}

/** Remembers every group id of a weigh-in that Garmin now holds. */
export async function writeLedger(
  engine: Engine,
  userId: string,
  w: WeighIn,
  how: LedgerRecord['how'],
  samplePk?: number,
) {
  const record: LedgerRecord = {
    takenAt: w.takenAt.toISOString(),
    weightKg: w.weightKg,
    kind: 'weight',
    how,
    at: engine.config.now().toISOString(),
    ...(samplePk === undefined ? {} : { garminSamplePk: samplePk }),
  };
  await Promise.all(w.groupIds.map((id) => engine.config.store.put(keys.ledger(userId, id), record)));
}
