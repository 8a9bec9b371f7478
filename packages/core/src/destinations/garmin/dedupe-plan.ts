import type { GarminWeighIn } from '@wg-sync/garmin';
import type { SyncErrorCode } from '../../error-codes.js';
import type { Tolerance } from '../match.js';

// What `sync.garmin.dedupe` finds and answers, and the plan itself (pure: which weigh-ins are one,
// which of them is kept). Reading Garmin, deleting and repointing the ledger are in dedupe.ts.

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
