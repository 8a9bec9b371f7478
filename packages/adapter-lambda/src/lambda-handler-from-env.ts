import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SQSClient } from '@aws-sdk/client-sqs';
import {
  CONFIG_ENV_VARS,
  ConfigError,
  createSync,
  errorResponse,
  jsonLogger,
  jsonResponse,
  type Logger,
  loadConfigFromEnv,
  Redactor,
  type SyncConfig,
} from '@wg-sync/core';
import { loadLambdaSdk } from './async/invoke-self.js';
import { dynamoStore } from './dynamo-store.js';
import { answerTo, httpProcessorFor, viaProcessor } from './http/http-event-processor.js';
import { basePathProblem } from './http/web-request.js';
import { type LambdaAdapterOptions, lambdaAdapter, requestIdOf } from './lambda-adapter.js';
import type { LambdaContextLike, LambdaHandler } from './lambda-events.js';
import {
  SECRET_KEYS,
  type SecretsLoader,
  secretsFromSecretsManager,
  type WgSyncSecrets,
} from './secrets-from-secrets-manager.js';
import { queueOf } from './sqs/queue-env.js';
import { loadSqsSdk } from './sqs/sqs-sdk.js';
import { sqsWorkQueue } from './sqs/sqs-work-queue.js';

/**
 * The environment variables {@link lambdaHandlerFromEnv} reads on top of core's `CONFIG_ENV_VARS`
 * (`WITHINGS_CLIENT_ID`, `WG_SYNC_PUBLIC_URL`, `WG_SYNC_LOG_LEVEL`, …), with what each one is for.
 */
export const LAMBDA_ENV_VARS = {
  /** Required: the {@link dynamoStore} table. */
  WG_SYNC_TABLE: 'required: the DynamoDB table holding tokens, cursors, the ledger and leases',
  /** Optional: the secret {@link secretsFromSecretsManager} reads; its values win over the environment's. */
  WG_SYNC_SECRET_ID:
    'the Secrets Manager secret (name or ARN) with WITHINGS_CLIENT_ID, WITHINGS_CLIENT_SECRET, WG_SYNC_API_TOKEN, WG_SYNC_WEBHOOK_SECRET',
  /**
   * Optional: a second secret holding only `WG_SYNC_WEBHOOK_SECRET` (the reference template generates
   * it). Only that key is read from it; a non-empty value in `WG_SYNC_SECRET_ID`'s secret wins, so
   * deployments that set their own keep it.
   */
  WG_SYNC_WEBHOOK_SECRET_ID:
    'the Secrets Manager secret (name or ARN) with the generated WG_SYNC_WEBHOOK_SECRET; a value in WG_SYNC_SECRET_ID wins',
  /** Optional: {@link LambdaAdapterOptions.processing}. */
  WG_SYNC_PROCESSING: 'how webhooks are processed: async-invoke (default) or inline',
  /** Optional: {@link LambdaAdapterOptions.basePath}. */
  WG_SYNC_BASE_PATH:
    "a custom domain's base path (/wg for https://sync.example.com/wg); requests outside it get 404",
  /** Optional: queue mode, {@link LambdaAdapterOptions.queue}. */
  WG_SYNC_QUEUE_URL:
    'the SQS work queue: webhook syncs, manual syncs and reconciles go through it (unset: signed self-invocations)',
  /** Optional: {@link LambdaQueueOptions.deadLetterQueueUrl}. */
  WG_SYNC_DEAD_LETTER_QUEUE_URL:
    'the dead-letter queue: work that cannot be done goes there with a reason attribute',
  /** Optional: {@link LambdaQueueOptions.maxReceives}. */
  WG_SYNC_QUEUE_MAX_RECEIVES:
    "the work queue's maxReceiveCount (default 5): the receive on which failing work is dead-lettered",
} as const;

