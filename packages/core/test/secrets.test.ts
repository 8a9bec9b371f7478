import { garminLogin } from '@wg-sync/garmin';
import { describe, expect, it } from 'vitest';
import { Redactor } from '../src/index.js';
import { type Harness, harness, minutesAgo, notificationRequest } from './harness.js';

const login = (h: Harness) => garminLogin({ email: h.email, password: 'pw-ana-123456', urls: h.garmin.urls });

const API_TOKEN = 'api-token-0123456789abcdef';
const SECRET = 'hook-secret-7f3a9c1e5b2d8f4a';

describe('no secret ever reaches a log, an error, a report or a response', () => {
  it('holds across every scenario with debug logging', async () => {
    // The engine's clock, moved past the backoff a 601 makes the whole deployment wait.
    let skewMs = 0;
    const h = await harness({
      config: { apiToken: API_TOKEN, webhookSecret: SECRET, now: () => new Date(Date.now() + skewMs) },
    });
    const seen: string[] = [];
    const keep = (value: unknown) =>
      void seen.push(typeof value === 'string' ? value : JSON.stringify(value));
    const run = async <T>(promise: Promise<T>) => {
      try {
        keep(await promise);
      } catch (error) {
        keep(`${(error as Error).message} ${JSON.stringify(error)}`);
      }
    };
    const respond = async (response: Promise<Response>) => keep(await (await response).text());

    h.withings.addWeighIn(h.userId, {
      takenAt: minutesAgo(40),
      weightKg: 80,
      layout: 'body-scan',
      fatPercent: 20,
      hydrationKg: 50,
    });
    await run(h.sync.syncRecent());
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(30), weightKg: 80.5 });
    h.garmin.faults.add('phantom-upload');
    await run(h.sync.syncRecent());
    h.withings.faults.add({ status: 601 }, 1, '/measure');
    await run(h.sync.syncRecent());
    await run(h.sync.syncRecent()); // held back by the budget: Withings said wait
    skewMs += 70_000;
    h.garmin.revokeAccessTokens(h.email);
    await run(h.sync.syncRecent());
    h.withings.faults.add('malformed-json');
    await run(h.sync.syncRecent());
    await respond(
      h.sync.handler(
        notificationRequest(
          `userid=${h.userId}&appli=1&startdate=1&enddate=2`,
          `/webhook/withings/${SECRET}`,
        ),
      ),
    );
    await respond(h.sync.handler(notificationRequest('userid=%ZZ', `/webhook/withings/${SECRET}`)));
    await respond(
      h.sync.handler(new Request('http://x/status', { headers: { authorization: `Bearer ${API_TOKEN}` } })),
    );
    await respond(
      h.sync.handler(
        new Request('http://x/sync/manual?days=2', {
          method: 'POST',
          headers: { authorization: `Bearer ${API_TOKEN}` },
        }),
      ),
    );
    await respond(
      h.sync.handler(new Request('http://x/status', { headers: { authorization: 'Bearer wrong-token' } })),
    );
    await run(h.sync.doctor());
    await run(h.sync.reconcile());
    h.withings.revokeTokens(h.userId);
    // Make the Withings token due, so the dead refresh token is actually sent.
    const key = `withings/${h.userId}/tokens`;
    const stored = await h.store.get<Record<string, unknown>>(key);
    await h.store.put(key, { ...stored?.value, expiresAt: new Date(0).toISOString() });
    await run(h.sync.syncRecent());
    await run(h.sync.doctor());
    // A careless hook puts a token into its error; the log line must still come out clean.
    await h.sync.accounts.link({ withings: h.withings.issueTokens(h.userId), garmin: await login(h) });
    const session = await h.store.get<{ accessToken: string; refreshToken: string }>(
      `garmin/${h.userId}/session`,
    );
    const careless = h.another({
      hooks: {
        onSynced: () => {
          throw new Error(`hook saw ${session?.value.accessToken} and ${session?.value.refreshToken}`);
        },
      },
    });
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(2), weightKg: 79.1 });
    await run(careless.syncRecent());
    expect(h.logs.some((line) => line.includes('hook.failed'))).toBe(true);

    const secrets = [...h.withings.secrets(), ...h.garmin.secrets(), API_TOKEN, SECRET, 'pw-ana-123456'];
    expect(secrets.length).toBeGreaterThan(10);
    const everything = [...h.logs, ...seen, JSON.stringify(h.alerts)].join('\n');
    expect(h.logs.some((line) => line.includes('"level":"debug"'))).toBe(true);
    const leaks = secrets.filter((secret) => everything.includes(secret));
    expect(leaks).toEqual([]);
  });
});

describe('Redactor', () => {
  it('removes registered values, secret-named fields and token shapes', () => {
    const redactor = new Redactor();
    redactor.add('client-secret-value', undefined, 'ab'); // too short values are ignored
    expect(redactor.text('secret is client-secret-value!')).toBe('secret is [redacted]!');
    expect(redactor.text('Authorization: Bearer abc.def.ghi-123')).toBe('Authorization: Bearer [redacted]');
    expect(redactor.text('ticket ST-0979171-Abcdefghijklmnopqrst-sso arrived')).toBe(
      'ticket ST-[redacted] arrived',
    );
    expect(redactor.text('jwt eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjF9.c2ln here')).toBe('jwt [redacted-jwt] here');
    expect(redactor.text('code=4d1c0a7e93b2&state=x')).toBe('code=[redacted]&state=x');
    expect(
      redactor.value({
        refreshToken: 'x1y2z3',
        password: 'hunter22',
        mfaCode: '123456',
        nested: { accessToken: 'tok' },
        code: 'REAUTH_REQUIRED',
        count: 3,
      }),
    ).toEqual({
      refreshToken: '[redacted]',
      password: '[redacted]',
      mfaCode: '[redacted]',
      nested: { accessToken: '[redacted]' },
      code: 'REAUTH_REQUIRED',
      count: 3,
    });
  });
});
