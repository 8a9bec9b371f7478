import type { GarminClient, GarminWeighIn } from '@wg-sync/garmin';
import type { Engine } from '../../context.js';
import { garminClientFor } from '../../engine/clients.js';
import { describeFailure } from '../../engine/failures.js';
import type { SyncErrorCode } from '../../error-codes.js';
import { AccountNotFoundError, isSyncErrorWithCode, SyncError } from '../../errors.js';
import { type AccountRecord, keys, type LedgerRecord } from '../../store/state.js';
import type { Tolerance } from '../match.js';

const DAY_MS = 86_400_000;

/**
 * How far back `sync.garmin.dedupe` looks without `from`: ten years. Duplicates are mostly left by
 * older tools (Garmin stopped merging same-instant FIT points in 2021), so a person asking to clean up
 * means their whole history, not last month; a dry run of it only reads.
 */
export const GARMIN_DEDUPE_DEFAULT_DAYS = 3650;

/**
 * Days per weight-range read. Garmin documents no limit, but one answer for a decade of weigh-ins
 * would be large (and the client caps answer sizes), so the range is read in pieces of this size.
 */
export const GARMIN_DEDUPE_CHUNK_DAYS = 90;

/** The body-composition fields a Garmin weigh-in can carry; the keeper of a group has the most. */
export const GARMIN_BODY_FIELDS = [
  'fatPercent',
  'hydrationPercent',
  'boneMassKg',
  'muscleMassKg',
  'bmi',
  'visceralFat',
  'metabolicAge',
  'physiqueRating',
] as const satisfies ReadonlyArray<keyof GarminWeighIn>;

/** One of {@link GARMIN_BODY_FIELDS}. */
export type GarminBodyField = (typeof GARMIN_BODY_FIELDS)[number];

/** Options of `sync.garmin.dedupe`. */
export interface GarminDedupeOptions {
  /** The Withings user whose Garmin account is cleaned (optional when exactly one account is linked). */
  userId?: string;
  /** First instant looked at (default: {@link GARMIN_DEDUPE_DEFAULT_DAYS} days before `to`). */
  from?: Date;
  /** Last instant looked at (default: now). */
  to?: Date;
  /** Delete the planned duplicates (default false: a dry run that only reads). */
  apply?: boolean;
  /**
   * Called with the plan before anything is deleted (only with `apply`, and only when there is
   * something to delete); return false to delete nothing. The CLI asks the person here, so what they
   * confirm is exactly what is deleted, from one listing.
   */
  confirm?: (plan: GarminDedupeReport) => boolean | Promise<boolean>;
}

/** A weigh-in stored in Garmin, as the plan shows it. */
export interface GarminDedupeSample {
  /** Garmin's record id (the delete "version"). */
  samplePk: number;
  /** ISO instant of the weigh-in. */
  takenAt: string;
  /** The local date Garmin files it under (`YYYY-MM-DD`). */
  calendarDate: string;
  weightKg: number;
  /** Where Garmin says it came from (`INDEX_SCALE`, `MANUAL`, …), `null` when not given. */
  sourceType: string | null;
  /** The body-composition fields it carries. */
  fields: GarminBodyField[];
}

/**
 * Weigh-ins that are one weigh-in stored several times: each of `remove` is within the dedup
 * tolerance of `keep` (time and weight).
 */
export interface GarminDedupeGroup {
  /**
   * The one kept: the most body-composition fields, and among equals the oldest. Garmin gives no
   * creation time, so "oldest" is the smallest `samplePk` (the ids grow with creation time).
   */
  keep: GarminDedupeSample;
  /** The duplicates, oldest first. */
  remove: GarminDedupeSample[];
}

/** A duplicate deleted from Garmin. */
export interface GarminDedupeDeleted extends GarminDedupeSample {
  /** The record of its group that was kept. */
  keptSamplePk: number;
}

/** A planned deletion that did not happen; every planned one is either deleted or listed here. */
export interface GarminDedupeFailure extends GarminDedupeSample {
  keptSamplePk: number;
  /** A stable code (`NOT_FOUND`, `UPSTREAM`, `RATE_LIMITED`, `REAUTH_REQUIRED`, `STORE_CONFLICT`, …). */
  code: SyncErrorCode;
  /** One line, secrets redacted. */
  message: string;
  /**
   * False when it was not tried because an earlier deletion failed in a way every later one would
   * too (the session refused, rate limited, blocked, the store failing): `code` is that failure's.
   */
  attempted: boolean;
  /** The error's own code when it is not one of `SYNC_ERROR_CODES`. */
  originalCode?: string;
}

