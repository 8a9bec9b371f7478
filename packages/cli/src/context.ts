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
import { CliError, EXIT } from './errors.js';
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
    if (path === resolve(dir, 'state')) await ensurePrivateDir(path);
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
  const base = loadConfigFromEnv({ ...env, WG_SYNC_STATE_DIR: env.WG_SYNC_STATE_DIR ?? join(dir, 'state') });
  const config: SyncConfig = { ...base, store, logger: terminalLogger(flags.verbose ?? false), ...overrides };
  checkAccountUrl(env);
  for (const line of upstreamWarnings(config, env)) warn(line);
  // Before createSync, whose own refusal (publicUrl without a secret) would not say how to fix it.
  const unauthenticated = options.webhook ? checkWebhookSecret(config, dir, options.webhook) : undefined;
  if (unauthenticated) warn(unauthenticated);
  const redactor = new Redactor();
  redactor.pin(config.withings.clientSecret, config.apiToken, config.webhookSecret);
  return { env, dir, store, config, redactor, sync: createSync(config) };
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
