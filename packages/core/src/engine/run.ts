import type { MeasureGroup, WeighIn, WithingsClient } from '@wg-sync/withings';
import type { Engine } from '../context.js';
import type { Destination, DestinationSession, StoredWeighIn } from '../destinations/destination.js';
import type { DestinationLedger } from '../destinations/ledger.js';
import type { RecentIndexRecord } from '../destinations/recent-index.js';
import { needsReauth, raiseAlert } from '../observability/health.js';
import type {
  DeletionCheck,
  FailedEntry,
  SkippedEntry,
  SyncedEntry,
  SyncReport,
  SyncTrigger,
} from '../observability/report.js';
import type { AccountRecord, CursorRecord, HealthRecord, PendingRecord } from '../store/state.js';
import type { VersionedValue } from '../store/state-store.js';
import { describeFailure, isReauth, sideOf } from './failures.js';

/** One sync request for one account. */
export interface SyncRequest {
  userId: string;
  trigger: SyncTrigger;
  dryRun: boolean;
  maxEntries: number;
  /**
   * A person's request (`syncRecent`, `/sync/manual`): fetch at least everything created or changed
   * since this instant (widens the cursor, never narrows). Ignored for webhook triggers: a
   * notification can ask for a sync, never say what it reads.
   */
  since?: Date;
  /** Backfill: every weigh-in measured in this range, uploaded in batches; the cursor does not move. */
  backfill?: { from: Date; to: Date; batchSize: number; onProgress?: (progress: BackfillProgress) => void };
}

/** Progress of a backfill, reported after each batch. */
export interface BackfillProgress {
  total: number;
  done: number;
  synced: number;
  failed: number;
}

/** What Withings returned for the run's window, sorted out. */
export interface Fetched {
  /** Weigh-ins to sync, before any destination's dedup. */
  weighIns: WeighIn[];
  /** Blood-pressure groups (with `bloodPressure: true`). */
  bloodPressure: MeasureGroup[];
  /** Withings' `updatetime`: where the cursors move when everything succeeded. */
  updateTime: Date;
  /** Withings' time zone of the account. */
  timeZone: string | undefined;
  heightM: number | undefined;
  /** Whether the height was (due and) read in this run. */
  heightRead: boolean;
  heightDue: boolean;
  /** With `syncDeletions` (not in a backfill): the read of the deletion window, when it succeeded. */
  deletionWindow?: DeletionWindow;
}

/** What Withings returned for the deletion window, read by date beside the usual read. */
export interface DeletionWindow {
  from: Date;
  to: Date;
  /** Every group Withings returned measured in the window (every kind, every attribution). */
  groups: MeasureGroup[];
  /** Their ids. */
  present: ReadonlySet<string>;
  /** The answer took more than one page: what is absent from it is not taken for deleted. */
  paged: boolean;
}

/** One destination's part of a run: its session, ledger, cursor and what it still has to write. */
export interface DestinationRun {
  destination: Destination;
  /** For messages: the destination's name. */
  name: string;
  ledger: DestinationLedger;
  cursor: CursorRecord | undefined;
  /** Undefined until opened, and when the account has no credentials for it; null: not used. */
  session: DestinationSession | undefined | null;
  /** Its HTTP round trips (through the fetch the engine gave it). */
  calls: { calls: number };
  /** What it held in the run's range before anything was written (ids). */
  existing: Set<string>;
  /** What it held, for dedup. */
  held: StoredWeighIn[];
  /** The weigh-ins planned for it, after dedup and cap. */
  toWrite: WeighIn[];
  /** Set once it cannot go on in this run (a refused session, a failed read). */
  stopped: boolean;
  counts: { synced: number; skipped: number; failed: number };
  /** Whether it left something for later (cap): its cursor then stays. */
  capped: boolean;
  /** Its cursor after the run (ISO), when it moved. */
  movedTo?: string;
  /** With `syncDeletions`: its recent index as read beside the window (`undefined`: none yet). */
  recent?: RecentIndexRecord | undefined;
  /** With `syncDeletions`: records deleted (or planned, in a dry run) this run, against the cap. */
  deletions: number;
  /** Edited weigh-ins whose old record is gone: written again although the ledger has them. */
  replacing: Set<WeighIn>;
  /**
   * For a destination that keeps one record per day: weigh-ins it skipped as `superseded` whose
   * day lost the weigh-in that won it (deleted in Withings). Planned again although the ledger has
   * them, so the day's latest remaining weigh-in takes the day.
   */
  restoring?: WeighIn[];
  /** With `syncDeletions`: whether it looked for deletions (in its report entry). */
  deletionCheck?: DeletionCheck;
}

