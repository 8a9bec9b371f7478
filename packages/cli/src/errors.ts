import { needsSignIn } from '@wg-sync/core';

/** Exit codes of the `wg-sync` command (documented in the README). */
export const EXIT = {
  /** Done, nothing failed. */
  OK: 0,
  /** Done, but something failed: a sync with failed entries, a doctor check that failed. */
  FAILED: 1,
  /** Wrong usage or configuration (a missing variable, a bad flag). */
  USAGE: 2,
  /** A person must sign in or authorize again (Withings or Garmin). */
  AUTH: 3,
  /** An upstream refused or could not be reached (rate limit, Cloudflare block, network). */
  UPSTREAM: 4,
  /** The state store failed (corrupt file, permissions, unreachable table). */
  STORE: 5,
} as const;

/** An error the CLI prints as one line plus the fix, then exits with `exitCode`. */
export class CliError extends Error {
  readonly exitCode: number;
  readonly fix?: string;

  constructor(message: string, options: { exitCode?: number; fix?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.exitCode = options.exitCode ?? EXIT.FAILED;
    if (options.fix) this.fix = options.fix;
  }
}

/**
 * Sign in again (exit 3): core's rule ({@link needsSignIn}: the stored credentials are refused for
 * good), and at a terminal also a sign-in that just failed (`MFA_INVALID`) and a token refused right
 * after a refresh (`AUTH_EXPIRED`, `INVALID_TOKEN`), which the engine only retries on its next sync.
 */
const signInCode = (code: unknown): code is string =>
  needsSignIn(code) || code === 'MFA_INVALID' || code === 'AUTH_EXPIRED' || code === 'INVALID_TOKEN';
const UPSTREAM_CODES = new Set([
  'RATE_LIMITED',
  'BLOCKED',
  'UPSTREAM',
  'TIMEOUT',
  'PROTOCOL',
  'FORBIDDEN',
  'CALLBACK_UNREACHABLE',
]);
const STORE_CODES = new Set(['STORE_CORRUPT', 'STORE_UNAVAILABLE', 'STORE_CONFLICT', 'STORE_INSECURE']);

/** Which upstream an error (or a report's failed entry) is about: its `side`, its class, its words. */
function sideOf(error: unknown, line: string): 'withings' | 'garmin' | undefined {
  const side = (error as { side?: unknown })?.side;
  if (side === 'withings' || side === 'garmin') return side;
  const name = String((error as { name?: unknown })?.name ?? '');
  if (name.startsWith('Garmin')) return 'garmin';
  if (name.startsWith('Withings')) return 'withings';
  const missing = /no (garmin|withings) session/i.exec(line)?.[1]?.toLowerCase();
  return missing === 'garmin' || missing === 'withings' ? missing : undefined;
}

/** The one command that signs in again on that side (both only when the side is unknown). */
function signInAgain(code: string, side: 'withings' | 'garmin' | undefined): string {
  if (side === 'garmin') {
    return code === 'INVALID_CREDENTIALS'
      ? 'check the e-mail and password, then sign in again: wg-sync garmin login'
      : 'sign in again: wg-sync garmin login';
  }
  if (side === 'withings') return 'authorize again: wg-sync withings auth';
  return 'sign in again: wg-sync withings auth / wg-sync garmin login';
}

/** A report's failed entry (`SyncReport.failed[]`): its code, message and side. */
export interface FailedEntryLike {
  code: string;
  message: string;
  side?: 'withings' | 'garmin';
}

const PRIORITY = [EXIT.STORE, EXIT.AUTH, EXIT.USAGE, EXIT.UPSTREAM, EXIT.FAILED] as const;

/**
 * The exit code of a run whose reports list `failed` entries (0 when none): the documented code of
 * the most pressing one, store (5) before sign in again (3), usage (2), upstream (4), else 1, and
 * that entry, whose line and fix go to stderr.
 */
export function failureOutcome(failed: readonly FailedEntryLike[]): {
  exitCode: number;
  entry?: FailedEntryLike;
} {
  const rank = (exitCode: number) => (PRIORITY as readonly number[]).indexOf(exitCode);
  let best: { exitCode: number; entry: FailedEntryLike } | undefined;
  for (const entry of failed) {
    const { exitCode } = explain(entry);
    if (!best || rank(exitCode) < rank(best.exitCode)) best = { exitCode, entry };
  }
  return best ?? { exitCode: EXIT.OK };
}

/** The variables that move an upstream away from Withings or Garmin (simulators, proxies). */
export const UPSTREAM_VARIABLES = [
  'WITHINGS_BASE_URL',
  'GARMIN_SSO_URL',
  'GARMIN_DIAUTH_URL',
  'GARMIN_CONNECTAPI_URL',
  'INTERVALS_BASE_URL',
  'WITHINGS_ACCOUNT_URL',
] as const;

/** The fix for refused override variables: what they are for, and the two ways out. */
export function upstreamFix(variables: readonly string[]): string {
  const them = variables.length > 1 ? 'them' : 'it';
  return `${variables.join(', ')} move${variables.length > 1 ? '' : 's'} where wg-sync sends tokens and passwords (for simulators and proxies): unset ${them} to use Withings and Garmin, or use https (plain http only to 127.0.0.1 / localhost)`;
}

/** Turns any error into the line, the fix and the exit code the CLI shows. */
export function explain(error: unknown): { message: string; fix?: string; exitCode: number } {
  if (error instanceof CliError)
    return { message: error.message, ...(error.fix ? { fix: error.fix } : {}), exitCode: error.exitCode };
  const code = (error as { code?: unknown })?.code;
  const text = (error as { message?: unknown })?.message;
  const message = (typeof text === 'string' ? text : String(error)).split('\n');
  // citty's own argument errors (the checks in argv.ts come first, so rarely seen).
  if ((error as Error)?.name === 'CLIError') {
    return { message: message[0] ?? '', fix: 'see: wg-sync --help', exitCode: EXIT.USAGE };
  }
  if (code === 'INVALID_CONFIG') {
    const problems = (error as { problems?: unknown }).problems;
    const upstream = (Array.isArray(problems) ? problems : [])
      .map((p) => String(p).split(' ')[0] ?? '')
      .filter((name) => (UPSTREAM_VARIABLES as readonly string[]).includes(name));
    return {
      message: `configuration: ${message
        .slice(1)
        .map((l) => l.replace(/^\s*-\s*/, ''))
        .join('; ')}`,
      fix:
        upstream.length > 0
          ? upstreamFix(upstream)
          : 'set the variables in the environment, in ~/.config/wg-sync/config.env or in a file passed with --env-file (every variable: wg-sync help env)',
      exitCode: EXIT.USAGE,
    };
  }
  if (code === 'USER_ID_REQUIRED' || code === 'ACCOUNT_NOT_FOUND') {
    return {
      message: message[0] ?? '',
      fix: 'pass --user <Withings user id> (wg-sync accounts lists them)',
      exitCode: EXIT.USAGE,
    };
  }
  if (code === 'UNLINKED') {
    return { message: message[0] ?? '', fix: 'link again: wg-sync withings auth', exitCode: EXIT.AUTH };
  }
  if (signInCode(code)) {
    const line = message[0] ?? '';
    const side = sideOf(error, line);
    return {
      message: line,
      // A refused DI client id looks like any refused ticket; say what to change if it keeps happening.
      fix:
        /client id/i.test(line) && side !== 'withings'
          ? 'sign in again: wg-sync garmin login. If it fails at this step every time, Garmin has rotated its client ids: put the new one first with --client-ids or WG_SYNC_GARMIN_CLIENT_IDS (see the @wg-sync/garmin README, "When Garmin changes something")'
          : signInAgain(code, side),
      exitCode: EXIT.AUTH,
    };
  }
  // The browser sign-in's own failures, in the CLI's words (its flag, not the library option).
  if ((error as Error)?.name === 'GarminBrowserLoginError') {
    const line = (message[0] ?? '').replaceAll('executablePath', '--executable-path');
    if (code === 'BROWSER_NOT_FOUND') {
      return {
        message: line,
        fix: 'install Chromium (Debian/Ubuntu: apt-get install chromium) or Chrome, or pass --executable-path <path to it>',
        exitCode: EXIT.USAGE,
      };
    }
    if (code === 'BROWSER_CLOSED' || code === 'TIMEOUT') {
      return {
        message: line,
        fix: 'sign in again: wg-sync garmin login --method browser',
        exitCode: EXIT.AUTH,
      };
    }
  }
  if (code === 'IMPIT_MISSING' || code === 'IMPIT_UNAVAILABLE') {
    return {
      message: message[0] ?? '',
      fix: 'install it next to wg-sync (npm install -g impit), or sign in without it: wg-sync garmin login --method browser',
      exitCode: EXIT.USAGE,
    };
  }
  // playwright-core is an optional peer: `sync` and `serve` never need it, so it is not installed with the CLI.
  if (code === 'PLAYWRIGHT_MISSING') {
    return {
      message: 'the browser sign-in needs playwright-core, which is not installed',
      fix: 'install it next to wg-sync (npm install -g playwright-core; it downloads no browser), or sign in without it: wg-sync garmin login (--method mobile or ticket)',
      exitCode: EXIT.USAGE,
    };
  }
  if (code === 'LOGIN_COOLDOWN') {
    return {
      message: message[0] ?? '',
      fix: 'wait until the time above, or sign in from a home network with wg-sync garmin login --method browser; --force sends anyway',
      exitCode: EXIT.UPSTREAM,
    };
  }
  if (typeof code === 'string' && UPSTREAM_CODES.has(code)) {
    const fix =
      code === 'BLOCKED'
        ? 'Garmin blocks scripted sign-ins from this network: use wg-sync garmin login --method browser'
        : code === 'RATE_LIMITED'
          ? 'wait a while (minutes to hours for Garmin sign-ins) and try again'
          : 'try again later; wg-sync doctor shows what works';
    return { message: message[0] ?? '', fix, exitCode: EXIT.UPSTREAM };
  }
  if (typeof code === 'string' && STORE_CODES.has(code)) {
    return {
      message: message[0] ?? '',
      fix:
        code === 'STORE_CORRUPT'
          ? 'fix or remove the entry named above; nothing was changed'
          : code === 'STORE_INSECURE'
            ? 'make the entry named above yours and private (the chmod/chown in the message), or remove it if you did not put it there'
            : /state directory/.test(message[0] ?? '')
              ? 'pass --store file:<a directory you can create and write> (or fix WG_SYNC_STORE / WG_SYNC_STATE_DIR)'
              : 'check that the store is reachable: the state directory and its permissions, or the DynamoDB table name, AWS region and credentials',
      exitCode: EXIT.STORE,
    };
  }
  if (error instanceof RangeError || error instanceof TypeError)
    return { message: message[0] ?? '', exitCode: EXIT.USAGE };
  return { message: message[0] ?? 'unexpected error', exitCode: EXIT.FAILED };
}
