/**
 * The one redaction layer of wg-sync: known secret values (pinned or rotating), secret-shaped
 * strings (tickets, JWTs, Bearer credentials, `token=`/`password:` pairs, a URL's user info),
 * secret-named keys of JSON values, and short excerpts of upstream bodies. No dependencies, so every
 * other package (the Withings and Garmin clients too) can use it.
 *
 * @packageDocumentation
 */
export {
  type RedactLogFields,
  type RedactLogger,
  type RedactLogLevel,
  Redactor,
  type RedactorOptions,
} from './redactor.js';
export {
  describeUrl,
  excerpt,
  MIN_SECRET_LENGTH,
  orderSecrets,
  REDACTED,
  type RedactTextOptions,
  redact,
  redactOrdered,
  redactPatterns,
  secretForms,
} from './text.js';
export {
  MAX_DEPTH,
  type RedactedError,
  type RedactValueOptions,
  redactError,
  redactValue,
  SECRET_KEY,
  safeCause,
} from './value.js';
