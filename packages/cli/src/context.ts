import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import {
  createSync,
  type Logger,
  loadConfigFromEnv,
  memoryStore,
  Redactor,
  type StateStore,
  type Sync,
  type SyncConfig,
} from '@wg-sync/core';
import { configDir, type Env, ensurePrivateDir, loadEnvironment } from './environment.js';
import { CliError, EXIT, explain, type FailedEntryLike, failureOutcome } from './errors.js';
import { checkAccountUrl, upstreamWarnings } from './upstream.js';
import { checkWebhookSecret, type WebhookCommand } from './webhook-secret.js';

/** Flags every command understands. */
export const globalArgs = {
  store: {
    type: 'string',
    description: 'state store: file:<dir> (default: <config dir>/state), dynamodb:<table>, or memory',
    valueHint: 'kind:where',
  },
  'config-dir': {
    type: 'string',
    description: 'config directory (default ~/.config/wg-sync)',
    valueHint: 'dir',
  },
  'env-file': {
    type: 'string',
    description:
      'also read KEY=value lines from this file (./.env is never read unless you name it: --env-file .env)',
    valueHint: 'path',
  },
  verbose: { type: 'boolean', description: 'print the engine’s log lines (redacted) on stderr' },
} as const;

export interface GlobalFlags {
  store?: string;
  'config-dir'?: string;
  'env-file'?: string;
  verbose?: boolean;
}

/** What a command works with: the merged environment, the store and the engine. */
export interface CliContext {
  env: Env;
  dir: string;
  store: StateStore;
  sync: Sync;
  config: SyncConfig;
  /** Knows the configured secrets (client secret, API token, webhook secret) for lines the CLI writes itself. */
  redactor: Redactor;
  /**
   * The Withings client variables that are not set, for commands that opened the context with
   * `withingsOptional` (nothing is ever sent to Withings then).
   */
  missingWithings: string[];
}

const WITHINGS_CREDENTIALS = ['WITHINGS_CLIENT_ID', 'WITHINGS_CLIENT_SECRET'] as const;

/**
 * A `fetch` that refuses every request to Withings: with the client variables unset, the engine runs
 * on a placeholder client id, which must never reach Withings (nor the tokens sent with it).
 */
function withoutWithings(base: string | undefined, missing: string[]): typeof fetch {
  const origin = new URL(base ?? 'https://wbsapi.withings.net').origin;
  return (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (new URL(url).origin === origin) {
      return Promise.reject(new Error(`not sent to Withings: ${missing.join(' and ')} not set`));
    }
    return fetch(input, init);
  };
}

export async function openStore(spec: string | undefined, dir: string, env: Env): Promise<StateStore> {
  const chosen =
    spec ??
    env.WG_SYNC_STORE ??
    (env.WG_SYNC_STATE_DIR ? `file:${env.WG_SYNC_STATE_DIR}` : `file:${join(dir, 'state')}`);
  const [kind, ...rest] = chosen.split(':');
  const where = rest.join(':');
  if (kind === 'memory') return memoryStore();
  if (kind === 'file') {
    const path = resolve(where || join(dir, 'state'));
    // The default state directory is created (or tightened) now, not on the store's first use:
    // `serve` may not touch the store for hours. Any other directory is the file store's to check
    // (it refuses one owned by someone else and tightens its own through one descriptor).
    if (path === resolve(dir, 'state')) {
      await ensurePrivateDir(path, {
        name: 'the state directory',
        exitCode: EXIT.STORE,
        fix: 'pass --store file:<a directory you can create and write>, or fix the config directory',
      });
    }
    const { fileStore } = await import('@wg-sync/core');
    return fileStore(path);
  }
  if (kind === 'dynamodb' && where) {
    // Optional peer dependency: only people who deploy on Lambda install it (it brings the AWS SDK).
    const lambda = await import('@wg-sync/adapter-lambda').catch(() => undefined);
    if (!lambda) {
      throw new CliError('the DynamoDB store needs @wg-sync/adapter-lambda', {
        exitCode: EXIT.USAGE,
        fix: 'npm install @wg-sync/adapter-lambda (and AWS credentials in the environment)',
      });
    }
    return lambda.dynamoStore({ tableName: where });
  }
  throw new CliError(`unknown --store ${JSON.stringify(chosen)}`, {
    exitCode: EXIT.USAGE,
    fix: 'use file:<dir>, dynamodb:<table> or memory',
  });
}

