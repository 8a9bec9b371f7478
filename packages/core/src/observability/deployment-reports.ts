import type { SyncErrorCode } from '../error-codes.js';
import type { SyncAlert, SyncReport } from './report.js';

// The reports of runs over the whole deployment: `reconcile()` and `doctor()` (report.ts has one
// sync's).

/** One thing that failed during {@link Sync.reconcile}. */
export interface ReconcileFailure {
  userId: string;
  /** `subscription`: checking or re-creating the Withings webhook; `sync`: the catch-up sync. */
  step: 'subscription' | 'sync';
  /** A stable code: `CALLBACK_UNREACHABLE`, `UPSTREAM`, `REAUTH_REQUIRED`, `NOT_STORED`, … (see `SYNC_ERROR_CODES`). */
  code: SyncErrorCode;
  /** One line, secrets redacted. */
  message: string;
}

/** What {@link Sync.reconcile} did for every account. */
export interface ReconcileReport {
  startedAt: string;
  durationMs: number;
  /**
   * False when anything failed for any account (a subscription that could not be checked or
   * re-created, a catch-up sync that threw or reported failed entries): a scheduler should treat the
   * run as failed (the Lambda adapter throws a `ReconcileFailedError`).
   */
  ok: boolean;
  /** Every failure, one per account, step and code (the first message of each). */
  failures: ReconcileFailure[];
  accounts: Array<{
    userId: string;
    subscription: 'ok' | 'restored' | 'skipped' | 'failed' | 'unlinked';
    report?: SyncReport;
    /** The first failure of the account: the subscription step's, else a sync that threw. */
    error?: { code: SyncErrorCode; message: string };
    /** Why the subscription step failed (with `subscription: 'failed'`). */
    subscriptionError?: { code: SyncErrorCode; message: string };
  }>;
  alerts: SyncAlert[];
}

/** One health check of {@link Sync.doctor}. */
export interface DoctorCheck {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  /** What was found, secrets redacted. */
  detail: string;
  /** One line that says how to fix it (absent when ok). */
  fix?: string;
}

/** The doctor's findings, shareable as they are (everything is redacted). */
export interface DoctorReport {
  ok: boolean;
  checkedAt: string;
  checks: DoctorCheck[];
  accounts: Array<{ userId: string; checks: DoctorCheck[] }>;
}
