import { type GarminSim, SYSTEM_CHROMIUM_PATHS, testChromium } from '@wg-sync/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_PATHS, findBrowser, loadPlaywright } from '../src/garmin-browser-login.js';
import { GarminBrowserLoginError, GarminClient, garminBrowserLogin } from '../src/index.js';
import { EMAIL, failure, PASSWORD, requestsTo, useSim } from './helpers.js';

// Real Chromium: WG_SYNC_CHROMIUM, a system one, or the one the install brings (@sparticuz/chromium,
// a devDependency). Never skipped: without a browser these tests fail, which is the point.
const BROWSER_TIMEOUT = 60_000;
let executablePath = '';
beforeAll(async () => {
  ({ executablePath } = await testChromium());
}, BROWSER_TIMEOUT);

type BrowserLoginOptions = Parameters<typeof garminBrowserLogin>[0];

/** garminBrowserLogin in the test Chromium, headless, against the simulator `sim`. */
const browserLogin = (sim: GarminSim, options: Partial<BrowserLoginOptions> = {}) =>
  garminBrowserLogin({ executablePath, headless: true, urls: sim.urls, ...options });

describe('garminBrowserLogin in headless Chromium against the simulator’s sign-in page', () => {
  it(
    'signs in with MFA, captures ticket=ST-… from the redirect inside the browser, exchanges it',
    async () => {
      const sim = await useSim({ accounts: [{ email: EMAIL, password: PASSWORD, mfa: true }] });
      const steps: string[] = [];
      const tokens = await browserLogin(sim, {
        debug: (line) => steps.push(line),
        onPage: async (page) => {
          await page.fill('#email', EMAIL);
          await page.fill('#password', PASSWORD);
          await page.click('#login-btn-signin');
          await page.waitForSelector('#verification-code');
          await page.fill('#verification-code', sim.lastMfaCode(EMAIL) ?? '');
          await page.click('#mfa-submit');
        },
      });

      expect(tokens.clientId).toBe('GARMIN_CONNECT_MOBILE_ANDROID_DI_2026Q3'); // the newest id first
      await expect(new GarminClient({ tokens, urls: sim.urls }).verifySession()).resolves.toEqual({
        displayName: 'user.garmin',
      });
      // The browser saw Garmin's page (GET), posted the form and the code; the client then exchanged
      // the ticket for the mobile service and proved the tokens with one API call.
      expect(requestsTo(sim, /\/mobile\/sso\/en_US\/sign-in/).map((r) => r.method)).toEqual(['GET', 'POST']);
      expect(requestsTo(sim, /verifyMFA/).map((r) => r.status)).toEqual([302]);
      const [exchange] = requestsTo(sim, /oauth\/token/);
      expect(new URLSearchParams(exchange?.body).get('service_url')).toBe(
        'https://mobile.integration.garmin.com/gcm/android',
      );
      expect(new URLSearchParams(exchange?.body).get('service_ticket')).toMatch(/^ST-\d{7}-\w{20}-sso$/);
      expect(steps.join('\n')).not.toMatch(/ST-\d|eyJ|correct horse/);
    },
    BROWSER_TIMEOUT,
  );

  it(
    'a person who never finishes signing in → TIMEOUT, nothing exchanged',
    async () => {
      const sim = await useSim();
      const error = await failure(browserLogin(sim, { loginTimeoutMs: 1500 }));
      expect(error).toBeInstanceOf(GarminBrowserLoginError);
      expect(error.code).toBe('TIMEOUT');
      expect(requestsTo(sim, /oauth\/token/)).toHaveLength(0);
    },
    BROWSER_TIMEOUT,
  );

  it(
    'a wrong password stays on Garmin’s page (error shown), no ticket, no exchange',
    async () => {
      const sim = await useSim();
      let shown = '';
      const error = await failure(
        browserLogin(sim, {
          loginTimeoutMs: 3000,
          onPage: async (page) => {
            await page.fill('#email', EMAIL);
            await page.fill('#password', 'not the password');
            await page.click('#login-btn-signin');
            await page.waitForSelector('#error');
            shown = page.url();
          },
        }),
      );
      expect(error.code).toBe('TIMEOUT');
      expect(shown).toContain('/mobile/sso/en_US/sign-in');
      expect(requestsTo(sim, /oauth\/token/)).toHaveLength(0);
    },
    BROWSER_TIMEOUT,
  );

  it(
    'closing the window → BROWSER_CLOSED',
    async () => {
      const sim = await useSim();
      const error = await failure(
        browserLogin(sim, {
          onPage: async (page) => {
            // a person closing the window: any Playwright Page can do this
            await (page as unknown as { close(): Promise<void> }).close();
          },
        }),
      );
      expect(error).toBeInstanceOf(GarminBrowserLoginError);
      expect(error.code).toBe('BROWSER_CLOSED');
    },
    BROWSER_TIMEOUT,
  );
});

describe('garminBrowserLogin without its prerequisites', () => {
  it('no browser at executablePath → BROWSER_NOT_FOUND before anything starts', async () => {
    const error = await failure(
      garminBrowserLogin({ executablePath: '/nonexistent/chrome', headless: true }),
    );
    expect(error).toBeInstanceOf(GarminBrowserLoginError);
    expect(error.code).toBe('BROWSER_NOT_FOUND');
  });

  it('finds the first usual Chrome/Chromium location that exists, else BROWSER_NOT_FOUND', () => {
    const only =
      (...present: string[]) =>
      (path: string) =>
        present.includes(path);
    expect(findBrowser(undefined, only('/usr/bin/google-chrome', '/snap/bin/chromium'))).toBe(
      '/usr/bin/google-chrome',
    );
    expect(findBrowser(undefined, only(...BROWSER_PATHS))).toBe('/usr/bin/chromium');
    const error = (() => {
      try {
        findBrowser(undefined, only());
      } catch (thrown) {
        return thrown as GarminBrowserLoginError;
      }
    })();
    expect(error).toBeInstanceOf(GarminBrowserLoginError);
    expect(error?.code).toBe('BROWSER_NOT_FOUND');
    expect(error?.message).toMatch(/executablePath/);
  });

  it('looks where the testkit’s test browser looks, so tests start the browser users get', () => {
    expect([...BROWSER_PATHS]).toEqual([...SYSTEM_CHROMIUM_PATHS]);
  });

  it('playwright-core not installed → PLAYWRIGHT_MISSING with the install command', async () => {
    const missing = async () => {
      throw Object.assign(new Error("Cannot find package 'playwright-core'"), {
        code: 'ERR_MODULE_NOT_FOUND',
      });
    };
    const error = await failure(loadPlaywright(missing));
    expect(error).toBeInstanceOf(GarminBrowserLoginError);
    expect(error.code).toBe('PLAYWRIGHT_MISSING');
    expect(error.message).toContain('npm install playwright-core');
    await expect(loadPlaywright()).resolves.toHaveProperty('chromium');
  });
});