/** One line for the person on stderr (stdout stays for results, which scripts parse). */
export function warn(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** A logger for the terminal: nothing unless --verbose, then one redacted line per event on stderr. */
function terminalLogger(verbose: boolean): Logger {
  const write = (level: string) => (event: string, fields?: Record<string, unknown>) => {
    if (!verbose && level !== 'error') return;
    process.stderr.write(`${JSON.stringify({ level, event, ...fields })}\n`);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

/** Loads the configuration (environment, --env-file, config dir), opens the store and creates the engine. */
export async function openContext(
  flags: GlobalFlags,
  overrides: Partial<SyncConfig> = {},
  options: {
    /** This command exposes or subscribes the webhook: refuse without a secret (see checkWebhookSecret). */
    webhook?: WebhookCommand;
    /**
     * This command needs no Withings client credentials (`accounts`, `doctor`): without them it
     * still runs, and nothing is sent to Withings.
     */
    withingsOptional?: boolean;
  } = {},
): Promise<CliContext> {
  const dir = configDir(flags['config-dir'], process.env);
  // Whichever way it was chosen (--config-dir, WG_SYNC_CONFIG_DIR, the default): config.env holds
  // the client secret and the default state below it holds the tokens, so it is 0700 before use.
  await ensurePrivateDir(dir);
  const env = await loadEnvironment(dir, {
    ...(flags['env-file'] ? { envFile: flags['env-file'] } : {}),
    notice: warn,
  });
  const store = await openStore(flags.store, dir, env);
  const missingWithings = options.withingsOptional
    ? WITHINGS_CREDENTIALS.filter((name) => !env[name]?.trim())
    : [];
  // Random, so that the redactor (which hides it) never hides a real word.
  const placeholder = `unset-${randomBytes(12).toString('hex')}`;
  const base = loadConfigFromEnv({
    ...env,
    ...Object.fromEntries(missingWithings.map((name) => [name, placeholder])),
    WG_SYNC_STATE_DIR: env.WG_SYNC_STATE_DIR ?? join(dir, 'state'),
  });
  const config: SyncConfig = {
    ...base,
    store,
    logger: terminalLogger(flags.verbose ?? false),
    ...(missingWithings.length > 0 ? { fetch: withoutWithings(base.withings.baseUrl, missingWithings) } : {}),
    ...overrides,
  };
  checkAccountUrl(env);
  for (const line of upstreamWarnings(config, env)) warn(line);
  // Before createSync, whose own refusal (publicUrl without a secret) would not say how to fix it.
  const unauthenticated = options.webhook ? checkWebhookSecret(config, dir, options.webhook) : undefined;
  if (unauthenticated) warn(unauthenticated);
  const redactor = new Redactor();
  redactor.pin(config.withings.clientSecret, config.apiToken, config.webhookSecret);
  return { env, dir, store, config, redactor, missingWithings, sync: createSync(config) };
}

/**
 * Sets the exit code of a run whose reports have failed entries, by the documented table (a corrupt
 * cursor is 5 like a corrupt token file, an unreachable Withings 4, a refused sign-in 3), and says
 * the most pressing one and its fix on stderr.
 */
export function exitForFailures(failed: readonly FailedEntryLike[]): void {
  const { exitCode, entry } = failureOutcome(failed);
  if (exitCode === EXIT.OK) return;
  process.exitCode = exitCode;
  if (exitCode === EXIT.FAILED || !entry) return;
  const { message, fix } = explain(entry);
  warn(`wg-sync: ${entry.code}: ${message}${fix ? `\n  fix: ${fix}` : ''}`);
}

/** The account a command acts on: `--user`, else the only one linked. */
export async function pickUser(sync: Sync, user: string | undefined): Promise<string> {
  if (user) return user;
  const accounts = (await sync.accounts.list()).filter((a) => !a.unlinkedAt);
  if (accounts.length === 1) return (accounts[0] as { userId: string }).userId;
  if (accounts.length === 0) {
    throw new CliError('no account linked yet', { exitCode: EXIT.USAGE, fix: 'run: wg-sync withings auth' });
  }
  throw new CliError(`several accounts are linked (${accounts.map((a) => a.userId).join(', ')})`, {
    exitCode: EXIT.USAGE,
    fix: 'pass --user <Withings user id>',
  });
}
