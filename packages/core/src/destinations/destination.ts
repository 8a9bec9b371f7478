import type { WeighIn } from '@wg-sync/withings';
import type { Logger } from '../observability/logger.js';

/**
 * A weigh-in as Withings measured it (every group merged into it, body composition included), with
 * the person's height when Withings knows it (for destinations that store a BMI).
 */
export type DestinationWeighIn = WeighIn & { heightM?: number };

/** A time range, both ends included. */
export interface TimeRange {
  from: Date;
  to: Date;
}

/** A weigh-in a destination holds, under its own id (Garmin's `samplePk`, a CSV line number, …). */
export interface StoredWeighIn {
  /** The destination's id of the record: stored in the ledger, used to delete it. */
  id: string;
  takenAt: Date;
  weightKg: number;
  /**
   * For a record that holds one value for a period rather than an instant (intervals.icu keeps one
   * per day): it matches a weigh-in taken in `[from, to)` with the same weight, whatever `takenAt`.
   */
  period?: TimeRange;
  /**
   * What the destination needs beside {@link StoredWeighIn.id} to delete the record later (Garmin:
   * the `calendarDate` it files it under). Kept with `syncDeletions`, handed back to
   * {@link DestinationSession.delete}.
   */
  deleteHint?: string;
}

/** The record {@link DestinationSession.delete} removes: what wg-sync wrote, as its ledger says. */
export interface DeletionTarget {
  /** The destination's id of the record (from the ledger). */
  id: string;
  /** The instant of the weigh-in wg-sync wrote there. */
  takenAt: Date;
  /** The weight written, when the ledger knows it. */
  weightKg?: number;
  /** The fat ratio written, when the ledger knows it. */
  fatPercent?: number;
  /** {@link StoredWeighIn.deleteHint}, when it was known at writing (absent for older entries). */
  deleteHint?: string;
}

/**
 * What {@link DestinationSession.delete} did: `deleted`; `gone` when nothing of it was left (deleted
 * before, by a person or an earlier try that crashed before its tombstone); `kept` when the record
 * is no longer what wg-sync wrote (a person changed it), with the reason, and it was left alone.
 */
export type DeleteOutcome =
  | { outcome: 'deleted' }
  | { outcome: 'gone' }
  | { outcome: 'kept'; reason: string };

/** A blood-pressure reading as the engine hands it to a destination (mmHg, whole numbers). */
export interface BloodPressureReading {
  takenAt: Date;
  systolic: number;
  diastolic: number;
  /** Absent when the monitor measured none. */
  pulse?: number;
  /** IANA zone of the account, for destinations that store local times. */
  timeZone: string;
}

/** A blood-pressure reading a destination holds. */
export interface StoredBloodPressure {
  id: string;
  takenAt: Date;
  systolic: number;
  diastolic: number;
}

/** What {@link DestinationSession.write} could not write; everything else goes on to be confirmed. */
export interface WriteOutcome {
  /** Weigh-ins not written, each group with the error why. They are retried on the next sync. */
  failed?: Array<{ weighIns: readonly DestinationWeighIn[]; error: unknown }>;
  /** Weigh-ins it already saw stored while writing (Garmin's read after a 504): not read back again. */
  confirmed?: Array<{ weighIn: DestinationWeighIn; record: StoredWeighIn }>;
}

