import type { SyncErrorCode } from '../error-codes.js';

/** What started a sync. */
export type SyncTrigger =
  | 'webhook'
  | 'manual'
  | 'recent'
  | 'backfill'
  | 'reconcile'
  | 'pending'
  /** A person assigned a held weigh-in (`sync.held.assign`): only that weigh-in is written. */
  | 'assign';

/** Why a weigh-in was not uploaded. */
export type SkipReason =
  | 'duplicate-ledger'
  | 'duplicate-garmin'
  | 'ambiguous'
  | 'manual'
  | 'no-weight'
  | 'cap'
  | 'attribution'
  | 'objective'
  /**
   * A destination that keeps one record per day (intervals.icu) holds a later weigh-in of the same
   * day: an earlier one never overwrites it.
   */
  | 'superseded'
  /**
   * With `syncDeletions`: a weigh-in deleted or edited in Withings whose record in the destination
   * wg-sync did not create (its ledger entry says `found`): it is never touched.
   */
  | 'not-created'
  /**
   * With `syncDeletions`: the record no longer holds what wg-sync wrote (a person changed the
   * intervals.icu day since), so it is left as it is.
   */
  | 'changed-in-destination'
  /** With `syncDeletions`: more deletions than `maxDeletionsPerSync`; the rest waits for the next sync. */
  | 'deletion-cap'
  /** With `syncDeletions`: the destination cannot delete records (its session has no `delete`). */
  | 'not-deletable'
  /**
   * Outside the person's usual weight (`weightBand`): held for a person to assign or dismiss, like an
   * ambiguous one (see {@link SkippedEntry.heldId}).
   */
  | 'out-of-band';

/** A weigh-in that reached Garmin (or would have, in a dry run) and was read back. */
export interface SyncedEntry {
  groupIds: string[];
  /** ISO instant of the weigh-in. */
  takenAt: string;
  /** Weight of a weigh-in (absent for a blood-pressure reading). */
  weightKg?: number;
  /** A blood-pressure reading (with `bloodPressure: true`). */
  bloodPressure?: { systolic: number; diastolic: number; pulse?: number };
  /** The body-composition fields sent with it (FIT field names of `WeightEntry`). */
  fields: string[];
  /** Garmin's id of the stored weigh-in, once read back. */
  garminSamplePk?: number;
  /** Another destination's id of the stored record, once read back. */
  storedId?: string;
  /** The destination, when the sync writes to more than one. */
  destination?: string;
}

/** A weigh-in or group left out, and why. */
export interface SkippedEntry {
  groupIds: string[];
  takenAt?: string;
  reason: SkipReason;
  /** The destination that skipped it (when the sync writes to more than one); absent when all did. */
  destination?: string;
  /**
   * Set when the weigh-in is held (`ambiguous`, `out-of-band`): the id a person answers with,
   * `sync.held.assign(id)` or `sync.held.dismiss(id)` (`wg-sync held list`). Absent when it was
   * answered before (dismissed, expired): it is not held again.
   */
  heldId?: string;
}

/**
 * What a sync (or an answer) did with held weigh-ins: ids of `HeldWeighIn`s (`sync.held.list()`). Present in a
 * report only when something changed.
 */
export interface HeldChanges {
  /** Newly held (a `HELD` alert is raised the first time). */
  held: string[];
  /** Unanswered for `heldForDays`: dismissed (they are not held again). */
  expired: string[];
  /** Withings re-attributed them to the account (attrib 0): synced as usual, no longer held. */
  reattributed: string[];
  /** Assigned by a person (`sync.held.assign`) and written to every destination. */
  assigned: string[];
  /** Dismissed because the same weigh-in (instant and weight within `dedup`) went to another account. */
  dismissed: string[];
}

/** A weigh-in (or a whole step) that failed; it is retried on the next sync. */
export interface FailedEntry {
  groupIds: string[];
  takenAt?: string;
  /** A stable code: `NOT_STORED`, `REAUTH_REQUIRED`, `RATE_LIMITED`, `UPSTREAM`, … (see `SYNC_ERROR_CODES`). */
  code: SyncErrorCode;
  /** One line, secrets redacted. */
  message: string;
  /** Which upstream failed, when it was one of them (a refused Garmin token is not a Withings one). */
  side?: 'withings' | 'garmin';
  /**
   * The failing error's own code when it is not one of `SYNC_ERROR_CODES` (an upstream's newer code,
   * a platform error's `ENOENT`); `code` is then `UPSTREAM` or `INTERNAL`.
   */
  originalCode?: string;
  /** The destination that failed (when the sync writes to more than one); absent for the Withings side. */
  destination?: string;
}

/**
 * A weigh-in deleted in Withings whose record wg-sync removed from a destination (with
 * `syncDeletions`; in a dry run: would remove). Its ledger entries then hold a tombstone.
 */
export interface DeletedEntry {
  groupIds: string[];
  /** ISO instant of the weigh-in. */
  takenAt: string;
  /** The weight wg-sync had written, when its ledger knows it. */
  weightKg?: number;
  /** The destination's id (`garmin`, `intervals`, yours): always named. */
  destination: string;
  /** Garmin's id of the removed record. */
  garminSamplePk?: number;
  /** Another destination's id of the removed record (an intervals.icu day). */
  storedId?: string;
  /** True when the record was already gone (deleted by hand, or by a try that crashed before its tombstone). */
  alreadyGone?: true;
}

/**
 * A weigh-in edited in Withings (a later `modified`, other values) whose record wg-sync replaced:
 * the old record deleted, the new values written (they also appear in `synced`). In a dry run: would
 * replace.
 */
