import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { jsonLogger, type Logger, type LogLevel } from './logger.js';
import type { SyncAlert, SyncReport } from './report.js';
import { GENERATE_SECRET_HINT, weakSecretReason } from './secret-strength.js';
import { checkedStore } from './state.js';
import { fileStore } from './store/file-store.js';
import { defaultStateDir } from './store/state-dir.js';
import type { StateStore } from './store/state-store.js';

/** Hooks called by the engine; a hook that throws is logged and never breaks a sync. */
export interface SyncHooks {
  /** After every sync that uploaded something (not for dry runs). */
  onSynced?: (report: SyncReport) => void | Promise<void>;
  /** After every sync, whatever its outcome (dry runs and coalesced triggers included). */
  onReport?: (report: SyncReport) => void | Promise<void>;
  /** For every alert (also logged at `warn`). Send it by e-mail, ntfy, Home Assistant… */
  onAlert?: (alert: SyncAlert) => void | Promise<void>;
  /** For every error a sync records (already redacted). */
  onError?: (error: { code: string; message: string; userId?: string }) => void | Promise<void>;
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
  /** Where tokens, cursors, the ledger and leases live. */
  store: StateStore;
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
  /** Look this many days back on an account's first sync (default 7). */
  initialLookbackDays?: number;
  /** Raise `STALE` after this many days without a successful sync (default 7). */
  staleAfterDays?: number;
}

const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'])
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));
// The messages say what a valid value looks like: a person reads them next to the variable's name.
const WHOLE = 'must be a whole number';
const positiveInt = z.coerce.number({ error: WHOLE }).int({ error: WHOLE }).positive();
const decimal = z.coerce.number({ error: 'must be a number' });
const UPSTREAM_URL_RULE = 'must be an https URL (plain http only for 127.0.0.1 / localhost)';
/** Upstream overrides (simulators, proxies): https, or plain http only to this machine. */
const upstreamUrl = z
  .url({ protocol: /^https?$/, error: UPSTREAM_URL_RULE })
  .refine((value) => upstreamUrlProblem(value) === undefined, { message: UPSTREAM_URL_RULE });
const strongSecret = (rule: z.ZodString) =>
  rule.superRefine((value, context) => {
    const weak = weakSecretReason(value);
    if (weak) context.addIssue({ code: 'custom', message: `${weak}: ${GENERATE_SECRET_HINT}` });
  });

const envSchema = z.object({
  WITHINGS_CLIENT_ID: z.string().min(1, 'is required (from the Withings developer dashboard)'),
  WITHINGS_CLIENT_SECRET: z.string().min(1, 'is required (from the Withings developer dashboard)'),
  WITHINGS_BASE_URL: upstreamUrl.optional(),
  GARMIN_DOMAIN: z.enum(['garmin.com', 'garmin.cn']).optional(),
  GARMIN_SSO_URL: upstreamUrl.optional(),
  GARMIN_DIAUTH_URL: upstreamUrl.optional(),
  GARMIN_CONNECTAPI_URL: upstreamUrl.optional(),
  WG_SYNC_GARMIN_CLIENT_IDS: z
    .string()
    .regex(
      /^[A-Za-z0-9_.-]+( *, *[A-Za-z0-9_.-]+)*$/,
      'must be a comma-separated list such as GARMIN_CONNECT_MOBILE_ANDROID_DI_2026Q3,GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2',
    )
    .transform((s) => s.split(',').map((id) => id.trim()))
    .optional(),
  WG_SYNC_GARMIN_MAX_UPLOAD_ENTRIES: positiveInt.max(1000).optional(),
  WG_SYNC_GARMIN_MAX_UPLOAD_BYTES: positiveInt
    .min(1024)
    .max(10 * 1024 * 1024)
    .optional(),
  WG_SYNC_STATE_DIR: z.string().min(1).optional(),
  // Read for the default state directory (defaultStateDir), like the CLI does.
  WG_SYNC_CONFIG_DIR: z.string().min(1).optional(),
  XDG_CONFIG_HOME: z.string().min(1).optional(),
  WG_SYNC_PUBLIC_URL: z
    .url({ protocol: /^https$/, error: 'must be an https URL such as https://sync.example.org' })
    .optional(),
  WG_SYNC_API_TOKEN: strongSecret(z.string()).optional(),
  WG_SYNC_WEBHOOK_SECRET: strongSecret(
    z.string().regex(/^[A-Za-z0-9_-]{16,128}$/, 'must be 16–128 characters of A-Z a-z 0-9 _ -'),
  ).optional(),
  WG_SYNC_ALLOW_UNAUTHENTICATED_WEBHOOK: bool.optional(),
  WG_SYNC_WEBHOOK_DEBOUNCE_SECONDS: positiveInt.max(3600).optional(),
  WG_SYNC_MAX_ENTRIES: positiveInt.max(500).optional(),
  WG_SYNC_DEDUP_SECONDS: decimal.min(0).max(3600).optional(),
  WG_SYNC_DEDUP_KG: decimal.min(0).max(5).optional(),
  WG_SYNC_ATTRIBUTIONS: z
    .string()
    .regex(/^\d+(,\d+)*$/, 'must be a comma-separated list such as 0,3,8')
    .transform((s) => s.split(',').map(Number))
    .optional(),
  WG_SYNC_INCLUDE_MANUAL: bool.optional(),
  WG_SYNC_BLOOD_PRESSURE: bool.optional(),
  WG_SYNC_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).optional(),
  WG_SYNC_READBACK_ATTEMPTS: positiveInt.max(20).optional(),
  WG_SYNC_READBACK_DELAY_MS: z.coerce
    .number({ error: WHOLE })
    .int({ error: WHOLE })
    .min(0)
    .max(60_000)
    .optional(),
});

