/**
 * FIT weight files for Garmin Connect, built on Garmin's official `@garmin/fitsdk`.
 *
 * Loading this package loads the SDK's ~900 KB profile. On a latency-critical path (a webhook, a
 * Lambda cold start) load it only when a file is actually built: `await import('@wg-sync/fit')`.
 *
 * @packageDocumentation
 */
export { decodeWeightFit } from './decode.js';
export { encodeWeightFit } from './encode.js';
export {
  FitDecodeError,
  type FitDecodeErrorCode,
  FitEncodeError,
  type FitEncodeErrorCode,
  FitError,
} from './errors.js';
export type { DecodedWeightFit, EncodeWeightFitOptions, WeightEntry } from './types.js';