/** Everything one sync of one account knows, passed from step to step. */
export interface SyncRun {
  engine: Engine;
  request: SyncRequest;
  report: SyncReport;
  /** When the run started (the engine's clock). */
  now: Date;
  /** `performance.now()` at the start, for `durationMs`. */
  t0: number;
  withingsCalls: { calls: number };
  /** Set once the health record has this run's outcome (commit writes it with the cursors). */
  outcomeRecorded?: boolean;
  /** Failures of no destination in particular (the account, Withings, the store). */
  sharedFailures: number;
  account?: AccountRecord;
  withings?: WithingsClient;
  pending?: VersionedValue<PendingRecord> | undefined;
  /** The health record as read at the start, beside the other reads, for the outcome to swap on. */
  health?: Promise<VersionedValue<HealthRecord> | undefined>;
  destinations: DestinationRun[];
  /** Where the Withings read starts (`lastupdate`), and the range the destinations are listed in. */
  window?: { lastUpdate: Date | undefined; from: Date; to: Date };
  fetched?: Fetched;
}

/** Entries name their destination when a sync writes to more than one. */
const tag = (run: SyncRun, dest: DestinationRun | undefined) =>
  dest && run.destinations.length > 1 ? { destination: dest.destination.id } : {};

export function recordSkip(run: SyncRun, dest: DestinationRun | undefined, entry: SkippedEntry): void {
  run.report.skipped.push({ ...entry, ...tag(run, dest) });
  if (dest) {
    dest.counts.skipped += 1;
    if (entry.reason === 'cap') dest.capped = true;
  }
}

export function recordSynced(run: SyncRun, dest: DestinationRun, entry: SyncedEntry): void {
  run.report.synced.push({ ...entry, ...tag(run, dest) });
  dest.counts.synced += 1;
}

/** A failure that is not an error (an unlinked account, a value out of range). */
export function recordFailed(run: SyncRun, dest: DestinationRun | undefined, entry: FailedEntry): void {
  run.report.failed.push({ ...entry, ...tag(run, dest) });
  if (dest) dest.counts.failed += 1;
  else run.sharedFailures += 1;
}

/**
 * Records an error as a failed entry (redacted, with its code and side); a refused session marks the
 * side for re-authorization. With `dest`, that destination stops for this run when it must sign in.
 */
export async function recordError(
  run: SyncRun,
  dest: DestinationRun | undefined,
  error: unknown,
  groupIds: string[] = [],
): Promise<void> {
  const failure = describeFailure(run.engine, error);
  const side = sideOf(error);
  recordFailed(run, dest, { groupIds, ...failure, ...(side ? { side } : {}) });
  if (isReauth(error)) {
    if (dest) dest.stopped = true;
    if (side) await needsReauth(run.engine, run.request.userId, side, failure.message);
    else if (dest) await destinationNeedsReauth(run, dest, failure.message);
  }
}

/** A destination other than Garmin refused its credentials: an alert naming it, with the fix. */
async function destinationNeedsReauth(run: SyncRun, dest: DestinationRun, detail: string): Promise<void> {
  const { userId } = run.request;
  const fix = dest.destination.reauthHint ?? `set its credentials again`;
  await raiseAlert(run.engine, {
    type: 'REAUTH_REQUIRED',
    userId,
    destination: dest.destination.id,
    message: `${dest.name} refused the credentials of user ${userId} (${detail}); ${fix}`,
  });
}

/** Every group id of some weigh-ins (what a failed entry names). */
export const groupIdsOf = (weighIns: readonly WeighIn[]): string[] => weighIns.flatMap((w) => w.groupIds);

/** A report with nothing in it yet: a run's start, or a trigger that joined a sync already running. */
export function emptyReport(request: SyncRequest, startedAt: Date, coalesced: boolean): SyncReport {
  return {
    userId: request.userId,
    trigger: request.trigger,
    dryRun: request.dryRun,
    startedAt: startedAt.toISOString(),
    durationMs: 0,
    synced: [],
    skipped: [],
    failed: [],
    deleted: [],
    edited: [],
    upstreamCalls: { withings: 0, garmin: 0 },
    destinations: {},
    coalesced,
  };
}

/** A run's start: nothing known yet but the request and the clock. */
export function newRun(engine: Engine, request: SyncRequest): SyncRun {
  return {
    engine,
    request,
    now: engine.config.now(),
    t0: performance.now(),
    withingsCalls: { calls: 0 },
    sharedFailures: 0,
    destinations: [],
    report: emptyReport(request, engine.config.now(), false),
  };
}

/**
 * A broken store (corrupt file, unreachable table) met mid-run: reported like any failure, surfaced,
 * never hidden; a success written alongside the failing write is overwritten by the outcome.
 */
export function recordStoreFailure(run: SyncRun, error: unknown, groupIds: string[] = []): void {
  run.report.failed.push({ groupIds, ...describeFailure(run.engine, error) });
  run.sharedFailures += 1;
  run.outcomeRecorded = false;
}

/** What a destination's `list` gave: its records for dedup, or (failed) nothing written there this run. */
export async function takeListing(
  run: SyncRun,
  dest: DestinationRun,
  result: PromiseSettledResult<StoredWeighIn[]>,
): Promise<void> {
  if (result.status === 'fulfilled') {
    dest.held = [...result.value];
    for (const record of result.value) dest.existing.add(record.id);
    return;
  }
  // Without the destination's view a write could duplicate: nothing is written there this time.
  await recordError(run, dest, result.reason);
  dest.stopped = true;
}
