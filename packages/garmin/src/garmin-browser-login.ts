import { existsSync } from 'node:fs';
import { hostForSandbox, needsNoSandbox, sandboxLaunchOptions } from './browser-sandbox.js';
import { GarminApiError, GarminBrowserLoginError } from './errors.js';
import { exchangeServiceTicket } from './exchange-service-ticket.js';
import { httpContext } from './http.js';
import { checkNewTokens } from './social-profile.js';
import type { GarminHttpOptions, GarminTokens } from './types.js';
import { garminServiceUrl, garminSignInUrl, resolveHosts } from './urls.js';

/**
 * The part of a Playwright `Page` handed to {@link GarminBrowserLoginOptions.onPage}: enough to fill
 * Garmin's form from code (tests, kiosk setups). Any Playwright `Page` fits.
 */
export interface GarminBrowserPage {
  /** Fills an input. */
  fill(selector: string, value: string): Promise<void>;
  /** Clicks an element. */
  click(selector: string): Promise<void>;
  /** Waits until an element exists. */
  waitForSelector(selector: string, options?: { timeout?: number }): Promise<unknown>;
  /** The page's current address. */
  url(): string;
}

/** Options of {@link garminBrowserLogin}. */
export interface GarminBrowserLoginOptions extends Omit<GarminHttpOptions, 'debug'> {
  /**
   * The Chromium or Chrome to start (default: `/usr/bin/chromium`, else the usual Chrome and
   * Chromium locations). A browser is never downloaded.
   */
  executablePath?: string;
  /** Run without a window (default `false`: a person has to see the page to sign in). */
  headless?: boolean;
  /** How long to wait for the sign-in, in ms (default 10 minutes). */
  loginTimeoutMs?: number;
  /** Called with the sign-in page once it is shown, e.g. to fill it from code. */
  onPage?: (page: GarminBrowserPage) => Promise<void> | void;
  /** Receives one line per step; never a credential, code, ticket or token. */
  debug?: (line: string) => void;
  /** DI client ids for the ticket exchange, newest first (default `GARMIN_DI_CLIENT_IDS`). */
  clientIds?: readonly string[];
}

/** Where {@link findBrowser} looks for Chrome or Chromium, in this order. @internal */
export const BROWSER_PATHS: readonly string[] = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
  'C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe',
];

/**
 * Logs in through Garmin's own sign-in page in a real browser (the system's Chromium or Chrome,
 * driven by the optional peer dependency `playwright-core`): the person types e-mail, password, MFA
 * code and any captcha there, so Cloudflare sees a browser. The redirect to the mobile service
 * carrying `ticket=ST-…` is intercepted inside the browser (it never leaves the machine), the ticket
 * is exchanged at once for DI tokens, and one API call proves they work.
 *
 * @throws {@link GarminBrowserLoginError} `PLAYWRIGHT_MISSING` (`npm install playwright-core`),
 *   `BROWSER_NOT_FOUND`, `BROWSER_CLOSED`, `TIMEOUT`; {@link GarminApiError} from the exchange.
 *
 * @example
 * ```ts
 * import { writeFile } from 'node:fs/promises';
 * import { garminBrowserLogin } from '@wg-sync/garmin';
 *
 * const tokens = await garminBrowserLogin(); // a window opens: sign in as usual
 * await writeFile('garmin-tokens.json', JSON.stringify(tokens), { mode: 0o600 });
 * ```
 */
export async function garminBrowserLogin(options: GarminBrowserLoginOptions = {}): Promise<GarminTokens> {
  const domain = options.domain ?? 'garmin.com';
  const hosts = resolveHosts(domain, options.urls);
  const serviceUrl = garminServiceUrl(domain);
  const executablePath = findBrowser(options.executablePath);
  const { chromium } = await loadPlaywright();
  const debug = (line: string) => {
    try {
      options.debug?.(line);
    } catch {
      // never let a logger break the login
    }
  };

  const sandbox = needsNoSandbox(hostForSandbox());
  debug(
    sandbox.needed
      ? `Chromium sandbox off (--no-sandbox): ${sandbox.reason}`
      : `Chromium sandbox on: ${sandbox.reason}`,
  );
  debug(`starting ${executablePath}`);
  let browser: Awaited<ReturnType<typeof chromium.launch>>;
  try {
    const launch = sandboxLaunchOptions(sandbox.needed);
    browser = await chromium.launch({
      executablePath,
      headless: options.headless ?? false,
      ...launch,
      args: [...launch.args, serviceHostUnresolvable(serviceUrl)],
    });
  } catch (error) {
    throw new GarminBrowserLoginError(
      'BROWSER_NOT_FOUND',
      `could not start the browser at ${executablePath}: ${firstLine(error)}`,
    );
  }
  let ticket: string;
  try {
    const signInUrl = garminSignInUrl({ domain, urls: hosts });
    ticket = await captureTicket(browser, { signInUrl, serviceUrl }, options, debug);
  } finally {
    await browser.close().catch(() => undefined);
  }
  debug('ticket captured; exchanging it');
  const tokens = await exchangeServiceTicket(ticket, {
    serviceUrl,
    domain,
    ...(options.clientIds ? { clientIds: options.clientIds } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.urls ? { urls: options.urls } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.maxResponseBytes !== undefined ? { maxResponseBytes: options.maxResponseBytes } : {}),
  });
  const ctx = httpContext(options, () => [ticket, tokens.accessToken, tokens.refreshToken]);
  await checkNewTokens(ctx, hosts.connectapi, tokens.accessToken);
  return tokens;
}

