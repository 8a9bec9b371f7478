import { GARMIN_DESTINATION_ID } from '../destinations/ledger.js';
import { recordAttempt } from '../health.js';
import type { SyncReport } from '../report.js';
import { type AccountRecord, keys, update } from '../state.js';
import type { DestinationRun, SyncRun } from './run.js';

/** Whether a destination finished everything this run planned (its cursor may then move). */
const complete = (dest: DestinationRun) => !dest.stopped && dest.counts.failed === 0 && !dest.capped;

/**
 * Step 6: every destination whose part is complete moves its cursor (a backfill moves none); the
 * pending record goes once all of them are complete; the account learns its time zone and height.
 * @returns whether the whole run succeeded.
 */
export async function commitRun(run: SyncRun): Promise<boolean> {
  const { engine, request, report } = run;
  const fetched = run.fetched as NonNullable<SyncRun['fetched']>;
  const account = run.account as AccountRecord;
  const { store } = engine.config;
  const withingsOk = run.sharedFailures === 0;
  const allComplete = withingsOk && run.destinations.every(complete);
  if (!request.backfill && !request.dryRun) {
    const lastUpdate = Math.floor(fetched.updateTime.getTime() / 1000);
    const moved = await Promise.all(
      run.destinations.map(async (dest) =>
        withingsOk && complete(dest) ? dest.ledger.moveCursor(lastUpdate, dest.cursor) : undefined,
      ),
    );
    for (const [i, dest] of run.destinations.entries()) {
      const at = moved[i];
      if (at !== undefined) dest.movedTo = new Date(at * 1000).toISOString();
    }
    if (allComplete) {
      report.cursor = new Date(Math.min(...(moved as number[])) * 1000).toISOString();
      if (run.pending)
        await store
          .delete(keys.pending(request.userId), { ifVersion: run.pending.version })
          .catch(() => undefined);
    }
  }
  if (!request.dryRun && ((!account.timeZone && fetched.timeZone) || fetched.heightDue)) {
    await update<AccountRecord>(store, keys.account(request.userId), (current) => ({
      ...(current ?? account),
      timeZone: current?.timeZone ?? fetched.timeZone ?? null,
      ...(fetched.heightM ? { heightM: fetched.heightM } : {}),
      ...(fetched.heightRead ? { heightCheckedAt: run.now.toISOString() } : {}),
    }));
  }
  return allComplete;
}

/**
 * The last step of every run, whatever happened: the report's figures, the health record, hooks
 * and the `sync.completed` line.
 */
export async function finishRun(run: SyncRun, outcome: { ok: boolean }): Promise<SyncReport> {
  const { engine, request, report } = run;
  const { userId } = request;
  const garmin = run.destinations.find((d) => d.destination.id === GARMIN_DESTINATION_ID);
  report.upstreamCalls = { withings: run.withingsCalls.calls, garmin: garmin?.calls.calls ?? 0 };
  report.destinations = run.destinations.map((dest) => ({
    id: dest.destination.id,
    ...dest.counts,
    upstreamCalls: dest.calls.calls,
    ...(dest.movedTo ? { cursor: dest.movedTo } : {}),
  }));
  report.durationMs = Math.round(performance.now() - run.t0);
  if (!request.dryRun) {
    const error = report.failed[0];
    await recordAttempt(engine, userId, {
      ok: outcome.ok && report.failed.length === 0,
      ...(error
        ? { error: { code: error.code, message: error.message, ...(error.side ? { side: error.side } : {}) } }
        : {}),
      ...(outcome.ok ? { clearReauth: ['withings', 'garmin'] } : {}),
    });
    for (const failure of report.failed)
      await engine.hook('onError', { code: failure.code, message: failure.message, userId });
    if (report.synced.length > 0) await engine.hook('onSynced', report);
  }
  await engine.hook('onReport', report);
  engine.log.info('sync.completed', {
    userId,
    trigger: report.trigger,
    dryRun: report.dryRun,
    synced: report.synced.length,
    skipped: report.skipped.length,
    failed: report.failed.length,
    failures: report.failed.map((f) => f.code),
    upstreamCalls: report.upstreamCalls,
    ...(run.destinations.length > 1 ? { destinations: report.destinations } : {}),
    durationMs: report.durationMs,
  });
  return report;
}
