import { SyncError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
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

/** What keeps a call from being spent now, and for how long. */
export type BudgetLack = { reason: 'backoff' | 'exhausted'; waitMs: number };

/**
 * The error of a call the budget held back past its wait, saying why in words a person can act on;
 * logged at `warn`.
 */
export function budgetRefusal(
  lack: BudgetLack,
  priority: WithingsBudgetPriority,
  { perMinute, log }: { perMinute: number; log: Logger },
): WithingsBudgetError {
  log.warn('withings.budget.refused', { reason: lack.reason, priority, retryAfterMs: lack.waitMs });
  const seconds = Math.ceil(lack.waitMs / 1000);
  if (lack.reason === 'backoff')
    return new WithingsBudgetError(
      'backoff',
      lack.waitMs,
      `wg-sync held this Withings call back: the deployment is backing off after a 601 for ${seconds} s more`,
    );
  const share =
    priority === 'background'
      ? ` (${Math.round(BACKGROUND_SHARE * 100)}% of it for reconcile passes and backfills)`
      : '';
  return new WithingsBudgetError(
    'exhausted',
    lack.waitMs,
    `wg-sync held this Withings call back: the application budget of ${perMinute} calls per minute${share} is spent; a call is free in ${seconds} s`,
  );
}