type Browser = Awaited<ReturnType<Awaited<ReturnType<typeof loadPlaywright>>['chromium']['launch']>>;

/** Where the browser signs in, and the service address whose redirect carries the ticket. */
interface TicketPages {
  signInUrl: string;
  serviceUrl: string;
}

async function captureTicket(
  browser: Browser,
  { signInUrl, serviceUrl }: TicketPages,
  options: GarminBrowserLoginOptions,
  debug: (line: string) => void,
): Promise<string> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const timeoutMs = options.loginTimeoutMs ?? 10 * 60 * 1000;
  return new Promise<string>((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | undefined, value?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(value as string);
    };
    const timer = setTimeout(
      () =>
        finish(
          new GarminBrowserLoginError(
            'TIMEOUT',
            `nobody completed the Garmin sign-in within ${Math.round(timeoutMs / 1000)} s`,
          ),
        ),
      timeoutMs,
    );
    const isService = (url: URL) => `${url.origin}${url.pathname}` === serviceUrl;
    const ticketIn = (url: string) => new URL(url).searchParams.get('ticket');
    // Playwright does not route a request that a redirect started (microsoft/playwright#33882), and
    // the ticket arrives by redirect. The browser sees the request before it fails (the service host
    // does not resolve, see serviceHostUnresolvable), so its address is read here too.
    context.on('request', (request) => {
      const url = new URL(request.url());
      const found = isService(url) ? ticketIn(request.url()) : null;
      if (found?.startsWith('ST-')) finish(undefined, found);
    });
    // The redirect to the app's service URL carries the ticket: answer it inside the browser.
    void context
      .route(isService, async (route) => {
        const found = ticketIn(route.request().url());
        await route
          .fulfill({
            status: 200,
            contentType: 'text/html',
            body: '<p>Signed in. You can close this window.</p>',
          })
          .catch(() => undefined);
        if (found?.startsWith('ST-')) finish(undefined, found);
      })
      .then(async () => {
        debug('showing the sign-in page');
        try {
          await page.goto(signInUrl);
        } catch (error) {
          throw new GarminApiError('UPSTREAM', `could not load Garmin's sign-in page: ${firstLine(error)}`);
        }
        await options.onPage?.(page);
      })
      .catch((error: unknown) => finish(error instanceof Error ? error : new Error(firstLine(error))));
    page.on('close', () =>
      finish(
        new GarminBrowserLoginError('BROWSER_CLOSED', 'the browser window was closed before signing in'),
      ),
    );
    browser.on('disconnected', () =>
      finish(new GarminBrowserLoginError('BROWSER_CLOSED', 'the browser exited before signing in')),
    );
  });
}

/**
 * The Chromium switch that makes the service URL's host unresolvable inside this browser: the
 * redirect carrying the ticket then fails on this machine, so the ticket is never sent anywhere,
 * whether or not the route above answers it.
 * @internal
 */
export function serviceHostUnresolvable(serviceUrl: string): string {
  return `--host-resolver-rules=MAP ${new URL(serviceUrl).hostname} ~NOTFOUND`;
}

/** The browser to start: the given path, else the first usual location that exists. */
export function findBrowser(explicit?: string, exists: (path: string) => boolean = existsSync): string {
  if (explicit !== undefined) {
    if (!exists(explicit)) {
      throw new GarminBrowserLoginError('BROWSER_NOT_FOUND', `no browser at executablePath ${explicit}`);
    }
    return explicit;
  }
  const found = BROWSER_PATHS.find((path) => exists(path));
  if (!found) {
    throw new GarminBrowserLoginError(
      'BROWSER_NOT_FOUND',
      'no Chromium or Chrome found: install one (Debian/Ubuntu: apt-get install chromium) or pass executablePath',
    );
  }
  return found;
}

/** Loads `playwright-core` (an optional peer dependency) only when a browser login runs. */
export async function loadPlaywright(
  importer: () => Promise<typeof import('playwright-core')> = () => import('playwright-core'),
): Promise<typeof import('playwright-core')> {
  try {
    return await importer();
  } catch (error) {
    throw new GarminBrowserLoginError(
      'PLAYWRIGHT_MISSING',
      'garminBrowserLogin needs the optional dependency playwright-core: npm install playwright-core (it uses your installed Chromium/Chrome and downloads no browser)',
      { cause: error instanceof Error ? new Error(firstLine(error)) : undefined },
    );
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n', 1)[0] ?? '';
}

// The sandbox decision lives in browser-sandbox.ts; re-exported for the code that tests it here.
export {
  hostForSandbox,
  needsNoSandbox,
  type SandboxHost,
  sandboxLaunchOptions,
} from './browser-sandbox.js';
