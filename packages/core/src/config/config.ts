import type { Destination } from '../destinations/destination.js';
import type { WorkQueue } from '../engine/work.js';
import type { SyncErrorCode } from '../error-codes.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { SyncAlert, SyncReport } from '../observability/report.js';
import { checkedStore } from '../store/state.js';
import type { StateStore } from '../store/state-store.js';
import { GENERATE_SECRET_HINT, weakSecretReason } from './secret-strength.js';

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

/** Validates a programmatic config and fills in defaults. */
export function resolveConfig(config: SyncConfig): ResolvedConfig {
  const problems: string[] = [];
  if (!config || typeof config !== 'object') throw new ConfigError(['config must be an object']);
  if (!config.withings?.clientId) problems.push('withings.clientId is required');
  if (!config.withings?.clientSecret) problems.push('withings.clientSecret is required');
  if (!config.store || typeof config.store.get !== 'function')
    problems.push('store must be a StateStore (fileStore(dir), memoryStore(), …)');
  if (config.publicUrl !== undefined && !/^https?:\/\/[^/]+/.test(config.publicUrl))
    problems.push('publicUrl must be an absolute URL');
  if (config.webhookSecret !== undefined && !/^[A-Za-z0-9_-]{16,128}$/.test(config.webhookSecret)) {
    problems.push('webhookSecret must be 16–128 characters of A-Z a-z 0-9 _ -');
  }
  for (const [name, value] of [
    ['apiToken', config.apiToken],
    ['webhookSecret', config.webhookSecret],
  ] as const) {
    const weak = value === undefined ? undefined : weakSecretReason(value);
    if (weak) problems.push(`${name} ${weak}: ${GENERATE_SECRET_HINT}`);
  }
  if (config.publicUrl && !config.webhookSecret && !config.allowUnauthenticatedWebhook) {
    problems.push(
      `webhookSecret is required with publicUrl: Withings signs nothing, so the secret path is what keeps strangers out (${GENERATE_SECRET_HINT}; or set allowUnauthenticatedWebhook: true, not recommended)`,
    );
  }
  for (const [name, value] of upstreamOverrides(config)) {
    const problem = upstreamUrlProblem(value);
    if (problem) problems.push(`${name} ${problem}`);
  }
  const debounce = config.webhookDebounceSeconds ?? 60;
  if (!Number.isInteger(debounce) || debounce < 1 || debounce > 3600)
    problems.push('webhookDebounceSeconds must be a whole number of seconds from 1 to 3600');
  const concurrent = config.maxConcurrentSyncs ?? 4;
  if (!Number.isInteger(concurrent) || concurrent < 1)
    problems.push('maxConcurrentSyncs must be a positive integer');
  const budget = config.withingsBudgetPerMinute ?? 120;
  if (!Number.isInteger(budget) || budget < 1 || budget > 100_000)
    problems.push('withingsBudgetPerMinute must be a whole number of calls from 1 to 100000');
  const max = config.maxEntriesPerSync ?? 5;
  if (!Number.isInteger(max) || max < 1) problems.push('maxEntriesPerSync must be a positive integer');
  const deletionWindowDays = config.deletionWindowDays ?? 30;
  if (!Number.isInteger(deletionWindowDays) || deletionWindowDays < 1 || deletionWindowDays > 90)
    problems.push('deletionWindowDays must be a whole number of days from 1 to 90');
  const maxDeletions = config.maxDeletionsPerSync ?? 5;
  if (!Number.isInteger(maxDeletions) || maxDeletions < 1)
    problems.push('maxDeletionsPerSync must be a positive integer');
  const upload = {
    maxEntries: config.garmin?.maxUploadEntries ?? 50,
    maxBytes: config.garmin?.maxUploadBytes ?? 16_384,
  };
  if (!Number.isInteger(upload.maxEntries) || upload.maxEntries < 1)
    problems.push('garmin.maxUploadEntries must be a positive integer');
  if (!Number.isInteger(upload.maxBytes) || upload.maxBytes < 1024)
    problems.push('garmin.maxUploadBytes must be a whole number of bytes, at least 1024');
  const clientIds = config.garmin?.clientIds;
  if (
    clientIds !== undefined &&
    (!Array.isArray(clientIds) ||
      clientIds.length === 0 ||
      clientIds.some((id) => typeof id !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(id)))
  )
    problems.push('garmin.clientIds must be a non-empty list of DI client ids (A-Z a-z 0-9 _ . -)');
  problems.push(...destinationProblems(config.destinations));
  const heldForDays = config.heldForDays ?? 30;
  if (!Number.isInteger(heldForDays) || heldForDays < 1 || heldForDays > 365)
    problems.push('heldForDays must be a whole number of days from 1 to 365');
  problems.push(...queueProblems(config));
  for (const [userId, band] of Object.entries(config.weightBand ?? {})) {
    const { minKg, maxKg } = band ?? {};
    if (!(Number.isFinite(minKg) && Number.isFinite(maxKg) && minKg > 0 && minKg < maxKg))
      problems.push(`weightBand.${userId} must be { minKg, maxKg } with 0 < minKg < maxKg`);
  }
  if (problems.length) throw new ConfigError(problems);
  return {
    ...config,
    // Every entry the engine reads is checked for its shape (StoreCorruptError otherwise).
    store: checkedStore(config.store),
    maxEntriesPerSync: max,
    dedup: {
      timeToleranceSec: config.dedup?.timeToleranceSec ?? 120,
      weightToleranceKg: config.dedup?.weightToleranceKg ?? 0.1,
    },
    attributions: config.attributions ?? [0, 3, 8],
    includeManual: config.includeManual ?? false,
    bloodPressure: config.bloodPressure ?? false,
    now: config.now ?? (() => new Date()),
    readBack: { attempts: config.readBack?.attempts ?? 3, delayMs: config.readBack?.delayMs ?? 1500 },
    leaseSeconds: config.leaseSeconds ?? 120,
    maxConcurrentSyncs: concurrent,
    withingsBudgetPerMinute: budget,
    initialLookbackDays: config.initialLookbackDays ?? 7,
    syncDeletions: config.syncDeletions ?? false,
    deletionWindowDays,
    maxDeletionsPerSync: maxDeletions,
    staleAfterDays: config.staleAfterDays ?? 7,
    heldForDays,
    queueConcurrency: config.queueConcurrency ?? 4,
    reconcileIntervalHours: config.reconcileIntervalHours ?? 6,
    allowUnauthenticatedWebhook: config.allowUnauthenticatedWebhook ?? false,
    webhookDebounceSeconds: debounce,
    upload,
  };
}

