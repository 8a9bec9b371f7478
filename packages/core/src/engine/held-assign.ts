import type { Engine } from '../context.js';
import type { StoredWeighIn } from '../destinations/destination.js';
import { HeldNotFoundError, isSyncError, StoreConflictError } from '../errors.js';
import { lastNotificationBefore, recordActivity } from '../observability/activity.js';
import type { SyncReport } from '../observability/report.js';
import { type AccountRecord, type HeldRecord, keys, type StoredHeldWeighIn } from '../store/state.js';
import { finishRun } from './commit.js';
import {
  dismissHeld,
  findHeld,
  type HeldWeighIns,
  isLive,
  listHeld,
  settleAssigned,
  weighInOf,
} from './held.js';
import { openRun } from './open.js';
import { planDestination } from './plan.js';
import {
  emptyReport,
  newRun,
  recordSkip,
  recordStoreFailure,
  type SyncRequest,
  type SyncRun,
  takeListing,
} from './run.js';
import { syncAccount } from './sync-account.js';
import { writeAndVerify } from './write.js';

const HOUR_MS = 3_600_000;
/** How long an assign waits for another process's sync of the account (its lease) to end. */
const BUSY_TRIES = 40;
const BUSY_DELAY_MS = 250;

/**
 * `sync.held` ({@link HeldWeighIns}). An assign runs under the account's sync lease, after any sync
 * of the account running in this process (never joining one): triggers that arrive meanwhile join
 * it, and the sync they asked for runs right after it, in the same turn.
 * @internal
 */
export function createHeld(engine: Engine): HeldWeighIns {
  return {
    list: (userId) => listHeld(engine, userId),
    dismiss: (id) => dismissHeld(engine, id),
    async assign(id) {
      const found = await findHeld(engine, id);
      const answered = found?.entry.value.resolved[id]?.how;
      const item = found?.entry.value.items[id];
      const syncedAlready = answered === 'assigned' || answered === 'reattributed';
      if (!found || (answered && !syncedAlready) || (item && !isLive(engine, item)))
        throw new HeldNotFoundError(id, answered ?? (item ? 'expired' : undefined));
      const { userId } = found;
      const request: SyncRequest = {
        userId,
        trigger: 'assign',
        dryRun: false,
        maxEntries: engine.config.maxEntriesPerSync,
      };
      let first = true;
      // Each run goes into the account's activity record, as every sync does (the page's "last syncs").
      const execute = async () => {
        if (!first) {
          // A trigger joined the assign: the sync it asked for.
          const notifiedAt = await lastNotificationBefore(engine, userId);
          const report = await syncAccount(engine, { ...request, trigger: 'pending' });
          await recordActivity(engine, report, notifiedAt);
          return report;
        }
        first = false;
        const report = await assignUnderLease(engine, request, id);
        await recordActivity(engine, report, undefined);
        return report;
      };
      for (let i = 0; i < BUSY_TRIES; i += 1) {
        const busy = emptyReport(request, engine.config.now(), true);
        first = true;
        const report = await engine.coordinator.runAlone(userId, execute, () => busy);
        if (report !== busy) return report;
        await new Promise((resolve) => setTimeout(resolve, BUSY_DELAY_MS));
      }
      throw new StoreConflictError(
        keys.lock(userId),
        `another process is syncing user ${userId} and keeps its lease: assign ${id} again in a minute`,
      );
    },
  };
}

/**
 * The assign itself, under the lease: the held record is read again (a sync that ran just before
 * may have synced the weigh-in, re-attributed), then the weigh-in goes through the usual steps for
 * every destination of the account: {@link openRun} (a window of an hour either side of its instant,
 * as a backfill: no cursor moves), each destination listed there, {@link planDestination} (its
 * ledger and its own records skip what it already holds), {@link writeAndVerify}; then
 * {@link finishRun}. Once no destination failed, it is answered (`assigned`).
 */
async function assignUnderLease(engine: Engine, base: SyncRequest, id: string): Promise<SyncReport> {
  const { store } = engine.config;
  const record = (await store.get<HeldRecord>(keys.held(base.userId)))?.value;
  const item = record?.items[id];
  const answered = record?.resolved[id];
  if (!item) {
    if (answered?.how !== 'assigned' && answered?.how !== 'reattributed')
      throw new HeldNotFoundError(id, answered?.how);
    // Already synced (by an assign, or as Withings re-attributed it): reported, not written again.
    const report = emptyReport(base, engine.config.now(), false);
    report.skipped.push({
      groupIds: answered.groupIds,
      takenAt: answered.takenAt,
      reason: 'duplicate-ledger',
      heldId: id,
    });
    await engine.hook('onReport', report);
    return report;
  }
  const takenAt = new Date(item.takenAt);
  const request: SyncRequest = {
    ...base,
    backfill: {
      from: new Date(takenAt.getTime() - HOUR_MS),
      to: new Date(takenAt.getTime() + HOUR_MS),
      batchSize: 1,
    },
  };
  const run = newRun(engine, request);

  run.report.trigger = 'assign';
  try {
    if (!(await openRun(run, engine.destinations))) return finishRun(run, { ok: false });
    await listDestinations(run);
    const account = run.account as AccountRecord;
    run.fetched = {
      weighIns: [weighInOf(item, account.heightM)],
      bloodPressure: [],
      updateTime: run.now,
      timeZone: undefined,
      heightM: account.heightM,
      heightRead: false,
      heightDue: false,
    };
    const open = run.destinations.filter((dest) => !dest.stopped);
    await Promise.all(
      open.map(async (dest, i) => {
        await planDestination(run, dest);
        if (!dest.stopped) await writeAndVerify(run, dest, i === 0);
      }),
    );
    const ok = run.report.failed.length === 0 && run.destinations.every((d) => !d.stopped);
    if (ok) run.report.held = await settleAssigned(engine, base.userId, id, item as StoredHeldWeighIn);
    else
      recordSkip(run, undefined, {
        groupIds: item.groupIds,
        takenAt: item.takenAt,
        reason: item.reason,
        heldId: id,
      });
    // Only a failure goes into the health record: an assign says nothing of the Withings side.
    run.outcomeRecorded = ok;
    return finishRun(run, { ok });
  } catch (error) {
    if (!isSyncError(error)) throw error;
    recordStoreFailure(run, error, item.groupIds);
    return finishRun(run, { ok: false });
  }
}

/** Every open destination's records around the instant (what its dedup compares with). */
async function listDestinations(run: SyncRun): Promise<void> {
  const window = run.window as NonNullable<SyncRun['window']>;
  const open = run.destinations.filter((dest) => !dest.stopped);
  const listed = await Promise.allSettled(
    open.map(async (dest) => (await dest.session?.list({ from: window.from, to: window.to })) ?? []),
  );
  for (const [i, dest] of open.entries())
    await takeListing(run, dest, listed[i] as PromiseSettledResult<StoredWeighIn[]>);
}
