/**
 * A typed Withings API client: OAuth 2.0 with rotating refresh tokens, measures (getmeas with
 * pagination), webhook subscriptions, weigh-in merging and webhook validation.
 *
 * @packageDocumentation
 */
export { type GetMeasuresParams, WithingsClient, type WithingsClientOptions } from './client.js';
export {
  isWithingsError,
  type NotificationErrorReason,
  WithingsApiError,
  type WithingsApiErrorCode,
  type WithingsApiErrorDetails,
  WithingsError,
  WithingsNotificationError,
  WithingsValidationError,
} from './errors.js';
export { DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT_MS, WITHINGS_API_URL } from './http.js';
export { decodeValue } from './measures.js';
export {
  MAX_NOTIFICATION_BYTES,
  notificationFromJson,
  notificationToJson,
  parseNotification,
  type WithingsNotificationJson,
} from './notification.js';
export type { NotifyApi } from './notify.js';
export {
  type AuthorizeUrlOptions,
  type ExchangeCodeOptions,
  type RefreshTokensOptions,
  type TokenRequestOptions,
  WITHINGS_ACCOUNT_URL,
  withingsOAuth,
} from './oauth.js';
export type {
  ExclusionReason,
  GetMeasuresResult,
  Measure,
  MeasureGroup,
  NotifySubscription,
  ToWeighInsOptions,
  ToWeighInsResult,
  WeighIn,
  WithingsEventNotification,
  WithingsNotification,
  WithingsTokens,
} from './types.js';
export { toWeighIns } from './weigh-ins.js';