/**
 * Every environment variable {@link lambdaHandlerFromEnv} reads: {@link LAMBDA_ENV_VARS} and core's
 * `CONFIG_ENV_VARS`. A deployment template should set nothing else (the reference template's test
 * checks it).
 */
export const LAMBDA_HANDLER_ENV_VARS: readonly string[] = [
  ...Object.keys(LAMBDA_ENV_VARS),
  ...CONFIG_ENV_VARS,
];

/** Options of {@link lambdaHandlerFromEnv}: injection points for tests and unusual setups. */
export interface LambdaHandlerFromEnvOptions {
  /** Default: `process.env`, read on the first event. */
  env?: Record<string, string | undefined>;
  /** The client {@link dynamoStore} uses (default: region and credentials from the environment). */
  dynamoClient?: DynamoDBClient;
  /** The client {@link secretsFromSecretsManager} uses. */
  secretsClient?: SecretsManagerClient;
  /** The client the async self-invocation uses. */
  lambdaClient?: LambdaClient;
  /** The client queue mode uses (`WG_SYNC_QUEUE_URL`). */
  sqsClient?: SQSClient;
  /** Overrides the JSON logger at `WG_SYNC_LOG_LEVEL`. */
  logger?: Logger;
  /** Merged over the configuration read from the environment (for instance `fetch` or `hooks`). */
  config?: Partial<SyncConfig>;
}

/** The fix the `lambda.webhook.unauthenticated` warning gives. */
const WEBHOOK_SECRET_FIX =
  'put WG_SYNC_WEBHOOK_SECRET (openssl rand -hex 32) in the Secrets Manager secret, then re-subscribe: wg-sync webhook subscribe';

/**
 * The whole Lambda deployment in one line: `export const handler = lambdaHandlerFromEnv()`.
 *
 * On the first event (never at import, so a cold start makes no network call before it is needed)
 * it reads the secrets named by `WG_SYNC_SECRET_ID` and `WG_SYNC_WEBHOOK_SECRET_ID`, merges their
 * values over the environment, builds the configuration with `loadConfigFromEnv`, stores state in
 * {@link dynamoStore} on `WG_SYNC_TABLE` and mounts the engine with {@link lambdaAdapter}
 * (async-invoke signed with a key derived from the Withings client secret, `WG_SYNC_BASE_PATH` as its
 * `basePath`). The result is kept for
 * the life of the container: a secret changed later is read by the next cold start.
 *
 * A deployment whose `WG_SYNC_WEBHOOK_SECRET` is still empty keeps working: unless
 * `WG_SYNC_ALLOW_UNAUTHENTICATED_WEBHOOK` says `false`, the handler opts in to core's
 * `allowUnauthenticatedWebhook` itself and logs a `lambda.webhook.unauthenticated` warning, with the
 * fix, at every cold start.
 *
 * If the configuration or a secret is unusable, it logs one `lambda.config.invalid` line listing
 * every problem (and the request id) and answers HTTP events without any detail: `GET`/`HEAD
 * /health` 503 `{"ok":false}`, every other route 500
 * `{"error":{"code":"INTERNAL","message":"wg-sync is not available","requestId"}}` (with
 * `x-request-id`), because whoever calls may be a stranger and the problems name ARNs and tables;
 * a `HEAD` gets the same status and headers with no body. Other events fail (so the function's
 * Errors metric sees it). The next event tries again, so a fixed secret is picked up without a
 * redeploy.
 *
 * @example
 * ```ts
 * // handler.ts, bundled for nodejs22.x
 * import { lambdaHandlerFromEnv } from '@wg-sync/adapter-lambda';
 * export const handler = lambdaHandlerFromEnv();
 * ```
 */