/** The upstream base URLs a config overrides (simulators, proxies), by option name. */
export function upstreamOverrides(config: SyncConfig): Array<[string, string]> {
  const overrides: Array<[string, string]> = [];
  if (config.withings?.baseUrl) overrides.push(['withings.baseUrl', config.withings.baseUrl]);
  for (const [name, value] of Object.entries(config.garmin?.urls ?? {}))
    if (value) overrides.push([`garmin.urls.${name}`, value]);
  if (config.intervals?.baseUrl) overrides.push(['intervals.baseUrl', config.intervals.baseUrl]);
  return overrides;
}

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]']);

/**
 * What is wrong with an upstream URL override, or `undefined` when it is fine. Tokens, the client
 * secret and passwords go to these URLs: an override must be https, or plain http to this machine
 * (the simulators in tests and the demo).
 */
export function upstreamUrlProblem(value: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return 'must be an absolute URL';
  }
  if (parsed.protocol === 'https:') return undefined;
  const loopback = LOOPBACK_HOSTS.has(parsed.hostname) || /^127(\.\d{1,3}){3}$/.test(parsed.hostname);
  if (parsed.protocol === 'http:' && loopback) return undefined;
  return 'must be an https URL (plain http only for 127.0.0.1 / localhost)';
}

/** What is wrong with the queue options (see {@link SyncConfig.queue}). */
function queueProblems(config: SyncConfig): string[] {
  const problems: string[] = [];
  if (config.queue !== undefined && typeof config.queue?.send !== 'function')
    problems.push('queue must be a WorkQueue (an object with send(items))');
  const concurrency = config.queueConcurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 100)
    problems.push('queueConcurrency must be a whole number from 1 to 100');
  const hours = config.reconcileIntervalHours ?? 6;
  if (typeof hours !== 'number' || !(hours >= 0.25 && hours <= 168))
    problems.push('reconcileIntervalHours must be a number of hours from 0.25 to 168');
  return problems;
}

const DESTINATION_ID = /^[a-z][a-z0-9-]{0,31}$/;

/** What is wrong with the configured destinations (ids key the store, so they must be unique and plain). */
function destinationProblems(destinations: unknown): string[] {
  if (destinations === undefined) return [];
  if (!Array.isArray(destinations)) return ['destinations must be a list of Destination objects'];
  const problems: string[] = [];
  const builtIn: Record<string, string> = { garmin: 'Garmin', intervals: 'intervals.icu' };
  const seen = new Set<string>(Object.keys(builtIn));
  for (const [i, destination] of destinations.entries()) {
    const d = destination as Partial<Destination> | undefined;
    if (!d || typeof d.open !== 'function' || typeof d.accepts !== 'object' || d.accepts === null)
      problems.push(`destinations[${i}] must have an id, accepts and open()`);
    else if (typeof d.id !== 'string' || !DESTINATION_ID.test(d.id))
      problems.push(`destinations[${i}].id must be 1–32 characters of a-z 0-9 - starting with a letter`);
    else if (seen.has(d.id))
      problems.push(
        `destinations[${i}].id "${d.id}" is ${builtIn[d.id] ? `the built-in ${builtIn[d.id]} destination` : 'used twice'}`,
      );
    else seen.add(d.id);
  }
  return problems;
}
