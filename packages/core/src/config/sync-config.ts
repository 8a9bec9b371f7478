import type { Destination } from '../destinations/destination.js';
import type { WorkQueue } from '../engine/work.js';
import type { SyncErrorCode } from '../error-codes.js';
import type { Logger } from '../observability/logger.js';
import type { SyncAlert, SyncReport } from '../observability/report.js';
import type { StateStore } from '../store/state-store.js';

// What `createSync` takes (`SyncConfig`) and what it works with once `resolveConfig` (config.ts) has
// checked it and filled in the defaults (`ResolvedConfig`).

/** Hooks called by the engine; a hook that throws is logged and never breaks a sync. */
export interface SyncHooks {
  /** After every sync that uploaded something (not for dry runs). */
  onSynced?: (report: SyncReport) => void | Promise<void>;
  /** After every sync, whatever its outcome (dry runs and coalesced triggers included). */
  onReport?: (report: SyncReport) => void | Promise<void>;
  /** For every alert (also logged at `warn`). Send it by e-mail, ntfy, Home Assistant… */
  onAlert?: (alert: SyncAlert) => void | Promise<void>;
  /** For every error a sync records (already redacted). */
  onError?: (error: { code: SyncErrorCode; message: string; userId?: string }) => void | Promise<void>;
}

