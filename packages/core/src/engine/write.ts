import type { WeighIn } from '@wg-sync/withings';
import type { StoredWeighIn } from '../destinations/destination.js';
import { GARMIN_DESTINATION_ID } from '../destinations/ledger.js';
import { findMatch } from '../destinations/match.js';
import { raiseAlert } from '../observability/health.js';
import { ledgerEntry } from './plan.js';
import {
  type DestinationRun,
  groupIdsOf,
  recordError,
  recordFailed,
  recordSynced,
  type SyncRun,
} from './run.js';

/**
 * Steps 4 and 5, per destination: write what was planned, in batches (a backfill's `batchSize`,
 * else one), and verify each batch before the next. A dry run only reports what would be written.
 */
export async function writeAndVerify(run: SyncRun, dest: DestinationRun, primary: boolean): Promise<void> {
  const { request } = run;
  if (request.dryRun) {
    for (const w of dest.toWrite) recordSynced(run, dest, { ...syncedOf(w), fields: fieldsOf(dest, w) });
    return;
  }
  const total = dest.toWrite.length;
  const batchSize = request.backfill?.batchSize ?? Math.max(1, total);
  for (let start = 0; start < total; start += batchSize) {
    const written = await write(run, dest, dest.toWrite.slice(start, start + batchSize));
    if (written.length > 0) await verify(run, dest, written);
    if (primary)
      request.backfill?.onProgress?.({
        total,
        done: Math.min(start + batchSize, total),
        synced: run.report.synced.length,
        failed: run.report.failed.length,
      });
    if (dest.stopped) break; // a refused session: the rest waits for a new sign-in
  }
}

/** Step 4: one batch to the destination. @returns what it says it wrote. */
async function write(run: SyncRun, dest: DestinationRun, batch: WeighIn[]): Promise<WeighIn[]> {
  const session = dest.session as NonNullable<DestinationRun['session']>;
  try {
    const outcome = await session.write(batch);
    // Confirmed while writing or failed: neither is read back.
    const settled = new Set<WeighIn>();
    for (const { weighIn, record } of outcome.confirmed ?? []) {
      settled.add(weighIn);
      await recordStored(run, dest, weighIn, record);
    }
    for (const { weighIns, error } of outcome.failed ?? []) {
      for (const w of weighIns) settled.add(w);
      await recordError(run, dest, error, groupIdsOf(weighIns));
    }
    return batch.filter((w) => !settled.has(w));
  } catch (error) {
    await recordError(run, dest, error, groupIdsOf(batch));
    return [];
  }
}

/**
 * Step 5: reads the written weigh-ins back. What the destination shows goes to the ledger (step 6
 * for this batch, so a crash later never uploads it twice); the rest fails as `NOT_STORED`, with an
 * alert, and is written again next sync. Unconfirmed is not in the ledger, so the next sync looks
 * again (and finds it in the destination's list).
 */
async function verify(run: SyncRun, dest: DestinationRun, written: WeighIn[]): Promise<void> {
  let stored: Array<StoredWeighIn | undefined>;
  try {
    stored = await confirm(run, dest, written);
  } catch (error) {
    await recordError(run, dest, error, groupIdsOf(written));
    return;
  }
  const missing: WeighIn[] = [];
  for (const [i, w] of written.entries()) {
    const record = stored[i];
    if (!record) {
      missing.push(w);
      continue;
    }
    await recordStored(run, dest, w, record);
  }
  for (const w of missing) {
    recordFailed(run, dest, {
      groupIds: w.groupIds,
      takenAt: w.takenAt.toISOString(),
      code: 'NOT_STORED',
      message: `${dest.name} accepted the upload but does not show the ${w.weightKg} kg weigh-in of ${w.takenAt.toISOString()}; it will be uploaded again`,
    });
  }
  if (missing.length > 0) {
    await raiseAlert(run.engine, {
      type: 'NOT_STORED',
      userId: run.request.userId,
      message: `${dest.name} accepted ${written.length} weigh-in(s) for user ${run.request.userId} but ${missing.length} did not appear; they will be retried on the next sync`,
      ...(run.destinations.length > 1 ? { destination: dest.destination.id } : {}),
    });
  }
}

/** A written weigh-in the destination shows: into the ledger and the report. */
async function recordStored(
  run: SyncRun,
  dest: DestinationRun,
  w: WeighIn,
  record: StoredWeighIn,
): Promise<void> {
  dest.existing.add(record.id);
  await dest.ledger.write(w.groupIds, ledgerEntry(run, w, 'uploaded'), record.id, record.deleteHint);
  recordSynced(run, dest, { ...syncedOf(w), fields: fieldsOf(dest, w), ...storedIdOf(dest, record) });
}

/** The destination's own read-back, or one list of the written range matched within tolerance. */
async function confirm(run: SyncRun, dest: DestinationRun, written: WeighIn[]) {
  const session = dest.session as NonNullable<DestinationRun['session']>;
  if (session.confirm) return session.confirm(written, new Set(dest.existing));
  const times = written.map((w) => w.takenAt.getTime());
  const slack = run.engine.config.dedup.timeToleranceSec * 1000;
  const listed = await session.list({
    from: new Date(Math.min(...times) - slack),
    to: new Date(Math.max(...times) + slack),
  });
  const fresh = listed.filter((record) => !dest.existing.has(record.id));
  const claimed = new Set<string>();
  return written.map((w) => {
    const match = findMatch(w, fresh, run.engine.config.dedup, claimed);
    if (match) claimed.add(match.id);
    return match;
  });
}

const syncedOf = (w: WeighIn) => ({
  groupIds: w.groupIds,
  takenAt: w.takenAt.toISOString(),
  weightKg: w.weightKg,
});

/** The fields a weigh-in is written with: the destination's word, else those it accepts and has. */
function fieldsOf(dest: DestinationRun, w: WeighIn): string[] {
  if (dest.session?.fields) return dest.session.fields(w);
  const record = w as unknown as Record<string, unknown>;
  return [
    'weightKg',
    ...dest.destination.accepts.bodyComposition.filter((field) => record[field] !== undefined),
  ];
}

function storedIdOf(dest: DestinationRun, record: StoredWeighIn) {
  if (dest.destination.id === GARMIN_DESTINATION_ID && /^\d+$/.test(record.id))
    return { garminSamplePk: Number(record.id) };
  return { storedId: record.id };
}