/** Where {@link loadConfigFromEnv} kept the state before it shared the CLI's default. */
const LEGACY_STATE_DIR = '.wg-sync';

function isDirectory(path: string): boolean {
  try {
    return existsSync(path) && statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The environment variables {@link loadConfigFromEnv} reads. */
export const CONFIG_ENV_VARS = Object.keys(envSchema.shape);

/**
 * Builds a {@link SyncConfig} from environment variables (a `fileStore` in `WG_SYNC_STATE_DIR`, a JSON
 * logger on stderr at `WG_SYNC_LOG_LEVEL`). Empty values count as unset.
 *
 * Without `WG_SYNC_STATE_DIR` the state lives in {@link defaultStateDir}, where the CLI keeps it. A
 * `./.wg-sync` directory (the default of earlier versions) is still used when it exists, with a
 * `config.state.legacy-dir` warning saying how to move it: state is never left behind.
 *
 * @throws {@link ConfigError} listing every missing or invalid variable at once.
 *
 * @example
 * ```ts
 * const sync = createSync(loadConfigFromEnv());
 * ```
 */
export function loadConfigFromEnv(
  env: Record<string, string | undefined> = process.env,
  options: {
    /** The directory a relative `./.wg-sync` is looked for in (default `process.cwd()`). */
    cwd?: string;
  } = {},
): SyncConfig {
  const present = Object.fromEntries(
    CONFIG_ENV_VARS.flatMap((name) => {
      const value = env[name]?.trim();
      return value ? [[name, value]] : [];
    }),
  );
  // Accept the name DESIGN.md used first.
  if (!present.WG_SYNC_API_TOKEN && env.SYNC_API_TOKEN?.trim())
    present.WG_SYNC_API_TOKEN = env.SYNC_API_TOKEN.trim();
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    // One line per problem: a URL refused by two rules says so once.
    const lines = parsed.error.issues.map(
      (issue) => `${issue.path.join('.')} ${describeIssue(issue, present)}`,
    );
    throw new ConfigError([...new Set(lines)]);
  }
  const e = parsed.data;
  const logger = jsonLogger({ level: (e.WG_SYNC_LOG_LEVEL ?? 'info') as LogLevel });
  const legacy = resolve(options.cwd ?? process.cwd(), LEGACY_STATE_DIR);
  const useLegacy = !e.WG_SYNC_STATE_DIR && isDirectory(legacy);
  const stateDir = e.WG_SYNC_STATE_DIR ?? (useLegacy ? legacy : defaultStateDir(env));
  if (useLegacy) {
    const target = defaultStateDir(env);
    logger.warn('config.state.legacy-dir', {
      dir: legacy,
      message: `state is read from ${legacy}, the default of earlier versions (the default is now ${target}, shared with the wg-sync CLI). To move it: mv ${legacy} ${target} (if that does not exist yet); to keep it where it is: set WG_SYNC_STATE_DIR=${legacy}`,
    });
  }
  const garminUrls = {
    ...(e.GARMIN_SSO_URL ? { sso: e.GARMIN_SSO_URL } : {}),
    ...(e.GARMIN_DIAUTH_URL ? { diauth: e.GARMIN_DIAUTH_URL } : {}),
    ...(e.GARMIN_CONNECTAPI_URL ? { connectapi: e.GARMIN_CONNECTAPI_URL } : {}),
  };
  return {
    withings: {
      clientId: e.WITHINGS_CLIENT_ID,
      clientSecret: e.WITHINGS_CLIENT_SECRET,
      ...(e.WITHINGS_BASE_URL ? { baseUrl: e.WITHINGS_BASE_URL } : {}),
    },
    garmin: {
      ...(e.GARMIN_DOMAIN ? { domain: e.GARMIN_DOMAIN } : {}),
      ...(Object.keys(garminUrls).length ? { urls: garminUrls } : {}),
      ...(e.WG_SYNC_GARMIN_CLIENT_IDS ? { clientIds: e.WG_SYNC_GARMIN_CLIENT_IDS } : {}),
      ...(e.WG_SYNC_GARMIN_MAX_UPLOAD_ENTRIES
        ? { maxUploadEntries: e.WG_SYNC_GARMIN_MAX_UPLOAD_ENTRIES }
        : {}),
      ...(e.WG_SYNC_GARMIN_MAX_UPLOAD_BYTES ? { maxUploadBytes: e.WG_SYNC_GARMIN_MAX_UPLOAD_BYTES } : {}),
    },
    store: fileStore(stateDir),
    ...(e.WG_SYNC_PUBLIC_URL ? { publicUrl: e.WG_SYNC_PUBLIC_URL } : {}),
    ...(e.WG_SYNC_API_TOKEN ? { apiToken: e.WG_SYNC_API_TOKEN } : {}),
    ...(e.WG_SYNC_WEBHOOK_SECRET ? { webhookSecret: e.WG_SYNC_WEBHOOK_SECRET } : {}),
    ...(e.WG_SYNC_ALLOW_UNAUTHENTICATED_WEBHOOK === undefined
      ? {}
      : { allowUnauthenticatedWebhook: e.WG_SYNC_ALLOW_UNAUTHENTICATED_WEBHOOK }),
    ...(e.WG_SYNC_WEBHOOK_DEBOUNCE_SECONDS === undefined
      ? {}
      : { webhookDebounceSeconds: e.WG_SYNC_WEBHOOK_DEBOUNCE_SECONDS }),
    ...(e.WG_SYNC_MAX_ENTRIES ? { maxEntriesPerSync: e.WG_SYNC_MAX_ENTRIES } : {}),
    dedup: {
      ...(e.WG_SYNC_DEDUP_SECONDS === undefined ? {} : { timeToleranceSec: e.WG_SYNC_DEDUP_SECONDS }),
      ...(e.WG_SYNC_DEDUP_KG === undefined ? {} : { weightToleranceKg: e.WG_SYNC_DEDUP_KG }),
    },
    ...(e.WG_SYNC_ATTRIBUTIONS ? { attributions: e.WG_SYNC_ATTRIBUTIONS } : {}),
    ...(e.WG_SYNC_INCLUDE_MANUAL === undefined ? {} : { includeManual: e.WG_SYNC_INCLUDE_MANUAL }),
    ...(e.WG_SYNC_BLOOD_PRESSURE === undefined ? {} : { bloodPressure: e.WG_SYNC_BLOOD_PRESSURE }),
    logger,
    ...(e.WG_SYNC_READBACK_ATTEMPTS !== undefined || e.WG_SYNC_READBACK_DELAY_MS !== undefined
      ? {
          readBack: {
            ...(e.WG_SYNC_READBACK_ATTEMPTS !== undefined ? { attempts: e.WG_SYNC_READBACK_ATTEMPTS } : {}),
            ...(e.WG_SYNC_READBACK_DELAY_MS !== undefined ? { delayMs: e.WG_SYNC_READBACK_DELAY_MS } : {}),
          },
        }
      : {}),
  };
}

/** What is wrong with one variable, in words that say what would be right. Never echoes the value: it may be a secret. */
function describeIssue(issue: z.core.$ZodIssue, present: Record<string, string>): string {
  const name = String(issue.path[0] ?? '');
  // zod does not report the input, so "missing" is judged from what was set.
  if (!(name in present)) return 'is required';
  if (issue.code === 'too_big') {
    return `must be at most ${issue.maximum}${issue.origin === 'string' ? ' characters' : ''}`;
  }
  if (issue.code === 'too_small') {
    if (issue.origin === 'string') return `must be at least ${issue.minimum} characters`;
    return issue.inclusive === false ? `must be above ${issue.minimum}` : `must be at least ${issue.minimum}`;
  }
  if (issue.code === 'invalid_value') return `must be one of ${issue.values.map(String).join(', ')}`;
  if (issue.code === 'invalid_type' && /^invalid input/i.test(issue.message)) return 'is invalid';
  return issue.message.replace(/received .*/i, '').trim() || 'is invalid';
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
  initialLookbackDays: number;
  staleAfterDays: number;
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
  const max = config.maxEntriesPerSync ?? 5;
  if (!Number.isInteger(max) || max < 1) problems.push('maxEntriesPerSync must be a positive integer');
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
    initialLookbackDays: config.initialLookbackDays ?? 7,
    staleAfterDays: config.staleAfterDays ?? 7,
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
