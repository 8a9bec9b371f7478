import { needsSignIn } from '../error-codes.js';
import type { HealthRecord } from '../store/state.js';
import type { DoctorCheck } from './report.js';

// Doctor's findings in plain words: what a recorded failure means and the one fix that helps.

/** Garmin failures in plain words, with the one fix that helps (undefined: nothing specific to say). */
export function garminProblem(code: string, message: string): { what: string; fix: string } | undefined {
  const signIn = 'sign in again: wg-sync garmin login (or --method browser)';
  if (needsSignIn(code) && CLIENT_ID_REFUSED.test(message)) {
    return {
      what: 'the Garmin DI client id was refused (Garmin retires them about quarterly)',
      fix: `set WG_SYNC_GARMIN_CLIENT_IDS to a current id (newest first), then ${signIn}`,
    };
  }
  if (code === 'AUTH_EXPIRED' || (code === 'REAUTH_REQUIRED' && TOKEN_NOT_ACTIVE.test(message))) {
    return { what: 'Garmin issued a token it then refused (401 right after a refresh)', fix: signIn };
  }
  if (needsSignIn(code)) {
    return {
      what: 'Garmin refused the sign-in: the stored refresh token was refused (expired, or used by another process)',
      fix: signIn,
    };
  }
  if (code === 'RATE_LIMITED') {
    return {
      what: 'Garmin is rate-limiting wg-sync',
      fix: "wait and run wg-sync doctor again later; do not sign in again in a loop (each attempt re-arms Garmin's limit)",
    };
  }
  if (code === 'BLOCKED') {
    return {
      what: 'Cloudflare blocked the request to Garmin',
      fix: 'try again later; sign in with --method browser',
    };
  }
  return undefined;
}

const CLIENT_ID_REFUSED = /invalid_client|unauthorized_client|client id/i;
/** `@wg-sync/garmin`'s words for a refreshed token its API refused (checked after a refresh, protocol §10). */
const TOKEN_NOT_ACTIVE = /token not active|refused both new access tokens|freshly refreshed token/i;

/** The last sync's error when nothing succeeded since, in plain words. */
export function lastErrorCheck(
  error: { code: string; message: string; at: string; side?: 'withings' | 'garmin' },
  health: HealthRecord,
): DoctorCheck {
  const { code, message, at } = error;
  const missing = /no (garmin|withings) session/i.exec(message)?.[1]?.toLowerCase();
  if (missing) {
    return fail(
      'last error',
      `the last sync on ${at} found no ${missing === 'garmin' ? 'Garmin' : 'Withings'} session (${code})`,
      missing === 'garmin' ? 'sign in: wg-sync garmin login' : 'authorize: wg-sync withings auth',
    );
  }
  // Records written before `side` existed only have the message to go by.
  const garminSide = error.side
    ? error.side === 'garmin'
    : health.reauth?.garmin !== undefined || /garmin|cloudflare|connectapi|diauth/i.test(message);
  const reauth = needsSignIn(code);
  if (reauth && !garminSide) {
    return fail(
      'last error',
      `Withings refused the authorization on ${at} (${code}: ${message})`,
      'authorize again: wg-sync withings auth',
    );
  }
  const plain = garminSide ? garminProblem(code, message) : undefined;
  if (plain) {
    const failing = reauth || code === 'AUTH_EXPIRED';
    return (failing ? fail : warn)(
      'last error',
      `the last sync on ${at} failed: ${plain.what} (${code}: ${message})`,
      plain.fix,
    );
  }
  return warn(
    'last error',
    `the last sync on ${at} failed (${code}: ${message}); it is retried on the next sync`,
    'if it persists, run: wg-sync sync --verbose',
  );
}

/** One doctor check line. */
export const ok = (name: string, detail: string): DoctorCheck => ({ name, status: 'ok', detail });
export const warn = (name: string, detail: string, fix: string): DoctorCheck => ({
  name,
  status: 'warn',
  detail,
  fix,
});
export const fail = (name: string, detail: string, fix: string): DoctorCheck => ({
  name,
  status: 'fail',
  detail,
  fix,
});
