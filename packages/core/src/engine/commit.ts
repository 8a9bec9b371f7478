import { GARMIN_DESTINATION_ID } from '../destinations/ledger.js';
import { recordAttempt } from '../observability/health.js';
import type { SyncReport } from '../observability/report.js';
import { type AccountRecord, keys, update } from '../store/state.js';
import type { DestinationRun, SyncRun } from './run.js';

/** Whether a destination finished everything this run planned (its cursor may then move). */
const complete = (dest: DestinationRun) => !dest.stopped && dest.counts.failed === 0 && !dest.capped;

/**
 * Step 6: every destination whose part is complete moves its cursor (a backfill moves none); the
 * pending record goes once all of them are complete; the account learns its time zone and height;
 * the health record gets the outcome. These writes are independent, so they go out together: a
 * crash between them loses nothing (an old cursor re-reads what the ledger then skips, a pending
 * record left behind only asks for one more sync).
 * @returns whether the whole run succeeded.
 */
export async function commitRun(run: SyncRun): Promise<boolean> {
  const { request } = run;
  const withingsOk = run.sharedFailures === 0;
  const allComplete = withingsOk && run.destinations.every(complete);
  const writeCursors = !request.backfill && !request.dryRun;
  const lastUpdate = Math.floor((run.fetched as NonNullable<SyncRun['fetched']>).updateTime.getTime() / 1000);
  await Promise.all([
    ...run.destinations.map(async (dest) => {
      if (!writeCursors || !withingsOk || !complete(dest)) return;
      dest.movedTo = new Date((await dest.ledger.moveCursor(lastUpdate, dest.cursor)) * 1000).toISOString();
    }),
    writeCursors && allComplete ? dropPending(run) : undefined,
    request.dryRun ? undefined : learnAccount(run),
    recordOutcome(run, { ok: allComplete }),
  ]);
  if (writeCursors && allComplete) {
    const cursors = run.destinations.map((dest) => Date.parse(dest.movedTo as string));
    run.report.cursor = new Date(Math.min(...cursors)).toISOString();
  }
  return allComplete;
}

async function dropPending(run: SyncRun): Promise<void> {
  if (!run.pending) return;
  await run.engine.config.store
    .delete(keys.pending(run.request.userId), { ifVersion: run.pending.version })
    .catch(() => undefined); // a newer notification came in: it stays for the next sync
}

/** The account's time zone (once) and height (monthly), as Withings told them. */
async function learnAccount(run: SyncRun): Promise<void> {
  const fetched = run.fetched as NonNullable<SyncRun['fetched']>;
  const account = run.account as AccountRecord;
  if (!((!account.timeZone && fetched.timeZone) || fetched.heightDue)) return;
  await update<AccountRecord>(run.engine.config.store, keys.account(run.request.userId), (current) => ({
    ...(current ?? account),
    timeZone: current?.timeZone ?? fetched.timeZone ?? null,
    ...(fetched.heightM ? { heightM: fetched.heightM } : {}),
    ...(fetched.heightRead ? { heightCheckedAt: run.now.toISOString() } : {}),
  }));
}

/** The outcome in the account's health record (not for dry runs); once per run. */
async function recordOutcome(run: SyncRun, outcome: { ok: boolean }): Promise<void> {
  const { report } = run;
  if (report.dryRun) return;
  run.outcomeRecorded = true;
  const error = report.failed[0];
  await recordAttempt(
    run.engine,
    report.userId,
    {
      ok: outcome.ok && report.failed.length === 0,
      ...(error
        ? { error: { code: error.code, message: error.message, ...(error.side ? { side: error.side } : {}) } }
        : {}),
      ...(outcome.ok ? { clearReauth: ['withings', 'garmin'] } : {}),
    },
    run.health,
  );
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
  report.destinations = Object.fromEntries(
    run.destinations.map((dest) => [
      dest.destination.id,
      {
        id: dest.destination.id,
        ...dest.counts,
        upstreamCalls: dest.calls.calls,
        ...(dest.movedTo ? { cursor: dest.movedTo } : {}),
        ...(dest.deletionCheck ? { deletionCheck: dest.deletionCheck } : {}),
      },
    ]),
  );
  report.durationMs = Math.round(performance.now() - run.t0);
  if (!request.dryRun) {
    if (!run.outcomeRecorded) await recordOutcome(run, outcome);
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
    ...(engine.config.syncDeletions ? { deleted: report.deleted.length, edited: report.edited.length } : {}),
    failures: report.failed.map((f) => f.code),
    upstreamCalls: report.upstreamCalls,
    ...(run.destinations.length > 1 ? { destinations: report.destinations } : {}),
    durationMs: report.durationMs,
  });
  return report;
}