export function lambdaHandlerFromEnv(options: LambdaHandlerFromEnvOptions = {}): LambdaHandler {
  let ready: Promise<LambdaHandler> | undefined;
  let loadSecrets: SecretsLoader | undefined;
  let loadWebhookSecret: SecretsLoader | undefined;
  /** The values last read from the secrets, so a failure's log line can redact them too. */
  let loaded: WgSyncSecrets = {};

  const build = async (env: Record<string, string | undefined>): Promise<LambdaHandler> => {
    const problems: string[] = [];
    const tableName = env.WG_SYNC_TABLE?.trim();
    if (!tableName) problems.push(`WG_SYNC_TABLE is required (${LAMBDA_ENV_VARS.WG_SYNC_TABLE})`);
    const processing = env.WG_SYNC_PROCESSING?.trim() || 'async-invoke';
    if (processing !== 'async-invoke' && processing !== 'inline')
      problems.push('WG_SYNC_PROCESSING must be async-invoke or inline');
    const basePath = basePathOf(env);
    if (basePath !== undefined && basePathProblem(basePath))
      problems.push(`WG_SYNC_BASE_PATH: ${basePathProblem(basePath)}`);
    const queue = queueOf(env, problems);
    if (queue && processing === 'inline')
      problems.push(
        'WG_SYNC_PROCESSING=inline runs webhooks in the request: unset WG_SYNC_QUEUE_URL, or use async-invoke',
      );
    const secretId = env.WG_SYNC_SECRET_ID?.trim();
    const webhookSecretId = env.WG_SYNC_WEBHOOK_SECRET_ID?.trim();
    if (secretId) loadSecrets ??= secretsFromSecretsManager(secretId, clientOption(options.secretsClient));
    if (webhookSecretId)
      loadWebhookSecret ??= secretsFromSecretsManager(webhookSecretId, clientOption(options.secretsClient));
    // Queueing needs the Lambda SDK, which stays out of the init (see loadLambdaSdk): it loads while
    // the secrets are read. A failure here is the queueing's to report, with its own error.
    if (queue && !options.sqsClient) loadSqsSdk().catch(() => undefined);
    else if (processing === 'async-invoke' && !options.lambdaClient) loadLambdaSdk().catch(() => undefined);
    // Both reads at once: they are the cold start's only network calls before the first answer.
    const none: WgSyncSecrets = {};
    const [secrets, generated] = await Promise.all([
      loadSecrets ? loadSecrets() : none,
      loadWebhookSecret ? loadWebhookSecret() : none,
    ]);
    loaded = { ...generated, ...secrets };
    const merged: Record<string, string | undefined> = {
      ...env,
      // Only the webhook secret comes from that secret: it must not be able to replace a credential.
      ...(generated.WG_SYNC_WEBHOOK_SECRET
        ? { WG_SYNC_WEBHOOK_SECRET: generated.WG_SYNC_WEBHOOK_SECRET }
        : {}),
      ...secrets,
    };
    // Deployments from before the secret path was required have an empty one; they keep working
    // (warned at every cold start) unless the operator explicitly said no.
    const unauthenticated = !merged.WG_SYNC_WEBHOOK_SECRET?.trim() && !options.config?.webhookSecret;
    if (unauthenticated && !merged.WG_SYNC_ALLOW_UNAUTHENTICATED_WEBHOOK?.trim())
      merged.WG_SYNC_ALLOW_UNAUTHENTICATED_WEBHOOK = 'true';
    let config: SyncConfig | undefined;
    try {
      config = loadConfigFromEnv(merged);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
    }
    if (problems.length > 0 || !config || !tableName) throw new ConfigError(problems);
    const logger = options.logger ?? config.logger;
    // One queue for the engine (the schedule's enqueue) and the adapter (webhooks, manual syncs).
    const workQueue = queue
      ? sqsWorkQueue({ queueUrl: queue.queueUrl, ...clientOption(options.sqsClient) })
      : undefined;
    const sync = createSync({
      ...config,
      ...(workQueue ? { queue: workQueue } : {}),
      store: dynamoStore({
        tableName,
        logger: logger ?? jsonLogger({ level: logLevel(env) }),
        ...clientOption(options.dynamoClient),
      }),
      ...(logger ? { logger } : {}),
      ...options.config,
    });
    if (unauthenticated) {
      (logger ?? jsonLogger({ level: logLevel(env) })).warn('lambda.webhook.unauthenticated', {
        message:
          'WG_SYNC_WEBHOOK_SECRET is empty, so /webhook/withings accepts notifications from anyone who finds the URL (debounced syncs, nothing else)',
        fix: WEBHOOK_SECRET_FIX,
      });
    }
    return lambdaAdapter(sync, {
      processing: processing as 'async-invoke' | 'inline',
      signingSecret: config.withings.clientSecret,
      ...(basePath === undefined ? {} : { basePath }),
      ...(options.lambdaClient ? { lambdaClient: options.lambdaClient } : {}),
      ...(queue && workQueue ? { queue: { ...queue, workQueue, ...clientOption(options.sqsClient) } } : {}),
      ...(logger ? { logger } : {}),
    });
  };

  return async function handler(event, context) {
    const env = options.env ?? process.env;
    let adapter: LambdaHandler;
    try {
      ready ??= build(env);
      adapter = await ready;
    } catch (error) {
      ready = undefined;
      // Forget the secrets too: the usual fix is put-secret-value, and warm containers should see it.
      loadSecrets = undefined;
      loadWebhookSecret = undefined;
      const redactor = new Redactor();
      redactor.pin(...SECRET_KEYS.flatMap((name) => [env[name], loaded[name]]));
      loaded = {};
      const log = redactor.logger(options.logger ?? jsonLogger({ level: logLevel(env) }));
      return configFailure(event, context, error, { log, basePath: basePathOf(env) });
    }
    return adapter(event, context);
  };
}