/** One account's view of a destination, for one sync. */
export interface DestinationSession {
  /** Weigh-ins it holds measured in `range`: what the engine deduplicates against before writing. */
  list(range: TimeRange): Promise<StoredWeighIn[]>;
  /**
   * Writes a batch. Throw when nothing was written (the whole batch fails and is retried next sync);
   * report weigh-ins that failed on their own in {@link WriteOutcome.failed}.
   */
  write(batch: readonly DestinationWeighIn[]): Promise<WriteOutcome>;
  /**
   * Which written weigh-ins it holds now, in `written`'s order (`undefined`: not stored), ignoring
   * the records in `existing` (ids it held before the write). Without it the engine lists the
   * written range once and matches within the dedup tolerance.
   */
  confirm?(
    written: readonly DestinationWeighIn[],
    existing: ReadonlySet<string>,
  ): Promise<Array<StoredWeighIn | undefined>>;
  /**
   * For destinations that keep one record per period (intervals.icu: one per day): the weigh-ins of
   * `candidates` that a later weigh-in of the same period replaces, each with the instant of the one
   * that wins. They are not written; they are skipped as `superseded` and enter the ledger, so an
   * earlier weigh-in never overwrites a later one, now or in a later sync.
   */
  superseded?(candidates: readonly DestinationWeighIn[]): Promise<Map<DestinationWeighIn, Date>>;
  /**
   * Deletes a record wg-sync wrote, by the id the ledger holds (with `syncDeletions`: the weigh-in
   * was deleted in Withings, or edited and is written again). Resolve with `gone` (or nothing) when
   * the record does not exist (never throw for "not found": a rerun after a crash finds it gone), and
   * with `kept` when it is no longer what wg-sync wrote. Throw when it could not be deleted: the
   * deletion fails in the report and is tried again next sync. Without it the destination's records
   * are never deleted (deletions are then only tombstoned in its ledger).
   */
  delete?(target: DeletionTarget): Promise<DeleteOutcome | undefined>;
  /** The body-composition fields a weigh-in is written with (for reports; default: those present). */
  fields?(weighIn: DestinationWeighIn): string[];
  /** Blood pressure, for destinations that store it (with `bloodPressure: true` in the config). */
  bloodPressure?: {
    list(range: TimeRange): Promise<StoredBloodPressure[]>;
    write(reading: BloodPressureReading): Promise<void>;
  };
}

/** What the engine gives a destination to open a session for one account. */
export interface DestinationAccount {
  /** The Withings user id (the account's key). */
  userId: string;
  /** The `fetch` to use: the engine's, counting round trips for the report. */
  fetch: typeof fetch;
  /** The engine's clock. */
  now: () => Date;
  /** The engine's logger (redacting). */
  log: Logger;
}

/**
 * Where weigh-ins go. Garmin Connect is the built-in one; add your own with
 * `createSync({ destinations: [...] })`. Each destination has its own ledger and cursor in the store
 * (keyed by {@link Destination.id}), so one that fails never holds another back, and all of them are
 * written concurrently.
 *
 * @example A destination that appends each weigh-in to a CSV file
 * ```ts
 * import { appendFile, readFile } from 'node:fs/promises';
 * import type { Destination } from '@wg-sync/core';
 *
 * const csv = (path: string): Destination => ({
 *   id: 'csv',
 *   name: 'CSV file',
 *   accepts: { bodyComposition: ['fatPercent'], bloodPressure: false },
 *   async open() {
 *     const rows = async () =>
 *       (await readFile(path, 'utf8').catch(() => '')).split('\n').filter(Boolean).map((line, i) => {
 *         const [at, kg] = line.split(',');
 *         return { id: String(i + 1), takenAt: new Date(at as string), weightKg: Number(kg) };
 *       });
 *     return {
 *       list: async ({ from, to }) => (await rows()).filter((r) => r.takenAt >= from && r.takenAt <= to),
 *       async write(batch) {
 *         await appendFile(path, batch.map((w) => `${w.takenAt.toISOString()},${w.weightKg},${w.fatPercent ?? ''}\n`).join(''));
 *         return {};
 *       },
 *     };
 *   },
 * });
 * ```
 */
export interface Destination {
  /**
   * Stable id, 1–32 characters of `a-z 0-9 -` starting with a letter: it keys the destination's
   * ledger and cursor in the store, so changing it starts the destination afresh. `garmin` is taken.
   */
  readonly id: string;
  /** Name for messages and alerts (default: the id). */
  readonly name?: string;
  /** What it stores. */
  readonly accepts: DestinationAccepts;
  /**
   * What a person does when it refuses the account's credentials (a `REAUTH_REQUIRED` error), for
   * the alert: `link again: wg-sync intervals link`. Default: "set its credentials again".
   */
  readonly reauthHint?: string;
  /**
   * A session for one account; `undefined` when the account should have credentials for it and has
   * none (that destination then fails with `REAUTH_REQUIRED`, the others go on); `null` when the
   * account does not use this destination at all (it is left out of the sync and of the report:
   * intervals.icu for an account that never linked it).
   */
  open(account: DestinationAccount): Promise<DestinationSession | undefined | null>;
}

/** What a destination stores. */
export interface DestinationAccepts {
  /** Body-composition fields it keeps beside the weight (field names of the weigh-in), for docs. */
  bodyComposition: readonly string[];
  /** Whether it stores blood pressure (through {@link DestinationSession.bloodPressure}). */
  bloodPressure: boolean;
  /** The heaviest weight it can store, in kg; heavier weigh-ins fail with `INVALID_VALUE`. */
  maxWeightKg?: number;
}
