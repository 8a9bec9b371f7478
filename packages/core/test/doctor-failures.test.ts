import { startHttpServer } from '@wg-sync/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { type DoctorCheck, garminLoginCooldown, garminLoginCooldownKey } from '../src/index.js';
import { type Harness, harness } from './harness.js';

const WEBHOOK_SECRET = 'hook-secret-0123456789';
const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

const check = (checks: DoctorCheck[] | undefined, name: string) => checks?.find((c) => c.name === name);
const warnLines = (h: Harness, event: string) =>
  h.logs.map((l) => JSON.parse(l)).filter((l) => l.event === event && l.level === 'warn');

/** Makes the stored Garmin session's refresh fail, then forces a refresh (every access token answers 401). */
async function breakGarminRefresh(h: Harness, change: Record<string, string>) {
  const key = `garmin/${h.userId}/session`;
  const stored = await h.store.get<Record<string, unknown>>(key);
  await h.store.put(key, { ...stored?.value, ...change });
  h.garmin.revokeAccessTokens(h.email);
}

describe('doctor names each failure in plain words', { timeout: 30_000 }, () => {
  it('SUBSCRIPTION_LOST recorded by reconcile: a failing subscription check with the fix, and a warn line', async () => {
    const h = await harness();
    const down = await startHttpServer(() => new Response('down', { status: 503 }));
    servers.push(down);
    const sync = h.another({ publicUrl: down.url, webhookSecret: WEBHOOK_SECRET });
    expect((await sync.reconcile()).ok).toBe(false);

    const report = await sync.doctor();
    expect(report.ok).toBe(false);
    const subscription = check(report.accounts[0]?.checks, 'subscription');
    expect(subscription).toMatchObject({ status: 'fail' });
    expect(subscription?.detail).toContain('SUBSCRIPTION_LOST');
    expect(subscription?.detail).toContain('Withings could not reach the callback URL');
    expect(subscription?.detail).toContain('CALLBACK_UNREACHABLE');
    expect(subscription?.fix).toContain('check the callback is reachable');
    expect(subscription?.fix).toContain(`wg-sync webhook subscribe ${down.url}`);
    expect(JSON.stringify(report)).not.toContain(WEBHOOK_SECRET);
    expect(warnLines(h, 'doctor.check.failed')).toMatchObject([
      { userId: h.userId, check: 'subscription', fix: subscription?.fix },
    ]);
    expect(warnLines(h, 'doctor.completed')).toMatchObject([{ failed: [`${h.userId}:subscription`] }]);

    // A doctor without publicUrl (another machine) still reads the recorded loss.
    const elsewhere = check((await h.sync.doctor()).accounts[0]?.checks, 'subscription');
    expect(elsewhere).toMatchObject({ status: 'fail', detail: expect.stringContaining('SUBSCRIPTION_LOST') });
  });

  it('Garmin refused the refresh token: "Garmin refused the sign-in", sign in again', async () => {
    const h = await harness();
    await breakGarminRefresh(h, { refreshToken: 'eyJyZWZyZXNoVG9rZW5WYWx1ZSI6Im5vcGUifQ==' });
    const sync = await h.sync.syncRecent();
    expect(sync.failed.map((f) => f.code)).toEqual(['REAUTH_REQUIRED']);

    const report = await h.sync.doctor();
    const checks = report.accounts[0]?.checks;
    expect(check(checks, 'Garmin session')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('Garmin refused the sign-in'),
      fix: expect.stringContaining('wg-sync garmin login'),
    });
    expect(check(checks, 'last error')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('Garmin refused the sign-in'),
      fix: expect.stringContaining('sign in again: wg-sync garmin login'),
    });
  });

  it('the failing side is recorded, so a Garmin refusal worded without "Garmin" is still Garmin; old records fall back to the words', async () => {
    const h = await harness();
    await breakGarminRefresh(h, { refreshToken: 'eyJyZWZyZXNoVG9rZW5WYWx1ZSI6Im5vcGUifQ==' });
    const sync = await h.sync.syncRecent();
    expect(sync.failed).toMatchObject([{ code: 'REAUTH_REQUIRED', side: 'garmin' }]);
    const key = `health/${h.userId}`;
    const health = await h.store.get<{ lastError: { side?: string; message: string } }>(key);
    expect(health?.value.lastError.side).toBe('garmin');
    // The wording may change with a release; the recorded side does not.
    await h.store.put(key, {
      ...health?.value,
      reauth: undefined,
      lastError: { ...health?.value.lastError, message: 'the refresh token was refused: log in again' },
    });
    const last = (await h.sync.doctor()).accounts[0]?.checks.find((c) => c.name === 'last error');
    expect(last?.detail).toContain('Garmin refused the sign-in');
    // A record from before `side` existed, with the same words, reads as Withings (the only clue left).
    const recorded = await h.store.get<{ lastError: Record<string, unknown> }>(key);
    const { side: _side, ...old } = recorded?.value.lastError ?? {};
    await h.store.put(key, { ...health?.value, reauth: undefined, lastError: old });
    const legacy = (await h.sync.doctor()).accounts[0]?.checks.find((c) => c.name === 'last error');
    expect(legacy?.detail).toContain('Withings refused the authorization');
  });

  it('a retired DI client id: says so and names WG_SYNC_GARMIN_CLIENT_IDS', async () => {
    const h = await harness();
    await breakGarminRefresh(h, { clientId: 'GARMIN_CONNECT_MOBILE_ANDROID_DI_2019Q1' });
    expect((await h.sync.syncRecent()).failed.map((f) => f.code)).toEqual(['REAUTH_REQUIRED']);

    const checks = (await h.sync.doctor()).accounts[0]?.checks;
    for (const name of ['Garmin session', 'last error']) {
      expect(check(checks, name)).toMatchObject({
        status: 'fail',
        detail: expect.stringContaining('the Garmin DI client id was refused'),
        fix: expect.stringContaining('set WG_SYNC_GARMIN_CLIENT_IDS'),
      });
    }
  });

  it('no stored Garmin session: the last error says so, not that Garmin refused anything', async () => {
    const h = await harness();
    await h.store.delete(`garmin/${h.userId}/session`);
    expect((await h.sync.syncRecent()).failed.map((f) => f.code)).toEqual(['REAUTH_REQUIRED']);
    expect(check((await h.sync.doctor()).accounts[0]?.checks, 'last error')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('found no Garmin session'),
      fix: 'sign in: wg-sync garmin login',
    });
  });

  it('a token Garmin issued and then refused (401 right after a refresh)', async () => {
    const h = await harness();
    h.garmin.revokeAccessTokens(h.email);
    h.garmin.faults.add('expired-token', 5);
    const garmin = check((await h.sync.doctor()).accounts[0]?.checks, 'Garmin session');
    expect(garmin).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('Garmin issued a token it then refused'),
      fix: expect.stringContaining('sign in again: wg-sync garmin login'),
    });
    // AUTH_EXPIRED from the API call, or REAUTH_REQUIRED when the refresh itself verified the new token.
    expect(garmin?.detail).toMatch(/\((AUTH_EXPIRED|REAUTH_REQUIRED): /);
  });

  it('a Garmin sign-in cooling down after a rate limit, and a corrupt cooldown entry', async () => {
    const h = await harness();
    const state = await garminLoginCooldown(h.store).recordRateLimit(h.email);
    const report = await h.sync.doctor();
    expect(report.ok).toBe(true); // the stored session still works; only a new sign-in must wait
    expect(check(report.checks, 'Garmin sign-in')).toMatchObject({
      status: 'warn',
      detail: expect.stringContaining(`waits until ${state.until.toISOString()}`),
      fix: expect.stringContaining('wg-sync garmin login --force'),
    });
    expect(JSON.stringify(report)).not.toContain(h.email);

    await h.store.put(garminLoginCooldownKey(h.email), { strikes: -1 });
    const corrupt = await h.sync.doctor();
    expect(corrupt.ok).toBe(false);
    expect(check(corrupt.checks, 'Garmin sign-in')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('STORE_CORRUPT'),
    });
    expect(warnLines(h, 'doctor.check.failed')).toMatchObject([{ check: 'Garmin sign-in' }]);
  });
});
