import type { ResolvedConfig } from './config/config.js';
import type { Destination } from './destinations/destination.js';
import type { SyncCoordinator } from './engine/coordinator.js';
import type { LinkedAccounts } from './engine/linked-accounts.js';
import type { WithingsBudget } from './engine/withings-budget.js';
import type { AckGate } from './http/ack-gate.js';
import type { AuthThrottle } from './http/auth-throttle.js';
import type { PendingWriter } from './http/pending-writer.js';
import type { WebhookDebounce } from './http/webhook-debounce.js';
import type { Logger } from './observability/logger.js';
import type { Redactor } from './observability/redact.js';
import type { SyncAlert } from './observability/report.js';
import type { VersionedValue } from './store/state-store.js';

/** What every part of the engine shares. */
export interface Engine {
  config: ResolvedConfig;
  /** The configured logger behind the redaction layer. */
  log: Logger;
  redactor: Redactor;
  coordinator: SyncCoordinator;
  /** The application-wide Withings budget (shared through the store with every other process). */
  budget: WithingsBudget;
  /** Reads a key, sharing reads already in flight (for the webhook's hot path). */
  read: <T>(key: string) => Promise<VersionedValue<T> | undefined>;
  /** Where weigh-ins go: Garmin, then the configured destinations. */
  destinations: Destination[];
  /** Which users are linked, remembered briefly for the webhook's hot path. */
  linked: LinkedAccounts;
  /** Records webhook notifications in `pending/<user>`, batching bursts per user. */
  pending: PendingWriter;
  /** Per-user debounce of webhook-triggered syncs. */
  debounce: WebhookDebounce;
  /** Holds webhook syncs back while webhooks are being answered. */
  acks: AckGate;
  /** Failed bearer attempts per source, for the admin routes. */
  authThrottle: AuthThrottle;
  /** Called with every alert raised (reconcile collects them for its report). */
  alertListeners: Set<(alert: SyncAlert) => void>;
  /** Raises an alert (deduplicated per account, type and day), logs it and calls `hooks.onAlert`. */
  alert(alert: Omit<SyncAlert, 'at' | 'message'> & { message: string }): Promise<SyncAlert | undefined>;
  /** Calls a hook; a hook that throws is logged, never propagated. */
  hook<K extends keyof NonNullable<ResolvedConfig['hooks']>>(
    name: K,
    ...args: Parameters<NonNullable<NonNullable<ResolvedConfig['hooks']>[K]>>
  ): Promise<void>;
}