/** A ledger entry that named a duplicate and now names the kept record. */
export interface GarminDedupeLedgerRewrite {
  /** The Withings group id of the ledger entry (`ledger/<user>/<groupId>`). */
  groupId: string;
  fromSamplePk: number;
  toSamplePk: number;
}

/** What `sync.garmin.dedupe` found and did. */
export interface GarminDedupeReport {
  userId: string;
  /** ISO instants of the range looked at. */
  from: string;
  to: string;
  /** True when nothing was deleted on purpose: a dry run, or a plan `confirm` declined. */
  dryRun: boolean;
  /** `confirm` said no. */
  declined?: true;
  /** The tolerance that makes two weigh-ins the same (`config.dedup`). */
  tolerance: { timeToleranceSec: number; weightToleranceKg: number };
  /** Weigh-ins Garmin listed in the range. */
  listed: number;
  /** Range reads sent to Garmin. */
  reads: number;
  /** Duplicate groups, oldest first. */
  groups: GarminDedupeGroup[];
  /** Deleted (empty in a dry run). */
  deleted: GarminDedupeDeleted[];
  /** Planned deletions that failed or were not tried (empty in a dry run). */
  failed: GarminDedupeFailure[];
  /**
   * Ledger entries pointed from a duplicate to its kept record. In a dry run: those that would be.
   * A rewrite is made before its record is deleted, so a deletion that then fails leaves the entry
   * naming the kept record, which is the same weigh-in.
   */
  ledger: GarminDedupeLedgerRewrite[];
}

/** The account has no Garmin session to read with. */
class GarminSessionMissingError extends SyncError {
  readonly code = 'REAUTH_REQUIRED' as const;
  readonly side = 'garmin' as const;
}

/** Failures after which every further deletion would fail the same way: stop, list the rest. */
const STOPS: ReadonlySet<SyncErrorCode> = new Set<SyncErrorCode>([
  'REAUTH_REQUIRED',
  'INVALID_CREDENTIALS',
  'AUTH_EXPIRED',
  'RATE_LIMITED',
  'BLOCKED',
  'FORBIDDEN',
  'STORE_UNAVAILABLE',
  'STORE_CORRUPT',
  'STORE_INSECURE',
]);

const sample = (w: GarminWeighIn): GarminDedupeSample => ({
  samplePk: w.samplePk,
  takenAt: w.takenAt.toISOString(),
  calendarDate: w.calendarDate,
  weightKg: w.weightKg,
  sourceType: w.sourceType,
  fields: GARMIN_BODY_FIELDS.filter((f) => w[f] !== undefined),
});

/** Same weigh-in: within the time and the weight tolerance (both inclusive, as the sync's dedup). */
function same(a: GarminWeighIn, b: GarminWeighIn, tolerance: Tolerance): boolean {
  return (
    Math.abs(a.takenAt.getTime() - b.takenAt.getTime()) <= tolerance.timeToleranceSec * 1000 &&
    Math.abs(a.weightKg - b.weightKg) <= tolerance.weightToleranceKg + 1e-9
  );
}

/** Better keeper first: more body-composition fields, then older (smaller samplePk). */
const byKeeper = (a: GarminWeighIn, b: GarminWeighIn) =>
  sample(b).fields.length - sample(a).fields.length || a.samplePk - b.samplePk;

/**
 * Duplicate groups of `weighIns`. Weigh-ins chained by the tolerance are looked at together; the
 * best of them is kept and those within tolerance of IT are removed, then the rest of the chain is
 * grouped again. So nothing is removed that is not itself a duplicate of what is kept (a chain
 * 0 s, 100 s, 200 s with 120 s tolerance is two groups' worth of checks, not one deletion of 200 s
 * for a keeper at 0 s).
 */
