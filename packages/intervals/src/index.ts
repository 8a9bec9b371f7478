/**
 * A typed intervals.icu client for wellness records (weight, body fat, blood pressure): Basic
 * `API_KEY:<key>` auth, partial `PUT`s, one record per day in the athlete's time zone, typed errors
 * that never carry the key.
 *
 * @packageDocumentation
 */
export { IntervalsClient, type IntervalsClientOptions } from './client.js';
export { isDay, wellnessDay, wellnessDayBounds } from './days.js';
export {
  IntervalsApiError,
  type IntervalsApiErrorCode,
  type IntervalsApiErrorDetails,
  IntervalsError,
  isIntervalsError,
} from './errors.js';
export {
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_MAX_RETRY_WAIT_MS,
  DEFAULT_RETRIES,
  DEFAULT_RETRY_DELAY_MS,
  DEFAULT_TIMEOUT_MS,
  INTERVALS_API_URL,
} from './http.js';
export {
  CLEAR,
  type IntervalsAthlete,
  type IntervalsWellness,
  type IntervalsWellnessUpdate,
  type ListWellnessParams,
} from './types.js';
