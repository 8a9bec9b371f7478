import { type Destination, DestinationLedger, GARMIN_DESTINATION_ID } from '../destinations/index.js';
import { needsReauth } from '../observability/health.js';
import { type AccountRecord, type HealthRecord, keys, type PendingRecord } from '../store/state.js';
import { countingFetch, withingsClientFor } from './clients.js';
import { confirmStillLinked } from './confirm-unlink.js';
import { sinceOf } from './read-window.js';
import { type DestinationRun, recordFailed, type SyncRun } from './run.js';
import { budgetPriorityOf } from './withings-budget.js';

const HOUR_MS = 3_600_000;

/**
 * Step 1 of a sync: the account, its Withings client and a session per destination (tokens from the
 * store, no HTTP), the cursors and the pending record, then the window to read.
 * @returns false when the run cannot go on (its report says why).
 */
export async function openRun(run: SyncRun, destinations: readonly Destination[]): Promise<boolean> {
  const { engine, request } = run;
  const { store } = engine.config;
  const { userId } = request;
  // The reads that need no account go out with its own (one store round trip, not two); for an
  // account that is gone, what they found is dropped. The health record is read now for commit.
  const others = readSession(run, destinations);
  others.catch(() => undefined); // awaited below, or moot without the account
  if (!request.dryRun) run.health = store.get<HealthRecord>(keys.health(userId));
  run.health?.catch(() => undefined); // a failed read is made again when the outcome is written
  const account = await store.get<AccountRecord>(keys.account(userId));
  if (!account || account.value.unlinkedAt) {
    run.destinations = [];
    recordFailed(run, undefined, {
      groupIds: [],
      code: account ? 'UNLINKED' : 'ACCOUNT_NOT_FOUND',
      message: account
        ? `user ${userId} unlinked wg-sync in Withings; link again`
        : `no linked account for user ${userId}`,
    });
    return false;
  }
  run.account = account.value;
  const [withings, pending] = await others;
  run.pending = pending;
  // Destinations the account does not use are not part of its sync at all.
  run.destinations = run.destinations.filter((dest) => dest.session !== null);
  if (!withings) {
    recordFailed(run, undefined, {
      groupIds: [],
      code: 'REAUTH_REQUIRED',
      message: `no withings session for user ${userId}`,
    });
    await needsReauth(engine, userId, 'withings', 'no stored session');
    return false;
  }
  run.withings = withings;
  for (const dest of run.destinations) {
    if (dest.session) continue;
    dest.stopped = true;
    const garmin = dest.destination.id === GARMIN_DESTINATION_ID;
    recordFailed(run, dest, {
      groupIds: [],
      code: 'REAUTH_REQUIRED',
      message: `no ${garmin ? 'garmin' : dest.name} session for user ${userId}`,
      ...(garmin ? { side: 'garmin' as const } : {}),
    });
    if (garmin) await needsReauth(engine, userId, 'garmin', 'no stored session');
  }
  if (run.destinations.every((dest) => dest.stopped)) return false;
  if (pending?.value.unlinkReportedAt && !request.dryRun) {
    const linked = await confirmStillLinked(run);
    if (!linked) return false;
  }
  run.window = windowOf(run);
  return true;
}

/**
 * The Withings client, the pending record and every destination's session and cursor, with a block
 * of the Withings budget leased beside them: the first Withings call then finds it (no store round
 * trip before it), and a 601 another process met is seen before anything is sent.
 */
async function readSession(run: SyncRun, destinations: readonly Destination[]) {
  const { engine, request } = run;
  const { userId } = request;
  const baseFetch = engine.config.fetch ?? globalThis.fetch;
  const priority = budgetPriorityOf(request.trigger);
  run.destinations = destinations.map((destination) => destinationRun(run, destination));
  const [withings, pending] = await Promise.all([
    withingsClientFor(engine, userId, countingFetch(baseFetch, run.withingsCalls), { priority }),
    engine.config.store.get<PendingRecord>(keys.pending(userId)),
    engine.budget.prepare(priority, engine.config.syncDeletions ? 2 : 1),
    ...run.destinations.map(async (dest) => {
      const account = {
        userId,
        fetch: countingFetch(baseFetch, dest.calls),
        now: engine.config.now,
        log: engine.log,
      };
      const [session, cursor] = await Promise.all([dest.destination.open(account), dest.ledger.cursor()]);
      dest.session = session;
      dest.cursor = cursor;
    }),
  ]);
  return [withings, pending] as const;
}

function destinationRun(run: SyncRun, destination: Destination): DestinationRun {
  return {
    destination,
    name: destination.name ?? destination.id,
    ledger: new DestinationLedger(
      run.engine.config.store,
      destination.id,
      run.request.userId,
      run.engine.config.syncDeletions
        ? { windowDays: run.engine.config.deletionWindowDays, now: run.engine.config.now }
        : undefined,
    ),
    cursor: undefined,
    session: undefined,
    calls: { calls: 0 },
    existing: new Set(),
    held: [],
    toWrite: [],
    stopped: false,
    counts: { synced: 0, skipped: 0, failed: 0 },
    capped: false,
    deletions: 0,
    replacing: new Set(),
  };
}

/**
 * The Withings read starts at the earliest cursor of the destinations that can be written (each
 * one's ledger skips what it already has); a backfill reads its range. The destinations are listed
 * from there to an hour ahead (clocks differ).
 */
function windowOf(run: SyncRun): NonNullable<SyncRun['window']> {
  const { request, now } = run;
  if (request.backfill)
    return { lastUpdate: undefined, from: request.backfill.from, to: request.backfill.to };
  const open = run.destinations.filter((dest) => !dest.stopped);
  const starts = open.map((dest) => sinceOf(run.engine, request, now, dest.cursor).getTime());
  const lastUpdate = new Date(Math.min(...starts));
  return { lastUpdate, from: lastUpdate, to: new Date(now.getTime() + HOUR_MS) };
}
