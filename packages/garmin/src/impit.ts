/**
 * An optional transport for the sign-in: a `fetch` built on `impit` (Apify; Rust, prebuilt
 * binaries), which presents a real browser's TLS and HTTP/2 fingerprint. Since March 2026
 * Cloudflare answers most credential logins from non-browser TLS stacks (Node's included) with 429
 * or a challenge (protocol §1.11); python-garminconnect gets through with impersonation.
 *
 * A separate entry point (`@wg-sync/garmin/impit`) so that the main entry never loads it, and
 * `impit` is an optional peer dependency: install it only where you sign in.
 *
 * @example
 * ```ts
 * import { garminLogin } from '@wg-sync/garmin';
 * import { impitFetch } from '@wg-sync/garmin/impit';
 *
 * const tokens = await garminLogin({ email, password, fetch: impitFetch() });
 * ```
 *
 * @packageDocumentation
 */
import { createRequire } from 'node:module';

/** Why {@link impitFetch} could not build the transport. */
export type GarminImpitErrorCode =
  /** The `impit` package is not installed. */
  | 'IMPIT_MISSING'
  /** It is installed but did not load (no native binary for this platform) or refused the options. */
  | 'IMPIT_UNAVAILABLE';

/** {@link impitFetch} failed on this machine, before anything was sent to Garmin. */
export class GarminImpitError extends Error {
  /** What went wrong; see {@link GarminImpitErrorCode}. */
  readonly code: GarminImpitErrorCode;

  constructor(code: GarminImpitErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Options of {@link impitFetch}. */
export interface ImpitFetchOptions {
  /**
   * The browser whose fingerprint to present, one of impit's names (`ios18`, `chrome`, `firefox`,
   * `chrome142`, …). Default `ios18`: the sign-in's user agent is the iOS app's, and Safari's
   * fingerprint got through where Chrome's was rate-limited (protocol §1.11).
   */
  browser?: string;
  /** An HTTP(S) or SOCKS proxy for every request of this transport. */
  proxyUrl?: string;
  /** Accept invalid TLS certificates (for a local intercepting proxy only). */
  ignoreTlsErrors?: boolean;
  /**
   * Loads the `impit` module (default: `require('impit')` resolved from this package). Tests
   * inject one to simulate a machine without it.
   */
  load?: () => unknown;
}

interface ImpitModule {
  Impit: new (
    options: Record<string, unknown>,
  ) => {
    fetch(input: unknown, init?: unknown): Promise<unknown>;
  };
}

/**
 * A `fetch` for `garminLogin` (or any function here taking `fetch`) whose connections look
 * like a browser's to Cloudflare. Meant for the sign-in only: token refreshes and API calls work
 * with the default `fetch`. Redirects are never followed (the callers refuse them anyway), cookies
 * are not kept by impit (the login keeps its own jar), and the headers the caller sets win over
 * impit's browser headers.
 *
 * @throws {@link GarminImpitError} `IMPIT_MISSING` when `impit` is not installed (the message says
 *   `npm install impit`), `IMPIT_UNAVAILABLE` when it cannot load here or refuses the options.
 *
 * @example
 * ```ts
 * import { garminLogin } from '@wg-sync/garmin';
 * import { impitFetch } from '@wg-sync/garmin/impit';
 *
 * const tokens = await garminLogin({ email, password, fetch: impitFetch({ browser: 'ios18' }) });
 * ```
 */
export function impitFetch(options: ImpitFetchOptions = {}): typeof fetch {
  const loaded = loadImpit(options.load ?? defaultLoad);
  let impit: InstanceType<ImpitModule['Impit']>;
  try {
    impit = new loaded.Impit({
      browser: options.browser ?? 'ios18',
      followRedirects: false,
      ...(options.proxyUrl ? { proxyUrl: options.proxyUrl } : {}),
      ...(options.ignoreTlsErrors ? { ignoreTlsErrors: true } : {}),
    });
  } catch (error) {
    throw new GarminImpitError('IMPIT_UNAVAILABLE', `impit refused the options: ${firstLine(error)}`, {
      cause: error,
    });
  }
  const impitFetchFn = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    try {
      return (await impit.fetch(input, init)) as Response;
    } catch (error) {
      throw asFetchError(error);
    }
  };
  return impitFetchFn as typeof fetch;
}

function defaultLoad(): unknown {
  return createRequire(import.meta.url)('impit');
}

function loadImpit(load: () => unknown): ImpitModule {
  let loaded: unknown;
  try {
    loaded = load();
  } catch (error) {
    if (isMissing(error)) {
      throw new GarminImpitError(
        'IMPIT_MISSING',
        'the impit transport needs the optional package impit: run `npm install impit` (prebuilt binaries for Linux, macOS and Windows on x64 and arm64), or leave out the impit transport',
        { cause: error },
      );
    }
    throw new GarminImpitError(
      'IMPIT_UNAVAILABLE',
      `impit is installed but does not load on ${process.platform}-${process.arch}: ${firstLine(error)}. Reinstall it on this machine (npm install impit) so npm picks its native binary, or leave out the impit transport`,
      { cause: error },
    );
  }
  const candidate = loaded as Partial<ImpitModule> | undefined;
  if (typeof candidate?.Impit !== 'function') {
    throw new GarminImpitError(
      'IMPIT_UNAVAILABLE',
      'the installed impit has no Impit class; install a supported version (npm install impit@0.14)',
    );
  }
  return candidate as ImpitModule;
}

/** Only a missing `impit` itself: a missing native sub-package is "installed but unavailable". */
function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return (
    code === 'MODULE_NOT_FOUND' && /Cannot find module ['"]impit['"]/.test(String((error as Error).message))
  );
}

/**
 * impit's transport errors carry a multi-line Rust debug dump; give callers what `fetch` gives:
 * a TypeError whose cause has a one-line message and, for a refused connection, `ECONNREFUSED`
 * (which tells callers the request never reached the server). Aborts and timeouts pass through.
 */
function asFetchError(error: unknown): unknown {
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')) return error;
  const text = String(error instanceof Error ? error.message : error);
  const cause = Object.assign(
    new Error(`${(error as Error)?.constructor?.name ?? 'impit'}: ${firstLine(error)}`),
    {
      ...(/ConnectionRefused/.test(text) ? { code: 'ECONNREFUSED' } : {}),
    },
  );
  return new TypeError('fetch failed (impit)', { cause });
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split('\n')[0] ?? '').trim().slice(0, 200);
}
