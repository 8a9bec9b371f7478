import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import * as z from 'zod/mini';
import { ConfigError } from '../errors.js';
import { jsonLogger, type LogLevel } from '../observability/logger.js';
import { fileStore } from '../store/file-store.js';
import { defaultStateDir } from '../store/state-dir.js';
import { type SyncConfig, upstreamUrlProblem } from './config.js';
import { GENERATE_SECRET_HINT, weakSecretReason } from './secret-strength.js';
import { ENGLISH } from './zod-english.js';

// loadConfigFromEnv: the environment-variable form of SyncConfig, for apps, adapters and the CLI.

const bool = z.pipe(
  z.enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off']),
  z.transform((v) => ['1', 'true', 'yes', 'on'].includes(v)),
);
// The messages say what a valid value looks like: a person reads them next to the variable's name.
const WHOLE = 'must be a whole number';
// `z.int()` as a check after the coercion, as classic's `.int()` did: the same safe-integer rule and message.
const positiveInt = z.coerce.number({ error: WHOLE }).check(z.int({ error: WHOLE }), z.positive());
const decimal = z.coerce.number({ error: 'must be a number' });
const UPSTREAM_URL_RULE = 'must be an https URL (plain http only for 127.0.0.1 / localhost)';
/** Upstream overrides (simulators, proxies): https, or plain http only to this machine. */
const upstreamUrl = z
  .url({ protocol: /^https?$/, error: UPSTREAM_URL_RULE })
  .check(z.refine((value) => upstreamUrlProblem(value) === undefined, { message: UPSTREAM_URL_RULE }));
const strongSecret = (rule: z.ZodMiniString) =>
  rule.check(
    z.superRefine((value, context) => {
      const weak = weakSecretReason(value);
      if (weak) context.addIssue({ code: 'custom', message: `${weak}: ${GENERATE_SECRET_HINT}` });
    }),
  );

