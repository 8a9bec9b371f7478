import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  exchangeServiceTicket,
  GarminClient,
  type GarminTokens,
  garminLogin,
  garminServiceUrl,
  importGarminTokens,
  refreshGarminTokens,
} from '../src/index.js';
import { EMAIL, FAST_RETRY, fixtureBytes, PASSWORD, ticketFrom, useSim } from './helpers.js';

/**
 * Drives every flow (login, MFA, wrong MFA, exchange, refresh, invalid_grant, 401 retry, upload and
 * its failures, read errors, network failures, token import) against the simulator, collects every
 * error (message, stack, util.inspect with causes, JSON) and every debug line, and checks that no
 * password, MFA code, service ticket or token the simulator issued or the test used appears in any.
 */
describe('no secret ever reaches an error or a log line', () => {
  it('holds across every flow', async () => {
    const MFA_EMAIL = 'mfa@example.com';
    const MFA_PASSWORD = 'Tr0ub4dor&3-mfa';
    const WRONG_PASSWORD = 'wrong-Pa55word!';
    const WRONG_CODE = '909090';
    const NOT_A_TICKET = 'sekret-paste-value-77';
    const sim = await useSim({
      accounts: [
        { email: EMAIL, password: PASSWORD },
        { email: MFA_EMAIL, password: MFA_PASSWORD, mfa: true },
      ],
    });
    const lines: string[] = [];
    const errors: unknown[] = [];
    const debug = (line: string) => lines.push(line);
    const urls = sim.urls;
    const expectFailure = async (promise: Promise<unknown>) => {
      try {
        await promise;
      } catch (error) {
        errors.push(error);
        return error;
      }
      throw new Error('expected a failure');
    };

    // Logins: OK, MFA OK, wrong MFA, wrong password, captcha, Cloudflare, JSON 429, timeout.
    const tokens = await garminLogin({ email: EMAIL, password: PASSWORD, urls, debug });
    const mfaTokens = await garminLogin({
      email: MFA_EMAIL,
      password: MFA_PASSWORD,
      urls,
      debug,
      mfa: async () => sim.lastMfaCode(MFA_EMAIL) ?? '',
    });
    await expectFailure(
      garminLogin({ email: MFA_EMAIL, password: MFA_PASSWORD, urls, debug, mfa: async () => WRONG_CODE }),
    );
    await expectFailure(garminLogin({ email: MFA_EMAIL, password: MFA_PASSWORD, urls, debug }));
    await expectFailure(garminLogin({ email: EMAIL, password: WRONG_PASSWORD, urls, debug }));
    for (const fault of [
      'captcha-required',
      'cloudflare-403',
      'cloudflare-429',
      'json-429',
      'server-error',
    ] as const) {
      sim.faults.add(fault, 1, '/mobile/api/login');
      await expectFailure(garminLogin({ email: EMAIL, password: PASSWORD, urls, debug }));
    }
    sim.faults.add('expired-token', 1, '/userprofile-service/socialProfile');
    await expectFailure(garminLogin({ email: EMAIL, password: PASSWORD, urls, debug }));
    sim.latencyMs = 100;
    await expectFailure(garminLogin({ email: EMAIL, password: PASSWORD, urls, debug, timeoutMs: 20 }));
    sim.latencyMs = 0;

    // Exchange: reused ticket, foreign input, rate limit.
    const ticket = await ticketFrom(sim);
    await exchangeServiceTicket(ticket, { serviceUrl: garminServiceUrl(), urls, debug });
    await expectFailure(exchangeServiceTicket(ticket, { serviceUrl: garminServiceUrl(), urls, debug }));
    await expectFailure(exchangeServiceTicket(NOT_A_TICKET, { serviceUrl: garminServiceUrl(), urls, debug }));
    sim.faults.add('rate-limited', 1, '/di-oauth2-service/oauth/token');
    await expectFailure(
      exchangeServiceTicket(await ticketFrom(sim), { serviceUrl: garminServiceUrl(), urls }),
    );

    // Refresh: rotation, then invalid_grant (Garmin echoes the refresh token in its body).
    const rotated = await refreshGarminTokens(mfaTokens, { urls, debug });
    await expectFailure(refreshGarminTokens(mfaTokens, { urls, debug }));

    // Client: 401 retry, uploads and their failures, read errors, AUTH_EXPIRED, REAUTH_REQUIRED.
    const saved: GarminTokens[] = [];
    const client = new GarminClient({
      tokens,
      urls,
      debug,
      retry: FAST_RETRY,
      onTokens: async (t) => void saved.push(t),
    });
    const fit = fixtureBytes('fit_weight_sdk_encoder.fit');
    sim.faults.add('expired-token', 1, '/upload-service/upload');
    await client.uploadFit(fit);
    for (const fault of [
      'upload-failure',
      'empty-array-upload',
      'empty-body-upload',
      'server-error',
    ] as const) {
      sim.faults.add(fault, 1, '/upload-service/upload');
      await expectFailure(client.uploadFit(fit));
    }
    sim.faults.add('phantom-upload');
    await expectFailure(
      client.addBodyComposition([{ timestamp: new Date('2026-11-22T07:00:00Z'), weightKg: 80.5 }], {
        verify: { attempts: 1, delayMs: 0 },
      }),
    );
    const range = { from: new Date('2026-11-01'), to: new Date('2026-11-30') };
    for (const fault of ['forbidden', 'empty-body', 'server-error', 'json-429'] as const) {
      sim.faults.add(fault, 5, /weight\/range/);
      await expectFailure(client.listWeighIns(range));
      sim.faults.clear();
    }
    sim.faults.add({ kind: 'rate-limited', retryAfterSeconds: 3600 }, 1, /weight\/range/);
    await expectFailure(client.listWeighIns(range));
    await expectFailure(client.deleteWeighIn({ samplePk: 1, calendarDate: '2026-11-20' }));
    // The call, then both refreshed tokens' verification calls: REAUTH_REQUIRED, tokens dropped.
    sim.faults.add('expired-token', 3, '/userprofile-service/socialProfile');
    await expectFailure(client.verifySession());
    const stale = new GarminClient({ tokens: { ...mfaTokens, expiresAt: new Date(0) }, urls, debug });
    await expectFailure(stale.verifySession()); // refresh token already rotated → REAUTH_REQUIRED
    const offline = new GarminClient({
      tokens: rotated,
      urls: { connectapi: 'http://127.0.0.1:9' },
      debug,
      retry: FAST_RETRY,
    });
    await expectFailure(offline.verifySession());

    // Token files that are not valid.
    await expectFailure(
      Promise.resolve().then(() => importGarminTokens(`{"di_token": "${tokens.accessToken}`)),
    );
    await expectFailure(
      Promise.resolve().then(() =>
        importGarminTokens({ access_token: tokens.accessToken, refresh_token: tokens.refreshToken }),
      ),
    );

    // What must never show up.
    const secrets = new Set([
      ...sim.secrets(),
      PASSWORD,
      MFA_PASSWORD,
      WRONG_PASSWORD,
      NOT_A_TICKET,
      ...[tokens, mfaTokens, rotated, ...saved].flatMap((t) => [t.accessToken, t.refreshToken]),
    ]);
    const codes = [...sim.mfaCodes(MFA_EMAIL), WRONG_CODE];
    expect(codes.length).toBeGreaterThanOrEqual(4); // the flows above really used codes
    expect([...secrets].filter((s) => s.startsWith('ST-')).length).toBeGreaterThanOrEqual(5);
    expect(errors.length).toBeGreaterThanOrEqual(30);
    expect(lines.length).toBeGreaterThanOrEqual(40);

    const texts = [
      ...lines,
      ...errors.flatMap((error) => [
        String((error as Error).message),
        String((error as Error).stack),
        inspect(error, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
        JSON.stringify(error),
      ]),
    ];
    const leaks: string[] = [];
    for (const text of texts) {
      for (const secret of secrets)
        if (text.includes(secret)) leaks.push(`${secret.slice(0, 12)}… in: ${text.slice(0, 120)}`);
      for (const code of codes)
        if (new RegExp(`(?<!\\d)${code}(?!\\d)`).test(text)) leaks.push(`MFA code in: ${text.slice(0, 120)}`);
      if (/ST-\d{7}-/.test(text)) leaks.push(`ticket-shaped text in: ${text.slice(0, 120)}`);
      if (/eyJ[\w-]{10,}\./.test(text)) leaks.push(`JWT-shaped text in: ${text.slice(0, 120)}`);
    }
    expect(leaks).toEqual([]);
    // and the errors are still useful
    const codesSeen = new Set(errors.map((e) => (e as { code?: string }).code));
    expect([...codesSeen].sort()).toEqual(
      [
        'AUTH_EXPIRED',
        'BLOCKED',
        'FORBIDDEN',
        'INVALID_CREDENTIALS',
        'MFA_INVALID',
        'MFA_REQUIRED',
        'NOT_FOUND',
        'PROTOCOL',
        'RATE_LIMITED',
        'REAUTH_REQUIRED',
        'UPSTREAM',
      ].sort(),
    );
  });
});
