/**
 * The wg-sync engine: Withings → Garmin weigh-in sync with an idempotency ledger, read-back
 * verification, per-user leases, pluggable state stores, alerts, a doctor, and one Web-standard
 * HTTP handler for every adapter.
 *
 * @packageDocumentation
 */

export {
  type SyncConfig,
  type SyncHooks,
  upstreamOverrides,
  upstreamUrlProblem,
} from './config/config.js';
export { CONFIG_ENV_VARS, loadConfigFromEnv } from './config/config-from-env.js';
export { GENERATE_SECRET_HINT, weakSecretReason } from './config/secret-strength.js';
export {
  type BackfillOptions,
  createSync,
  type GarminTools,
  type Sync,
  type SyncRecentOptions,
} from './create-sync.js';
// The destination plug-in interface.
export type * from './destinations/destination.js';
export {
  GARMIN_BODY_FIELDS,
  GARMIN_DEDUPE_CHUNK_DAYS,
  GARMIN_DEDUPE_DEFAULT_DAYS,
  type GarminBodyField,
  type GarminDedupeDeleted,
  type GarminDedupeFailure,
  type GarminDedupeGroup,
  type GarminDedupeLedgerRewrite,
  type GarminDedupeOptions,
  type GarminDedupeReport,
  type GarminDedupeSample,
} from './destinations/garmin/dedupe-plan.js';
export {
  GARMIN_LOGIN_COOLDOWN,
  type GarminLoginCooldown,
  GarminLoginCooldownError,
  type GarminLoginCooldownOptions,
  type GarminLoginCooldownState,
  garminLoginCooldown,
  garminLoginCooldownKey,
} from './destinations/garmin/login-cooldown.js';
export { FIELD_MAP, type GarminWeightEntry } from './destinations/garmin/weight-entry.js';
export type { AccountSummary, Accounts } from './engine/accounts.js';
export type { HeldFields, HeldReason, HeldWeighIn, HeldWeighIns } from './engine/held.js';
export {
  type DeadLetter,
  type InProcessQueue,
  type InProcessQueueOptions,
  inProcessQueue,
} from './engine/in-process-queue.js';
export type { BackfillProgress } from './engine/run.js';
export { type EnqueueOptions, type EnqueueReport, reconcileSlot } from './engine/slots.js';
export { WithingsBudgetError, type WithingsBudgetPriority } from './engine/withings-budget.js';
export type { WorkFailureCode, WorkOutcome, WorkQueue } from './engine/work.js';
export type { SyncWork } from './engine/work-api.js';
export {
  MAX_WORK_MESSAGE_BYTES,
  parseWorkMessage,
  type WorkMessage,
  WorkMessageError,
  workMessageToJson,
} from './engine/work-message.js';
export {
  isSyncErrorCode,
  needsSignIn,
  SYNC_ERROR_CODES,
  type SyncErrorCode,
} from './error-codes.js';
export {
  AccountNotFoundError,
  ConfigError,
  HeldNotFoundError,
  isSyncError,
  isSyncErrorWithCode,
  StoreConflictError,
  StoreCorruptError,
  StoreError,
  StoreInsecureError,
  SyncError,
  UserIdRequiredError,
} from './errors.js';
export type { HandlerContext, ManualSyncRequest } from './http/handler.js';
export { type ErrorResponseOptions, errorResponse, jsonResponse } from './http/responses.js';
export { type WholeResponseParts, wholeResponseParts } from './http/whole-response.js';
export type { DestinationHolding, SyncOutcome } from './observability/activity.js';
export {
  jsonLogger,
  type LogFields,
  type Logger,
  type LogLevel,
  silentLogger,
} from './observability/logger.js';
export { Redactor } from './observability/redact.js';
export type {
  AlertType,
  DeletedEntry,
  DeletionCheck,
  DestinationResult,
  DoctorCheck,
  DoctorReport,
  EditedEntry,
  FailedEntry,
  HeldChanges,
  ReconcileFailure,
  ReconcileReport,
  SkippedEntry,
  SkipReason,
  SyncAlert,
  SyncedEntry,
  SyncReport,
  SyncTrigger,
} from './observability/report.js';
export type {
  AccountHealth,
  AccountStatus,
  CredentialStatus,
  StatusOptions,
  StatusReport,
  TrendPoint,
} from './observability/status.js';
export { fileStore } from './store/file-store.js';
// Long listings a page at a time (listPages), and the built-in stores' paging helpers for yours.
export { KeySelection, listPages, pageRequest } from './store/list-pages.js';
export { makeDirectories } from './store/make-directories.js';
export { memoryStore } from './store/memory-store.js';
export { defaultConfigDir, defaultStateDir } from './store/state-dir.js';
// For StateStore implementations (dynamoStore, your own): the same key rules and first versions.
export {
  assertValidKey,
  firstVersion,
  type ListPage,
  type ListPageOptions,
  type PutOptions,
  type StateStore,
  type VersionedValue,
} from './store/state-store.js';
