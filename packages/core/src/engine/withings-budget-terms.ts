import { SyncError } from '../errors.js';
import type { SyncTrigger } from '../observability/report.js';

// The Withings budget's terms (withings-budget.ts): who may spend how much of it, and the error of a
// call it holds back.

/** The share of the budget reconcile passes and backfills may use (webhook and manual syncs: all of it). */
export const BACKGROUND_SHARE = 0.8;

/**
 * Who a Withings call is for: `interactive` (webhook, manual and assign syncs, the CLI's tools, the
 * doctor) may use the whole budget; `background` (reconcile passes, backfills) only
 * 80% of it, so a person waiting for a weigh-in comes first when it is tight.
 */
export type WithingsBudgetPriority = 'interactive' | 'background';

/** The priority of a sync's Withings calls. */
export function budgetPriorityOf(trigger: SyncTrigger): WithingsBudgetPriority {
  return trigger === 'reconcile' || trigger === 'backfill' ? 'background' : 'interactive';
}

/**
 * A Withings call wg-sync did not send: the deployment is backing off after a 601 (`reason:
 * 'backoff'`), or the application budget has no call left for this priority (`'exhausted'`). Nothing
 * reached Withings; the sync fails with `RATE_LIMITED` and its data is read next time.
 */
export class WithingsBudgetError extends SyncError {
  readonly code = 'RATE_LIMITED' as const;
  /** Why: a stored 601 backoff, or no call left in the budget for this priority. */
  readonly reason: 'backoff' | 'exhausted';
  /** When a call may be tried again, in ms from now. */
  readonly retryAfterMs: number;

  constructor(reason: 'backoff' | 'exhausted', retryAfterMs: number, message: string) {
    super(message);
    this.reason = reason;
    this.retryAfterMs = retryAfterMs;
  }
}