export interface EditedEntry extends DeletedEntry {
  /** The new weight. */
  weightKg: number;
  /** The weight wg-sync had written before. */
  previousWeightKg?: number;
}

/** Whether a sync with `syncDeletions` could look for deletions, and why not. */
export interface DeletionCheck {
  /** True when the window was read in one page and compared. */
  checked: boolean;
  /** ISO instants of the window read. */
  from?: string;
  to?: string;
  /**
   * Why it was not: `read-failed` (the window read failed: a failed entry says why), `paged` (the
   * answer took several pages: absence in it is not trusted), `first-run` (the index of synced
   * weigh-ins was made from this read: the next sync compares), `all-missing` (not one weigh-in of
   * the window came back: taken for a bad answer, not deletions).
   */
  reason?: 'read-failed' | 'paged' | 'first-run' | 'all-missing';
}

/** One destination's part of a sync. */
export interface DestinationResult {
  /** The destination's id (`garmin`, or yours). */
  id: string;
  synced: number;
  skipped: number;
  failed: number;
  /** HTTP round trips it made. */
  upstreamCalls: number;
  /** Its Withings cursor after the sync (ISO), when it moved. */
  cursor?: string;
  /** With `syncDeletions`: whether deletions were looked for in it. */
  deletionCheck?: DeletionCheck;
}

/** The outcome of one sync for one account. JSON-serialisable. */
export interface SyncReport {
  userId: string;
  trigger: SyncTrigger;
  dryRun: boolean;
  /** ISO instant. */
  startedAt: string;
  durationMs: number;
  synced: SyncedEntry[];
  skipped: SkippedEntry[];
  failed: FailedEntry[];
  /** With `syncDeletions`: records removed because their weigh-in was deleted in Withings (empty otherwise). */
  deleted: DeletedEntry[];
  /** With `syncDeletions`: records replaced because their weigh-in was edited in Withings (empty otherwise). */
  edited: EditedEntry[];
  /** HTTP round trips made by this sync (`garmin`: the Garmin destination's). */
  upstreamCalls: { withings: number; garmin: number };
  /**
   * Every destination's outcome, keyed by its id (`report.destinations.garmin`,
   * `report.destinations.intervals`), in the configured order (Garmin first). A destination the
   * account does not use (no intervals.icu key stored, say) has no entry.
   */
  destinations: Record<string, DestinationResult>;
  /** True when this trigger joined a sync already running for the user instead of starting its own. */
  coalesced: boolean;
  /** The Withings cursor after the sync (ISO), when every destination's moved (the earliest of them). */
  cursor?: string;
  /** Held weigh-ins this sync held, expired or resolved (absent when none). */
  held?: HeldChanges;
}

/**
 * Kinds of alerts, each raised at most once a day per account and kind:
 *
 * | type | means | what to do |
 * |---|---|---|
 * | `REAUTH_REQUIRED` | a side (`side`) refused its tokens; syncing stops until a person signs in | `wg-sync withings auth` / `wg-sync garmin login` |
 * | `TOKEN_EXPIRING` | a refresh token has not been renewed for nearly its lifetime | check why syncs stop refreshing it |
 * | `SUBSCRIPTION_RESTORED` | Withings had dropped the webhook; reconcile re-created it and synced what was missed | nothing (check why deliveries failed) |
 * | `SUBSCRIPTION_LOST` | reconcile could not check or re-create the webhook subscription, so Withings may not notify wg-sync of new weigh-ins (only scheduled reconciles sync them) | make the callback reachable, then `wg-sync webhook subscribe <url>` |
 * | `NOT_STORED` | Garmin accepted an upload but does not hold the weigh-in | see the message |
 * | `STALE` | no successful sync for `staleAfterDays` | `wg-sync doctor` |
 * | `UNLINKED` | the user unlinked wg-sync in Withings | link again: `wg-sync withings auth` |
 * | `HELD` | a weigh-in was held: Withings could not tell whose it is (attrib 1), or it is outside the person's `weightBand` | `wg-sync held list`, then `wg-sync held assign <id>` ("this was me") or `wg-sync held dismiss <id>` |
 */
export type AlertType =
  | 'REAUTH_REQUIRED'
  | 'TOKEN_EXPIRING'
  | 'SUBSCRIPTION_RESTORED'
  /**
   * Reconcile's subscription step failed: Withings could not reach the callback
   * (`CALLBACK_UNREACHABLE`), answered 5xx, or refused the token (then `REAUTH_REQUIRED` is raised
   * too). Until it is fixed Withings may send no notifications, so weigh-ins arrive only with the next
   * scheduled reconcile. Fix: make `<publicUrl>/webhook/withings[/<secret>]` answer HEAD with 2xx from
   * the internet, then run `wg-sync webhook subscribe <url>` (the next reconcile also retries).
   */
  | 'SUBSCRIPTION_LOST'
  | 'NOT_STORED'
  | 'STALE'
  | 'UNLINKED'
  /**
   * One or more weigh-ins are held for a person to answer (raised when they are first held; it
   * expires after `heldForDays`). Fix: `wg-sync held list`, then `wg-sync held assign <id>` or
   * `wg-sync held dismiss <id>` (or `sync.held` in code, or the status page).
   */
  | 'HELD';

/** Something a person should know about, before data is missed. */
export interface SyncAlert {
  type: AlertType;
  userId: string;
  /** One line with the fix, secrets redacted. */
  message: string;
  /** ISO instant. */
  at: string;
  /** For `REAUTH_REQUIRED`: which side must be authorized again. */
  side?: 'withings' | 'garmin';
  /** The destination it is about, when the engine writes to more than one. */
  destination?: string;
}

export type { DoctorCheck, DoctorReport, ReconcileFailure, ReconcileReport } from './deployment-reports.js';