export function planDedupe(weighIns: readonly GarminWeighIn[], tolerance: Tolerance): GarminDedupeGroup[] {
  const sorted = [...weighIns].sort(
    (a, b) => a.takenAt.getTime() - b.takenAt.getTime() || a.samplePk - b.samplePk,
  );
  const groups: GarminDedupeGroup[] = [];
  // Chains: consecutive weigh-ins (by time) within the time tolerance of the previous one.
  let chain: GarminWeighIn[] = [];
  const flush = () => {
    let rest = chain;
    while (rest.length > 1) {
      const keep = [...rest].sort(byKeeper)[0] as GarminWeighIn;
      const remove = rest.filter((w) => w !== keep && same(w, keep, tolerance));
      if (remove.length === 0) {
        rest = rest.filter((w) => w !== keep);
        continue;
      }
      groups.push({ keep: sample(keep), remove: remove.sort((a, b) => a.samplePk - b.samplePk).map(sample) });
      rest = rest.filter((w) => w !== keep && !remove.includes(w));
    }
    chain = [];
  };
  for (const w of sorted) {
    const last = chain.at(-1);
    if (last && w.takenAt.getTime() - last.takenAt.getTime() > tolerance.timeToleranceSec * 1000) flush();
    chain.push(w);
  }
  flush();
  return groups.sort((a, b) => a.keep.takenAt.localeCompare(b.keep.takenAt));
}

/** Every weigh-in from `from` to `to`, read in {@link GARMIN_DEDUPE_CHUNK_DAYS}-day pieces. */
async function listAll(
  garmin: GarminClient,
  from: Date,
  to: Date,
): Promise<{ all: GarminWeighIn[]; reads: number }> {
  const byPk = new Map<number, GarminWeighIn>();
  let reads = 0;
  for (let start = from.getTime(); start <= to.getTime(); start += GARMIN_DEDUPE_CHUNK_DAYS * DAY_MS) {
    const end = Math.min(start + GARMIN_DEDUPE_CHUNK_DAYS * DAY_MS - 1, to.getTime());
    reads += 1;
    for (const w of await garmin.listWeighIns({ from: new Date(start), to: new Date(end) }))
      byPk.set(w.samplePk, w);
  }
  return { all: [...byPk.values()], reads };
}

interface LedgerHit {
  key: string;
  groupId: string;
  version: number;
  value: LedgerRecord;
}

/**
 * Points one ledger entry at `to` (compare-and-swap; after a conflict the entry is read again and
 * rewritten only if it still names the duplicate). @returns whether it was rewritten.
 */
async function repoint(engine: Engine, hit: LedgerHit, fromPk: number, toPk: number): Promise<boolean> {
  const { store } = engine.config;
  try {
    await store.put(hit.key, { ...hit.value, garminSamplePk: toPk }, { ifVersion: hit.version });
    return true;
  } catch (error) {
    if (!isSyncErrorWithCode(error, 'STORE_CONFLICT')) throw error;
    const latest = await store.get<LedgerRecord>(hit.key);
    if (!latest || latest.value.garminSamplePk !== fromPk) return false;
    await store.put(hit.key, { ...latest.value, garminSamplePk: toPk }, { ifVersion: latest.version });
    return true;
  }
}

/**
 * Finds weigh-ins stored more than once in the account's Garmin history and, with `apply`, deletes
 * all but one of each (see {@link GarminDedupeGroup.keep}). Deletions run one at a time; a failed one
 * is reported and the next is still tried, unless the failure means every next one would fail too
 * ({@link GarminDedupeFailure.attempted}). Ledger entries naming a deleted record are pointed at the
 * kept one first. Every deletion logs one `info` line (instant and weight), every failure a `warn`.
 *
 * It does not take the account's sync lease: a sync running meanwhile only adds new weigh-ins,
 * which a later dedupe sees.
 */