function clientOption<C>(client: C | undefined): { client?: C } {
  return client ? { client } : {};
}

/** `WG_SYNC_BASE_PATH` when set (blank counts as unset, as a template parameter left empty gives). */
function basePathOf(env: Record<string, string | undefined>): string | undefined {
  return env.WG_SYNC_BASE_PATH?.trim() || undefined;
}

function logLevel(env: Record<string, string | undefined>) {
  const level = env.WG_SYNC_LOG_LEVEL?.trim();
  return level === 'debug' || level === 'warn' || level === 'error' ? level : 'info';
}

/** Where a config failure is logged, and the base path its health check is still found under. */
interface ConfigFailureReporting {
  log: Logger;
  basePath: string | undefined;
}

/**
 * The answer while wg-sync cannot start. Its problems name secret ARNs, tables and which credential
 * is missing: all of it goes to the log line, none to the caller, who may be anyone on the internet.
 */
async function configFailure(
  event: unknown,
  context: LambdaContextLike | undefined,
  error: unknown,
  { log, basePath }: ConfigFailureReporting,
) {
  const code = (error as { code?: unknown })?.code;
  const requestId = requestIdOf(context) ?? randomUUID();
  const problems =
    error instanceof ConfigError ? error.problems : [(error as Error)?.message ?? String(error)];
  log.error('lambda.config.invalid', {
    code: typeof code === 'string' ? code : 'INTERNAL',
    problems,
    requestId,
    ...(error instanceof ConfigError ? {} : { error }),
  });
  const processor = httpProcessorFor(event);
  if (!processor) throw error;
  return viaProcessor(
    processor,
    event,
    async (request) => {
      const path = new URL(request.url).pathname.replace(/\/+$/, '') || '/';
      // A health check learns that it is down, which it has to; not why.
      if (path === '/health' && (request.method === 'GET' || request.method === 'HEAD'))
        return answerTo(request, jsonResponse({ ok: false }, 503));
      return answerTo(request, errorResponse(500, 'INTERNAL', 'wg-sync is not available', { requestId }));
    },
    // A health check through the custom domain must still find /health; an unusable base path is
    // itself one of the problems, and then no path is taken for it.
    { log, requestId, ...(basePath && !basePathProblem(basePath) ? { basePath } : {}) },
  );
}
