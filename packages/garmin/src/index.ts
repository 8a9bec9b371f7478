/**
 * A Garmin Connect client that works after Garmin's 2026 auth change: log in once (mobile JSON
 * sign-in with MFA, or a real browser, or a pasted service ticket), exchange the ticket for DI
 * OAuth2 tokens, then live on rotating refresh tokens and Bearer API calls: upload FIT weigh-ins,
 * list and delete weigh-ins, write blood pressure.
 *
 * @packageDocumentation
 */
export type { GarminBloodPressure, GarminBloodPressureInput } from './blood-pressure.js';
export {
  GARMIN_VERIFY_DEFAULTS,
  type GarminReadBackItem,
  type GarminReadBackOptions,
  type GarminVerifyOptions,
} from './confirm-weigh-ins.js';
export {
  GarminApiError,
  type GarminApiErrorOptions,
  GarminBrowserLoginError,
  type GarminBrowserLoginErrorCode,
  type GarminErrorCode,
  GarminUploadError,
  type GarminUploadFailure,
  isGarminApiError,
} from './errors.js';
export { type ExchangeServiceTicketOptions, exchangeServiceTicket } from './exchange-service-ticket.js';
export {
  type GarminBrowserLoginOptions,
  type GarminBrowserPage,
  garminBrowserLogin,
} from './garmin-browser-login.js';
export { GarminClient } from './garmin-client.js';
export type {
  AddBodyCompositionOptions,
  GarminBodyCompositionResult,
  GarminClientOptions,
} from './garmin-client-options.js';
export { type GarminLoginOptions, type GarminMfaPrompt, garminLogin } from './garmin-login.js';
// Types only: `impitFetch` and `GarminImpitError` live in `@wg-sync/garmin/impit`, which the main
// entry never loads (cold start stays lean, and `impit` stays optional).
export type { GarminImpitErrorCode, ImpitFetchOptions } from './impit.js';
export { importGarminTokens } from './import-garmin-tokens.js';
export { GARMIN_NATIVE_HEADERS } from './native-headers.js';
export { type RefreshGarminTokensOptions, refreshGarminTokens } from './refresh-garmin-tokens.js';
export type { GarminRetryOptions } from './retry.js';
export type { GarminDomain, GarminHttpOptions, GarminTokens, GarminUrls } from './types.js';
export type { GarminUploadResult } from './upload-result.js';
export {
  GARMIN_DI_CLIENT_IDS,
  GARMIN_SSO_CLIENT_ID,
  GARMIN_SSO_USER_AGENT,
  garminServiceUrl,
  garminSignInUrl,
} from './urls.js';
export type { GarminWeighIn } from './weigh-ins.js';
