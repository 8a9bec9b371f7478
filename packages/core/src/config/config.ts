import type { Destination } from '../destinations/destination.js';
import { ConfigError } from '../errors.js';
import { checkedStore } from '../store/state-shapes.js';
import { GENERATE_SECRET_HINT, weakSecretReason } from './secret-strength.js';
import type { ResolvedConfig, SyncConfig } from './sync-config.js';

export type { ResolvedConfig, SyncConfig, SyncHooks } from './sync-config.js';

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
