/**
 * Run wg-sync on AWS Lambda: {@link lambdaAdapter} mounts the engine's one HTTP handler on API
 * Gateway (REST and HTTP APIs) and Function URLs, runs `reconcile` on a schedule and processes
 * webhooks, manual syncs and each account's reconcile through an SQS work queue
 * ({@link sqsWorkQueue}; a signed asynchronous self-invocation without one); {@link dynamoStore} keeps the state in
 * DynamoDB; {@link secretsFromSecretsManager} reads the static credentials; and
 * {@link lambdaHandlerFromEnv} wires all of it from environment variables in one line.
 *
 * @packageDocumentation
 */
export { DEFERRED_SYNC_RESERVE_SECONDS } from './async/run-async-notification.js';
export { type CreateDynamoTableOptions, createDynamoTable } from './create-dynamo-table.js';
export { DYNAMO_TABLE_SCHEMA, type DynamoStoreOptions, dynamoStore } from './dynamo-store.js';
export {
  AsyncEventRejectedError,
  type AsyncRejectionReason,
  LambdaAdapterError,
  type LambdaAdapterErrorCode,
  SecretsManagerError,
  UnknownEventError,
  type UnknownEventType,
} from './errors.js';
export { type LambdaAdapterOptions, type LambdaQueueOptions, lambdaAdapter } from './lambda-adapter.js';
export type {
  ApiGatewayV1Event,
  ApiGatewayV1Result,
  ApiGatewayV2Event,
  ApiGatewayV2Result,
  LambdaAdapterResult,
  LambdaContextLike,
  LambdaEventResult,
  LambdaHandler,
  ManualSyncedResult,
  ManualSyncRejectedResult,
  NotificationRejectedResult,
  NotificationSyncedResult,
  ReconcileEnqueuedResult,
  ReconcileResult,
  ScheduledEvent,
} from './lambda-events.js';
export {
  LAMBDA_ENV_VARS,
  LAMBDA_HANDLER_ENV_VARS,
  type LambdaHandlerFromEnvOptions,
  lambdaHandlerFromEnv,
} from './lambda-handler-from-env.js';
export { ReconcileFailedError, type ReconcileFailureSummary } from './scheduled-event.js';
export {
  SECRET_KEYS,
  type SecretKey,
  type SecretsFromSecretsManagerOptions,
  type SecretsLoader,
  secretsFromSecretsManager,
  type WgSyncSecrets,
} from './secrets-from-secrets-manager.js';
export { isSqsEvent, type SqsBatchResult, type SqsEvent, type SqsRecord } from './sqs/sqs-event.js';
export { type SqsWorkQueueOptions, sqsWorkQueue } from './sqs/sqs-work-queue.js';