const envSchema = z.object({
  WITHINGS_CLIENT_ID: z.string().check(z.minLength(1, 'is required (from the Withings developer dashboard)')),
  WITHINGS_CLIENT_SECRET: z
    .string()
    .check(z.minLength(1, 'is required (from the Withings developer dashboard)')),
  WITHINGS_BASE_URL: z.optional(upstreamUrl),
  GARMIN_DOMAIN: z.optional(z.enum(['garmin.com', 'garmin.cn'])),
  GARMIN_SSO_URL: z.optional(upstreamUrl),
  GARMIN_DIAUTH_URL: z.optional(upstreamUrl),
  GARMIN_CONNECTAPI_URL: z.optional(upstreamUrl),
  INTERVALS_BASE_URL: z.optional(upstreamUrl),
  WG_SYNC_GARMIN_CLIENT_IDS: z.optional(
    z.pipe(
      z
        .string()
        .check(
          z.regex(
            /^[A-Za-z0-9_.-]+( *, *[A-Za-z0-9_.-]+)*$/,
            'must be a comma-separated list such as GARMIN_CONNECT_MOBILE_ANDROID_DI_2026Q3,GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2',
          ),
        ),
      z.transform((s) => s.split(',').map((id) => id.trim())),
    ),
  ),
  WG_SYNC_GARMIN_MAX_UPLOAD_ENTRIES: z.optional(positiveInt.check(z.lte(1000))),
  WG_SYNC_GARMIN_MAX_UPLOAD_BYTES: z.optional(positiveInt.check(z.gte(1024), z.lte(10 * 1024 * 1024))),
  WG_SYNC_STATE_DIR: z.optional(z.string().check(z.minLength(1))),
  // Read for the default state directory (defaultStateDir), like the CLI does.
  WG_SYNC_CONFIG_DIR: z.optional(z.string().check(z.minLength(1))),
  XDG_CONFIG_HOME: z.optional(z.string().check(z.minLength(1))),
  WG_SYNC_PUBLIC_URL: z.optional(
    z.url({ protocol: /^https$/, error: 'must be an https URL such as https://sync.example.org' }),
  ),
  WG_SYNC_API_TOKEN: z.optional(strongSecret(z.string())),
  WG_SYNC_WEBHOOK_SECRET: z.optional(
    strongSecret(
      z.string().check(z.regex(/^[A-Za-z0-9_-]{16,128}$/, 'must be 16–128 characters of A-Z a-z 0-9 _ -')),
    ),
  ),
  WG_SYNC_ALLOW_UNAUTHENTICATED_WEBHOOK: z.optional(bool),
  WG_SYNC_WEBHOOK_DEBOUNCE_SECONDS: z.optional(positiveInt.check(z.lte(3600))),
  WG_SYNC_MAX_ENTRIES: z.optional(positiveInt.check(z.lte(500))),
  WG_SYNC_WITHINGS_BUDGET_PER_MINUTE: z.optional(positiveInt.check(z.lte(100_000))),
  WG_SYNC_DEDUP_SECONDS: z.optional(decimal.check(z.gte(0), z.lte(3600))),
  WG_SYNC_DEDUP_KG: z.optional(decimal.check(z.gte(0), z.lte(5))),
  WG_SYNC_ATTRIBUTIONS: z.optional(
    z.pipe(
      z.string().check(z.regex(/^\d+(,\d+)*$/, 'must be a comma-separated list such as 0,3,8')),
      z.transform((s) => s.split(',').map(Number)),
    ),
  ),
  WG_SYNC_INCLUDE_MANUAL: z.optional(bool),
  WG_SYNC_BLOOD_PRESSURE: z.optional(bool),
  WG_SYNC_SYNC_DELETIONS: z.optional(bool),
  WG_SYNC_DELETION_WINDOW_DAYS: z.optional(positiveInt.check(z.lte(90))),
  WG_SYNC_MAX_DELETIONS: z.optional(positiveInt.check(z.lte(500))),
  WG_SYNC_HELD_FOR_DAYS: z.optional(positiveInt.check(z.lte(365))),
  // `<Withings user>:<min>-<max>` per account, comma-separated: 37012345:55-75,37012346:70-95
  WG_SYNC_WEIGHT_BAND: z.optional(
    z.pipe(
      z
        .string()
        .check(
          z.regex(
            /^\d{1,20}:\d{1,3}(\.\d+)?-\d{1,3}(\.\d+)?( *, *\d{1,20}:\d{1,3}(\.\d+)?-\d{1,3}(\.\d+)?)*$/,
            'must be <Withings user>:<min kg>-<max kg>, comma-separated, such as 37012345:55-75',
          ),
        ),
      z.transform((s) =>
        Object.fromEntries(
          s.split(',').map((entry) => {
            const [userId, band] = entry.trim().split(':') as [string, string];
            const [minKg, maxKg] = band.split('-').map(Number) as [number, number];
            return [userId, { minKg, maxKg }];
          }),
        ),
      ),
    ),
  ),
  WG_SYNC_LOG_LEVEL: z.optional(z.enum(['debug', 'info', 'warn', 'error'])),
  WG_SYNC_READBACK_ATTEMPTS: z.optional(positiveInt.check(z.lte(20))),
  WG_SYNC_READBACK_DELAY_MS: z.optional(
    z.coerce.number({ error: WHOLE }).check(z.int({ error: WHOLE }), z.gte(0), z.lte(60_000)),
  ),
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
  const parsed = envSchema.safeParse(present, { error: ENGLISH });
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
    ...(e.INTERVALS_BASE_URL ? { intervals: { baseUrl: e.INTERVALS_BASE_URL } } : {}),
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
    ...(e.WG_SYNC_WITHINGS_BUDGET_PER_MINUTE
      ? { withingsBudgetPerMinute: e.WG_SYNC_WITHINGS_BUDGET_PER_MINUTE }
      : {}),
    dedup: {
      ...(e.WG_SYNC_DEDUP_SECONDS === undefined ? {} : { timeToleranceSec: e.WG_SYNC_DEDUP_SECONDS }),
      ...(e.WG_SYNC_DEDUP_KG === undefined ? {} : { weightToleranceKg: e.WG_SYNC_DEDUP_KG }),
    },
    ...(e.WG_SYNC_ATTRIBUTIONS ? { attributions: e.WG_SYNC_ATTRIBUTIONS } : {}),
    ...(e.WG_SYNC_INCLUDE_MANUAL === undefined ? {} : { includeManual: e.WG_SYNC_INCLUDE_MANUAL }),
    ...(e.WG_SYNC_BLOOD_PRESSURE === undefined ? {} : { bloodPressure: e.WG_SYNC_BLOOD_PRESSURE }),
    ...(e.WG_SYNC_SYNC_DELETIONS === undefined ? {} : { syncDeletions: e.WG_SYNC_SYNC_DELETIONS }),
    ...(e.WG_SYNC_DELETION_WINDOW_DAYS ? { deletionWindowDays: e.WG_SYNC_DELETION_WINDOW_DAYS } : {}),
    ...(e.WG_SYNC_MAX_DELETIONS ? { maxDeletionsPerSync: e.WG_SYNC_MAX_DELETIONS } : {}),
    ...(e.WG_SYNC_HELD_FOR_DAYS ? { heldForDays: e.WG_SYNC_HELD_FOR_DAYS } : {}),
    ...(e.WG_SYNC_WEIGHT_BAND ? { weightBand: e.WG_SYNC_WEIGHT_BAND } : {}),
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
