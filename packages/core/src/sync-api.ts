import type { GarminClient } from '@wg-sync/garmin';
import type { WithingsClient } from '@wg-sync/withings';
import type { WithingsNotification } from '@wg-sync/withings/notification';
import type { GarminDedupeOptions, GarminDedupeReport } from './destinations/garmin/dedupe-plan.js';
import type { Accounts } from './engine/accounts.js';
import type { HeldWeighIns } from './engine/held.js';
import type { BackfillProgress } from './engine/run.js';
import type { SyncWork } from './engine/work-api.js';
import type { HandlerContext, ManualSyncRequest } from './http/handler.js';
import type { DoctorReport, ReconcileReport, SyncReport } from './observability/report.js';
import type { StatusOptions, StatusReport } from './observability/status.js';

// The engine's public shape: what `createSync` (create-sync.ts) returns, and the options of its methods.

/** Options of {@link Sync.syncRecent}. */
export interface SyncRecentOptions {
  /** The Withings user (optional when exactly one account is linked). */
  userId?: string;
  /** Also look at everything created or changed in the last N days (default 7). */
  days?: number;
  /** Report what would be uploaded; write nothing. */
  dryRun?: boolean;
  /** Override `maxEntriesPerSync` for this run. */
  maxEntries?: number;
}

/** Options of {@link Sync.backfill}. */
export interface BackfillOptions {
  userId?: string;
  /** First day of the history to import (measurement time). */
  from: Date;
  /** Last instant (default now). */
  to?: Date;
  dryRun?: boolean;
  /** Weigh-ins per FIT upload (default 50). */
  batchSize?: number;
  onProgress?: (progress: BackfillProgress) => void;
}

/** Garmin-only tools of {@link Sync.garmin}. */
export interface GarminTools {
  /**
   * Finds weigh-ins stored more than once in the account's Garmin history (same instant and weight
   * within `config.dedup`), often left by older tools, and plans to keep one of each: the one with
   * the most body-composition fields, then the oldest (smallest `samplePk`). A dry run unless
   * `apply`; with it, deletes the others one by one, repoints ledger entries at the kept record and
   * reports each deletion that failed with a code. Default range: the last ten years.
   *
   * @example
   * ```ts
   * const plan = await sync.garmin.dedupe({ from: new Date('2020-01-01') });
   * for (const g of plan.groups) console.log(g.keep.takenAt, g.keep.samplePk, g.remove.map((r) => r.samplePk));
   * const done = await sync.garmin.dedupe({ from: new Date('2020-01-01'), apply: true });
   * console.log(done.deleted.length, done.failed);
   * ```
   */
  dedupe(options?: GarminDedupeOptions): Promise<GarminDedupeReport>;
}

/** The wg-sync engine for one deployment (any number of linked accounts). */
export interface Sync {
  /** Syncs one account now: what changed since its cursor, and at least the last `days` days. */
  syncRecent(options?: SyncRecentOptions): Promise<SyncReport>;
  /** Syncs what a Withings notification announced (its window widens the cursor, never narrows it). */
  syncNotification(notification: WithingsNotification): Promise<SyncReport>;
  /**
   * What `POST /sync/manual` runs: {@link Sync.syncRecent} for the account `userId`, or for every
   * linked one, with `days`. For adapters that run an accepted manual sync later (`queueManualSync`).
   * Several accounts on an in-process queue (the default) go through it as `manual` messages: they
   * take its bounded turns, before reconcile passes, and an account whose message failed before its
   * sync ran (its record unreadable, the store down) gets a report of that failure instead of
   * rejecting the others'.
   * @throws RangeError for `days` outside 1–3650.
   */
  syncManual(request: ManualSyncRequest): Promise<SyncReport[]>;
  /** Imports history in batches; does not move the cursor. */
  backfill(options: BackfillOptions): Promise<SyncReport>;
  /** For a schedule: subscription check and re-subscribe, catch-up sync and alerts, for every account. */
  reconcile(): Promise<ReconcileReport>;
  /** Real health checks, secrets redacted. */
  doctor(): Promise<DoctorReport>;
  /**
   * Every account's health, pending notifications, credential ages, last syncs and holdings: what
   * `GET /status` answers and the status page shows (`trendDays`: with the weigh-ins of those days).
   */
  status(options?: StatusOptions): Promise<StatusReport>;
  accounts: Accounts;
  /** The one HTTP handler (Web `Request` → `Response`); mount it with an adapter. */
  handler(request: Request, ctx?: HandlerContext): Promise<Response>;
  /** The callback URL subscriptions use (`publicUrl/webhook/withings[/secret]`), when `publicUrl` is set. */
  readonly webhookUrl: string | undefined;
  /**
   * A Withings client for an account whose rotating tokens are persisted to the store (for tools such
   * as `wg-sync webhook subscribe`); `undefined` when the account has no Withings tokens.
   */
  withingsClient(userId: string): Promise<WithingsClient | undefined>;
  /** The same for the account's Garmin session. */
  garminClient(userId: string): Promise<GarminClient | undefined>;
  /** Garmin-only tools: `dedupe` cleans duplicate weigh-ins out of the Garmin history. */
  garmin: GarminTools;
  /**
   * Runs now the webhook syncs this process is holding until their debounce window ends, and waits
   * for them. For graceful shutdown (the Express adapter's `drain()` calls it) and tests; without it
   * such a sync is still not lost, its notification waits in the store for the next sync or reconcile.
   */
  flush(): Promise<void>;
  /**
   * Weigh-ins held for a person to answer: ambiguous ones (Withings' attrib 1) and, with
   * `weightBand`, those outside the person's usual weight. `list`, then `assign(id)` ("this was
   * me": written to every destination with its original instant and fields) or `dismiss(id)` ("not
   * me"). See {@link HeldWeighIns}.
   */
  held: HeldWeighIns;
  /**
   * Per-account work through a queue ({@link SyncConfig.queue}, in-process by default): `run` one
   * {@link WorkMessage} (what a queue's consumer calls), `enqueueDueReconciles` (what a 15-minute
   * schedule calls). See {@link SyncWork}.
   */
  work: SyncWork;
}
