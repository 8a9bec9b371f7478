import type { Logger, ReconcileFailure, ReconcileReport, Redactor, Sync } from '@wg-sync/core';
import { LambdaAdapterError } from './errors.js';
import type { ReconcileResult, ScheduledEvent } from './lambda-events.js';

/** An EventBridge rule's `rate(…)`/`cron(…)` event (what SAM's `Type: Schedule` sends). */
export function isScheduledEvent(event: unknown): event is ScheduledEvent {
  const e = event as Partial<ScheduledEvent> | null;
  return e?.source === 'aws.events' && e['detail-type'] === 'Scheduled Event';
}

/** What a failed scheduled reconcile carries: enough to act on, secrets redacted. */
export interface ReconcileFailureSummary {
  /** Accounts the pass looked at. */
  accounts: number;
  /** Every failure (account, step, code, one-line message). */
  failures: ReconcileFailure[];
  /** Alerts the pass raised (`SUBSCRIPTION_LOST`, `REAUTH_REQUIRED`, …). */
  alerts: string[];
}

/**
 * A scheduled reconcile had a failure (a subscription it could not check or re-create, a catch-up
 * sync that failed): the invocation fails, so Lambda's `Errors` metric (and the template's
 * `FunctionErrorsAlarm`) sees it. The report was logged (`lambda.reconcile.failed`) before this was thrown.
 */
export class ReconcileFailedError extends LambdaAdapterError {
  /** The failures, redacted. */
  readonly summary: ReconcileFailureSummary;
  /** The whole report, redacted. */
  readonly report: ReconcileReport;

  constructor(summary: ReconcileFailureSummary, report: ReconcileReport) {
    const shown = summary.failures
      .slice(0, 5)
      .map((f) => `user ${f.userId} ${f.step} ${f.code}`)
      .join('; ');
    const more = summary.failures.length > 5 ? ` and ${summary.failures.length - 5} more` : '';
    super(
      'RECONCILE_FAILED',
      `reconcile failed (${summary.failures.length} failure${summary.failures.length === 1 ? '' : 's'} over ${summary.accounts} account${summary.accounts === 1 ? '' : 's'}: ${shown}${more}); alerts: ${summary.alerts.join(', ') || 'none new'}. See the lambda.reconcile.failed log line, or run wg-sync doctor`,
    );
    this.summary = summary;
    this.report = report;
  }
}

/**
 * Runs `sync.reconcile()` for a scheduled event. The report is always logged; a pass with any failure
 * then rejects with {@link ReconcileFailedError} (Lambda counts an error and retries the event as the
 * function's async settings say), and a clean pass resolves with the report.
 */
export async function runScheduledReconcile(
  sync: Sync,
  log: Logger,
  redactor: Redactor,
): Promise<ReconcileResult> {
  const report = redactor.value(await sync.reconcile()) as ReconcileReport;
  if (report.ok) {
    log.info('lambda.reconcile', {
      accounts: report.accounts.length,
      alerts: report.alerts.map((a) => a.type),
    });
    return { kind: 'reconcile', report };
  }
  const summary: ReconcileFailureSummary = {
    accounts: report.accounts.length,
    failures: report.failures,
    alerts: report.alerts.map((a) => a.type),
  };
  // warn, not error: the thrown error is what Lambda counts; an error line would count the same failure twice.
  log.warn('lambda.reconcile.failed', { ...summary, report });
  throw new ReconcileFailedError(summary, report);
}
