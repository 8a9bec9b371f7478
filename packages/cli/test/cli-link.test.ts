import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { garminLogin } from '@wg-sync/garmin';
import { testChromium } from '@wg-sync/testkit';
import { describe, expect, it } from 'vitest';
import { cliWorld, GARMIN_EMAIL, GARMIN_PASSWORD, linkedWorld, run, start } from './cli.js';

const BROWSER_TIMEOUT = 90_000;

describe('wg-sync withings auth', () => {
  it(
    'captures the code from the consent page clicked in headless Chromium, and stores the account',
    async () => {
      const { executablePath, args } = await testChromium(); // first: unpacking may take seconds
      const world = await cliWorld();
      const auth = start(['withings', 'auth', '--port', '0', '--no-open'], world.env);
      const [url] = await auth.waitFor(/http:\/\/127\.0\.0\.1:\d+\/oauth2_user\/authorize2\?\S+/);
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({ executablePath, args, headless: true });
      try {
        const page = await browser.newPage();
        await page.goto(url);
        await page.click('#allow');
        await page.waitForURL(/withings\/callback/);
        expect(await page.textContent('body')).toMatch(/Withings is linked/);
      } finally {
        await browser.close();
      }
      const result = await auth.done;
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`Withings user ${world.userId} authorized`));
      expect(result.stdout).toMatch(/Next: wg-sync garmin login/);
      const list = await run(['accounts', 'list', '--json'], world.env);
      expect(JSON.parse(list.stdout)).toMatchObject([
        { userId: world.userId, sessions: { withings: true, garmin: false } },
      ]);
    },
    BROWSER_TIMEOUT,
  );

  it('with a registered non-local redirect URI, takes the pasted address and checks its state', async () => {
    const world = await cliWorld();
    const auth = start(
      ['withings', 'auth', '--redirect-uri', 'https://example.org/cb', '--port', '0'],
      world.env,
    );
    const [url] = await auth.waitFor(/http:\/\/127\.0\.0\.1:\d+\/oauth2_user\/authorize2\?\S+/);
    await auth.waitFor(/Paste the address/);
    const state = new URL(url).searchParams.get('state') ?? '';
    const code = world.withings.issueCode(world.userId, { redirectUri: 'https://example.org/cb' });
    auth.child.stdin.end(`https://example.org/cb?code=${code}&state=${state}\n`);
    const result = await auth.done;
    expect(result.code).toBe(0);
    expect(result.stdout + result.stderr).not.toContain(code);
  });

  it('a stale or reused code is exit 3 with the fix', async () => {
    const world = await cliWorld();
    const code = world.withings.issueCode(world.userId, { redirectUri: 'https://example.org/cb' });
    await run(
      ['withings', 'auth', '--redirect-uri', 'https://example.org/cb', '--port', '0'],
      world.env,
      `${code}\n`,
    );
    const again = await run(
      ['withings', 'auth', '--redirect-uri', 'https://example.org/cb', '--port', '0'],
      world.env,
      `${code}\n`,
    );
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(/REAUTH|invalid code|status 503/i);
    expect(again.stderr).not.toContain(code);
  });
});

describe('wg-sync garmin login', () => {
  const withWithings = () => linkedWorld({ mfa: true });

  it('mobile sign-in with the MFA code typed at the prompt', async () => {
    const world = await withWithings();
    const login = start(['garmin', 'login', '--email', GARMIN_EMAIL], world.env);
    await login.waitFor(/Garmin password:/);
    login.child.stdin.write(`${GARMIN_PASSWORD}\n`);
    await login.waitFor(/MFA code/);
    login.child.stdin.end(`${world.garmin.lastMfaCode(GARMIN_EMAIL)}\n`);
    const result = await login.done;
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`linked to Withings user ${world.userId}`));
    for (const secret of world.garmin.secrets()) expect(result.stdout + result.stderr).not.toContain(secret);
  });

  it('when Cloudflare blocks the sign-in, says so and points to browser login (exit 4)', async () => {
    const world = await withWithings();
    world.garmin.faults.add('cloudflare-403');
    const result = await run(['garmin', 'login'], { ...world.env, GARMIN_EMAIL, GARMIN_PASSWORD });
    expect(result.code).toBe(4);
    expect(result.stdout).toMatch(/Cloudflare/);
    expect(result.stderr).toMatch(/--method browser/);
  });

  it('imports a python-garminconnect token file, verifying it with a real call', async () => {
    const world = await withWithings();
    const tokens = await garminLogin({
      email: GARMIN_EMAIL,
      password: GARMIN_PASSWORD,
      urls: world.garmin.urls,
      mfa: async () => world.garmin.lastMfaCode(GARMIN_EMAIL) ?? '',
    });
    const file = join(world.home, 'garmin_tokens.json');
    await writeFile(
      file,
      JSON.stringify({
        di_token: tokens.accessToken,
        di_refresh_token: tokens.refreshToken,
        di_client_id: tokens.clientId,
      }),
    );
    const result = await run(['garmin', 'login', '--method', 'import', file], world.env);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Garmin account .* linked/);
  });

  it('a token file that does not work is refused before anything is stored (exit 3)', async () => {
    const world = await withWithings();
    const file = join(world.home, 'bad.json');
    await writeFile(
      file,
      JSON.stringify({
        di_token: 'eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjQxMDI0NDQ4MDB9.c2ln',
        di_refresh_token: 'r-dead',
        di_client_id: 'GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2',
      }),
    );
    const result = await run(['garmin', 'login', '--method', 'import', file], world.env);
    expect([3, 4]).toContain(result.code);
    const list = JSON.parse((await run(['accounts', 'list', '--json'], world.env)).stdout);
    expect(list[0].sessions.garmin).toBe(false);
  });

  it('exchanges a pasted service ticket', async () => {
    const world = await withWithings();
    world.garmin.addAccount({ email: 'nomfa@example.com', password: 'pw-nomfa-123456' });
    const query = new URLSearchParams({
      clientId: 'GCM_ANDROID_DARK',
      locale: 'en-US',
      service: 'https://mobile.integration.garmin.com/gcm/android',
    });
    // The sign-in page first: the simulator ties the JSON login to the cookies it sets.
    const page = await fetch(`${world.garmin.url}/mobile/sso/en/sign-in?clientId=GCM_ANDROID_DARK`);
    await page.text();
    const cookie = page.headers
      .getSetCookie()
      .map((line) => line.split(';')[0])
      .join('; ');
    const response = await fetch(`${world.garmin.url}/mobile/api/login?${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({
        username: 'nomfa@example.com',
        password: 'pw-nomfa-123456',
        rememberMe: false,
        captchaToken: '',
      }),
    });
    const { serviceTicketId } = (await response.json()) as { serviceTicketId: string };
    const result = await run(['garmin', 'login', '--method', 'ticket'], world.env, `${serviceTicketId}\n`);
    expect(result.code).toBe(0);
    expect(result.stdout + result.stderr).not.toContain(serviceTicketId);
  });
});
