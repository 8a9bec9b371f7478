import { type SyncConfig, upstreamOverrides, upstreamUrlProblem } from '@wg-sync/core';
import type { Env } from './environment.js';
import { CliError, EXIT, upstreamFix } from './errors.js';

/** The variable behind each of core's override option names, and what travels to it. */
const OVERRIDES: Record<string, { variable: string; what: string }> = {
  'withings.baseUrl': { variable: 'WITHINGS_BASE_URL', what: 'Withings calls (and your tokens)' },
  'garmin.urls.sso': { variable: 'GARMIN_SSO_URL', what: 'Garmin sign-ins (and your password)' },
  'garmin.urls.diauth': { variable: 'GARMIN_DIAUTH_URL', what: 'Garmin token exchanges (and your tokens)' },
  'garmin.urls.connectapi': {
    variable: 'GARMIN_CONNECTAPI_URL',
    what: 'Garmin Connect calls (and your tokens)',
  },
  'intervals.baseUrl': { variable: 'INTERVALS_BASE_URL', what: 'intervals.icu calls (and your API key)' },
};

/** Scheme, host and port only: a proxy's path or userinfo may carry a credential. */
function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(not a URL)';
  }
}

/**
 * One line per upstream the configuration moves away from Withings or Garmin (simulators, proxies).
 * Tokens, the client secret and passwords go there, so an override that someone else set (a
 * planted env file, an inherited environment) must not go unnoticed. Said at every command.
 */
export function upstreamWarnings(config: SyncConfig, env: Env): string[] {
  const lines = upstreamOverrides(config).map(([option, url]) => {
    const known = OVERRIDES[option] ?? { variable: option, what: 'upstream calls' };
    return `wg-sync: warning: ${known.variable} points ${known.what} at ${origin(url)}`;
  });
  if (env.WITHINGS_ACCOUNT_URL) {
    lines.push(
      `wg-sync: warning: WITHINGS_ACCOUNT_URL points the Withings consent page (where you sign in) at ${origin(env.WITHINGS_ACCOUNT_URL)}`,
    );
  }
  return lines;
}

/**
 * `WITHINGS_ACCOUNT_URL` is the CLI's own (core does not read it): the same rule as core's
 * overrides, https or plain http to this machine, since the person signs in to Withings there.
 */
export function checkAccountUrl(env: Env): void {
  const value = env.WITHINGS_ACCOUNT_URL;
  if (!value) return;
  const problem = upstreamUrlProblem(value);
  if (!problem) return;
  throw new CliError(`configuration: WITHINGS_ACCOUNT_URL ${problem}`, {
    exitCode: EXIT.USAGE,
    fix: upstreamFix(['WITHINGS_ACCOUNT_URL']),
  });
}