export async function garminDedupe(
  engine: Engine,
  userId: string,
  options: Omit<GarminDedupeOptions, 'userId'> = {},
): Promise<GarminDedupeReport> {
  const { config, log } = engine;
  const to = options.to ?? config.now();
  const from = options.from ?? new Date(to.getTime() - GARMIN_DEDUPE_DEFAULT_DAYS * DAY_MS);
  for (const [name, value] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (!(value instanceof Date) || Number.isNaN(value.getTime()))
      throw new RangeError(`garmin.dedupe: ${name} must be a valid Date`);
  }
  if (to < from) throw new RangeError('garmin.dedupe: to is before from');

  const account = await config.store.get<AccountRecord>(keys.account(userId));
  if (!account || account.value.unlinkedAt) throw new AccountNotFoundError(userId);
  const garmin = await garminClientFor(engine, userId, config.fetch ?? globalThis.fetch);
  if (!garmin) {
    throw new GarminSessionMissingError(
      `no garmin session for user ${userId}: sign in again (wg-sync garmin login)`,
    );
  }

  const { all, reads } = await listAll(garmin, from, to);
  const groups = planDedupe(all, config.dedup);
  const removals = groups.flatMap((g) => g.remove.map((r) => ({ remove: r, keep: g.keep })));

  // One listing of the ledger per run: which entries name a record about to go.
  const ledgerByPk = new Map<number, LedgerHit[]>();
  if (removals.length > 0) {
    const doomed = new Set(removals.map((r) => r.remove.samplePk));
    const prefix = keys.ledgerPrefix(userId);
    for (const entry of await config.store.list<LedgerRecord>(prefix)) {
      const pk = entry.value?.garminSamplePk;
      // Blood-pressure entries keep Garmin's BP `version` in the same field: never theirs to touch.
      if (typeof pk !== 'number' || !doomed.has(pk) || entry.value.kind === 'blood-pressure') continue;
      const hits = ledgerByPk.get(pk) ?? [];
      hits.push({
        key: entry.key,
        groupId: entry.key.slice(prefix.length),
        version: entry.version,
        value: entry.value,
      });
      ledgerByPk.set(pk, hits);
    }
  }

  const report: GarminDedupeReport = {
    userId,
    from: from.toISOString(),
    to: to.toISOString(),
    dryRun: true,
    tolerance: { ...config.dedup },
    listed: all.length,
    reads,
    groups,
    deleted: [],
    failed: [],
    ledger: removals.flatMap(({ remove, keep }) =>
      (ledgerByPk.get(remove.samplePk) ?? []).map((hit) => ({
        groupId: hit.groupId,
        fromSamplePk: remove.samplePk,
        toSamplePk: keep.samplePk,
      })),
    ),
  };
  if (!options.apply || removals.length === 0) return done(engine, report);
  if (options.confirm && !(await options.confirm(structuredClone(report)))) {
    return done(engine, { ...report, declined: true });
  }

  report.dryRun = false;
  report.ledger = [];
  let stop: { code: SyncErrorCode; message: string } | undefined;
  for (const { remove, keep } of removals) {
    const fields = { userId, samplePk: remove.samplePk, takenAt: remove.takenAt, weightKg: remove.weightKg };
    if (stop) {
      report.failed.push({ ...remove, keptSamplePk: keep.samplePk, ...stop, attempted: false });
      continue;
    }
    try {
      for (const hit of ledgerByPk.get(remove.samplePk) ?? []) {
        if (!(await repoint(engine, hit, remove.samplePk, keep.samplePk))) continue;
        report.ledger.push({
          groupId: hit.groupId,
          fromSamplePk: remove.samplePk,
          toSamplePk: keep.samplePk,
        });
        log.info('garmin.dedupe.ledger-repointed', {
          ...fields,
          groupId: hit.groupId,
          keptSamplePk: keep.samplePk,
        });
      }
      await garmin.deleteWeighIn(remove);
      report.deleted.push({ ...remove, keptSamplePk: keep.samplePk });
      log.info('garmin.dedupe.deleted', { ...fields, keptSamplePk: keep.samplePk });
    } catch (error) {
      const failure = describeFailure(engine, error);
      report.failed.push({ ...remove, keptSamplePk: keep.samplePk, ...failure, attempted: true });
      log.warn('garmin.dedupe.delete-failed', { ...fields, code: failure.code, message: failure.message });
      if (STOPS.has(failure.code)) {
        stop = { code: failure.code, message: `not attempted after ${failure.code}: ${failure.message}` };
      }
    }
  }
  return done(engine, report);
}

function done(engine: Engine, report: GarminDedupeReport): GarminDedupeReport {
  const fields = {
    userId: report.userId,
    dryRun: report.dryRun,
    listed: report.listed,
    groups: report.groups.length,
    duplicates: report.groups.reduce((n, g) => n + g.remove.length, 0),
    deleted: report.deleted.length,
    failed: report.failed.length,
    ledgerRepointed: report.ledger.length,
  };
  if (report.failed.length > 0) engine.log.warn('garmin.dedupe.failed', fields);
  else engine.log.info('garmin.dedupe.completed', fields);
  return report;
}