/** Configuration of {@link createSync}. */
export interface SyncConfig {
  withings: {
    clientId: string;
    clientSecret: string;
    baseUrl?: string;
    /** Time limit per Withings HTTP call (default 20 s). */
    timeoutMs?: number;
  };
  garmin?: {
    urls?: { sso?: string; diauth?: string; connectapi?: string };
    domain?: 'garmin.com' | 'garmin.cn';
    /** Time limit per Garmin HTTP call (default 30 s). */
    timeoutMs?: number;
    /** Retries of Garmin reads after 429/5xx (default 2 retries, 500 ms base, 5 s cap). */
    retry?: { retries?: number; baseDelayMs?: number; maxDelayMs?: number };
    /**
     * DI OAuth2 client ids to try, newest first, when a service ticket is exchanged (`wg-sync garmin
     * login`; default `GARMIN_DI_CLIENT_IDS` of `@wg-sync/garmin`). Garmin rotates them about
     * quarterly: put a new one first here (env `WG_SYNC_GARMIN_CLIENT_IDS`) without waiting for a
     * release. Refreshes always use the id the tokens were issued to.
     */
    clientIds?: string[];
    /** The most weigh-ins in one FIT upload (default 50); bigger batches are split. */
    maxUploadEntries?: number;
    /** The most bytes in one FIT upload (default 16 384); bigger batches are split. */
    maxUploadBytes?: number;
  };
  /**
   * intervals.icu, the second built-in destination: accounts that linked it (`wg-sync intervals
   * link`, `accounts.setIntervals`) get each weigh-in there too, as the day's wellness record.
   */
  intervals?: {
    /** Default `https://intervals.icu` (env `INTERVALS_BASE_URL`; the simulator's in tests and the demo). */
    baseUrl?: string;
    /** Time limit per intervals.icu HTTP call (default 15 s). */
    timeoutMs?: number;
    /** Retries after 429/5xx/network errors (default 2, the first after 500 ms, doubling). */
    retry?: { retries?: number; delayMs?: number };
  };
  /** Where tokens, cursors, the ledger and leases live. */
  store: StateStore;
  /**
   * Destinations beside Garmin, written concurrently with it: each has its own ledger and cursor in
   * the store (keyed by its id), so one that fails never holds Garmin or another back.
   */
  destinations?: Destination[];
  /** The public base URL Withings calls (`https://sync.example.org`), for subscribe and reconcile. */
  publicUrl?: string;
  /** Protects `/sync/manual` and `/status` (`Authorization: Bearer …`); without it they answer 404. */
  apiToken?: string;
  /**
   * When set, only `/webhook/withings/<secret>` accepts notifications. Withings signs nothing, so this
   * secret path is what keeps strangers from triggering syncs: it is required whenever `publicUrl` is
   * set, unless {@link SyncConfig.allowUnauthenticatedWebhook} says otherwise.
   */
  webhookSecret?: string;
  /**
   * Accept a `publicUrl` without a `webhookSecret`, so that anyone who finds the URL can trigger
   * (debounced) syncs. Only for deployments that predate the secret; every start logs a warning and
   * `doctor` fails its `webhook secret` check until a secret is set and the webhook re-subscribed.
   */
  allowUnauthenticatedWebhook?: boolean;
  /**
   * Per-user debounce of webhook-triggered syncs (default 60 s): the first notification syncs at
   * once, those arriving within the window are recorded and synced once when it ends. Forged
   * notifications therefore cost at most two syncs per user per window.
   */
  webhookDebounceSeconds?: number;
  /** Uploads per sync (default 5); the rest is picked up next time (`cap`). */
  maxEntriesPerSync?: number;
  /** A Garmin weigh-in within these tolerances counts as the same one (default 120 s, 0.1 kg). */
  dedup?: { timeToleranceSec?: number; weightToleranceKg?: number };
  /** Withings attributions to sync (default `[0, 3, 8]`). */
  attributions?: number[];
  /** Also sync weigh-ins entered by hand in the Withings app (attrib 2). */
  includeManual?: boolean;
  /** Also sync blood pressure (Withings appli 4). */
  bloodPressure?: boolean;
  /**
   * Where log lines go (redacted first). Default `jsonLogger()`: JSON lines on stderr, from `info`,
   * never on the app's stdout. `silentLogger` drops them (tests).
   */
  logger?: Logger;
  hooks?: SyncHooks;
  fetch?: typeof fetch;
  now?: () => Date;
  /** How long to poll Garmin for uploaded weigh-ins before calling them `NOT_STORED` (default 3 reads, 1.5 s apart, doubling). */
  readBack?: { attempts?: number; delayMs?: number };
  /** How long a per-user sync lease lives if its holder dies (default 120 s). */
  leaseSeconds?: number;
  /**
   * Syncs this process runs at once, across accounts (default 4); more wait their turn. A burst of
   * webhooks for many users then neither floods Withings (120 requests per minute per app) nor slows
   * the acknowledgements down. Triggers for a user already syncing always join that sync.
   */
  maxConcurrentSyncs?: number;
  /**
   * Withings calls per minute for the whole deployment, every process and Lambda together (default
   * 120, Withings' limit per application; env `WG_SYNC_WITHINGS_BUDGET_PER_MINUTE`). Shared through the
   * store; reconcile passes and backfills use at most 80% of it. Lower it when other apps share the
   * Withings client id.
   */
  withingsBudgetPerMinute?: number;
  /** Look this many days back on an account's first sync (default 7). */
  initialLookbackDays?: number;
  /**
   * Follow deletions and edits made in Withings (default false; env `WG_SYNC_SYNC_DELETIONS`, CLI
   * `--sync-deletions`). Each sync then also reads the last {@link SyncConfig.deletionWindowDays}
   * days by date, in the same round trip as the usual read, and compares them with what wg-sync
   * synced there: a weigh-in Withings no longer returns is removed from the destinations wg-sync
   * wrote it to (by the id in the ledger; a tombstone keeps it from coming back), and one whose
   * values changed is replaced. Records wg-sync did not create are never touched. See the README,
   * "Deletions and edits".
   */
  syncDeletions?: boolean;
  /** How many days back deletions are looked for, with `syncDeletions` (default 30, at most 90). */
  deletionWindowDays?: number;
  /**
   * The most records one sync deletes per destination, with `syncDeletions` (default 5; an edit's
   * replacement counts as one); the rest waits for the next sync.
   */
  maxDeletionsPerSync?: number;
  /** Raise `STALE` after this many days without a successful sync (default 7). */
  staleAfterDays?: number;
  /**
   * Each person's usual weight, by Withings user id: a weigh-in of theirs outside `minKg`–`maxKg` is
   * held instead of synced (reason `out-of-band`), like an ambiguous one (attrib 1), until a person
   * assigns or dismisses it (`sync.held`). Users without a band are not checked.
   */
  weightBand?: Record<string, { minKg: number; maxKg: number }>;
  /** How long a held weigh-in waits for an answer before it expires (default 30 days, 1–365). */
  heldForDays?: number;
  /**
   * Where per-account work goes (`sync.work.enqueueDueReconciles`, the Lambda adapter's webhooks and
   * manual syncs): SQS on AWS (`sqsWorkQueue` of `@wg-sync/adapter-lambda`), or any {@link WorkQueue}
   * whose consumer calls `sync.work.run`. Default: an in-process queue (`inProcessQueue`) of
   * `queueConcurrency` that runs this engine's `sync.work.run`.
   */
  queue?: WorkQueue;
  /**
   * Work messages the default in-process queue runs at once, and accounts `sync.reconcile()`
   * reconciles at once (default 4, 1–100). Syncs still wait for a turn of `maxConcurrentSyncs`.
   */
  queueConcurrency?: number;
  /**
   * Each account is reconciled once per this many hours, at its own stable slot in the interval
   * (default 6, at most 168): `sync.work.enqueueDueReconciles`, called every 15 minutes, enqueues the
   * accounts whose slot comes next.
   */
  reconcileIntervalHours?: number;
}

/** The configuration with every default filled in. */
export interface ResolvedConfig extends SyncConfig {
  maxEntriesPerSync: number;
  dedup: { timeToleranceSec: number; weightToleranceKg: number };
  attributions: number[];
  includeManual: boolean;
  bloodPressure: boolean;
  now: () => Date;
  readBack: { attempts: number; delayMs: number };
  leaseSeconds: number;
  maxConcurrentSyncs: number;
  withingsBudgetPerMinute: number;
  initialLookbackDays: number;
  syncDeletions: boolean;
  deletionWindowDays: number;
  maxDeletionsPerSync: number;
  staleAfterDays: number;
  heldForDays: number;
  queueConcurrency: number;
  reconcileIntervalHours: number;
  allowUnauthenticatedWebhook: boolean;
  webhookDebounceSeconds: number;
  /** The upload caps, defaults filled in. */
  upload: { maxEntries: number; maxBytes: number };
}
