import type { Engine } from '../context.js';
import { isSyncError } from '../errors.js';
import type { SyncReport } from '../observability/report.js';
import { syncBloodPressure } from './blood-pressure.js';
import { commitRun, finishRun } from './commit.js';
import { followDeletions } from './deletions.js';
import { openRun } from './open.js';
import { fetchAndSort, planDestination } from './plan.js';
import { newRun, recordStoreFailure, type SyncRequest } from './run.js';
import { writeAndVerify } from './write.js';

/**
 * The sync of one account, as named steps over one run object, under the coordinator's lease:
 *
 * 1. {@link openRun}: account, Withings client, a session per destination, cursors, window;
 * 2. {@link fetchAndSort}: Withings ‖ every destination's list ‖ the height, in one round trip;
 * 3. {@link followDeletions} (with `syncDeletions`): per destination, delete what Withings no longer
 *    has; then {@link planDestination}: skip what its ledger or it already holds (edits replaced), cap;
 * 4–5. {@link writeAndVerify}: per destination, write each batch and read it back into the ledger;
 * 6. {@link commitRun}: cursors, pending, account; then {@link finishRun}: health, hooks, log.
 *
 * Destinations go through steps 3–5 concurrently, each with its own ledger and cursor, so one that
 * fails holds no other back and a second destination adds no sequential round trip.
 */
export async function syncAccount(engine: Engine, request: SyncRequest): Promise<SyncReport> {
  const run = newRun(engine, request);
  try {
    if (!(await openRun(run, engine.destinations)) || !(await fetchAndSort(run)))
      return finishRun(run, { ok: false });
    const open = run.destinations.filter((dest) => !dest.stopped);
    await Promise.all(
      open.map(async (dest, i) => {
        await followDeletions(run, dest);
        await planDestination(run, dest);
        if (!dest.stopped) await writeAndVerify(run, dest, i === 0);
        await syncBloodPressure(run, dest);
      }),
    );
    return finishRun(run, { ok: await commitRun(run) });
  } catch (error) {
    if (!isSyncError(error)) throw error;
    recordStoreFailure(run, error);
    return finishRun(run, { ok: false });
  }
}
