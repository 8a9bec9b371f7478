import { Encoder, Profile } from '@garmin/fitsdk';
import { describe, expect, it } from 'vitest';
import { createClock } from '../src/index.js';
import {
  ANDROID,
  CLIENT_ID,
  EMAIL,
  fixture,
  fixtureBytes,
  type Json,
  PASSWORD,
  rawClient,
  SERVICE_TICKET_GRANT,
  signedInSim,
  useSim,
} from './garmin-helpers.js';

/** A FIT weight file written with Garmin's encoder (the simulator must not depend on our own). */
function weightFit(entries: Array<{ at: Date; kg: number }>): Uint8Array {
  const encoder = new Encoder();
  const write = (m: Record<string, unknown>) => encoder.writeMesg(m as never);
  write({
    mesgNum: Profile.MesgNum.FILE_ID,
    type: 'weight',
    manufacturer: 'development',
    product: 0,
    timeCreated: new Date(),
  });
  for (const { at, kg } of entries)
    write({ mesgNum: Profile.MesgNum.WEIGHT_SCALE, timestamp: at, weight: kg });
  return encoder.close();
}

describe('Garmin simulator: SSO', () => {
  it('needs clientId, locale and a known service on the login query', async () => {
    const sim = await useSim();
    const bare = await fetch(`${sim.url}/mobile/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: EMAIL, password: PASSWORD }),
    });
    expect(bare.status).toBe(400);
    const { body } = await rawClient(sim).login(EMAIL, PASSWORD, 'https://evil.example/callback');
    expect(body.error).toBe('BadRequestException');
  });

  it('MFA: the code goes to the mailbox; verify needs the same cookie session and query', async () => {
    const sim = await useSim({ accounts: [{ email: 'mfa@example.com', password: 'pw-1', mfa: true }] });
    const raw = rawClient(sim);
    const login = await raw.login('mfa@example.com', 'pw-1');
    const cookie = login.cookie;
    const code = sim.lastMfaCode('mfa@example.com') ?? '';
    expect(code).toMatch(/^\d{6}$/);
    expect(sim.mfaCodes('mfa@example.com')).toEqual([code]);

    const noCookie = await raw.verify(code, undefined);
    expect(noCookie.response.status).toBe(400);
    expect(noCookie.body.responseStatus.type).toBe('MFA_SESSION_NOT_FOUND');
    const otherService = await raw.verify(code, cookie, 'https://mobile.integration.garmin.com/gcm/ios');
    expect(otherService.body.responseStatus.type).toBe('MFA_SESSION_NOT_FOUND');
    const wrong = await raw.verify('000000', cookie);
    expect(wrong.body.responseStatus.type).toBe('INVALID_MFA_CODE');
    const right = await raw.verify(code, cookie);
    expect(right.body.responseStatus.type).toBe('SUCCESSFUL');
    expect(right.body.serviceTicketId).toMatch(/^ST-/);
    const again = await raw.verify(code, cookie);
    expect(again.body.responseStatus.type).toBe('MFA_SESSION_NOT_FOUND');
  });

  it('five wrong codes end the MFA session; codes expire with the simulated clock', async () => {
    const clock = createClock(new Date('2026-11-20T06:00:00Z'));
    const sim = await useSim({
      clock,
      accounts: [{ email: 'mfa@example.com', password: 'pw-1', mfa: true }],
    });
    const raw = rawClient(sim);
    let login = await raw.login('mfa@example.com', 'pw-1');
    let cookie = login.cookie;
    for (let i = 0; i < 5; i += 1) await raw.verify('000000', cookie);
    const dead = await raw.verify(sim.lastMfaCode('mfa@example.com') ?? '', cookie);
    expect(dead.body.responseStatus.type).toBe('MFA_SESSION_NOT_FOUND');

    login = await raw.login('mfa@example.com', 'pw-1');
    cookie = login.cookie;
    clock.advance(601_000);
    const late = await raw.verify(sim.lastMfaCode('mfa@example.com') ?? '', cookie);
    expect(late.body.responseStatus.type).toBe('MFA_CODE_EXPIRED');
  });

  it('the HTML sign-in page: form, error on a wrong password, MFA step, 302 to the service with a ticket', async () => {
    const sim = await useSim({ accounts: [{ email: 'mfa@example.com', password: 'pw-1', mfa: true }] });
    const raw = rawClient(sim);
    const url = `${sim.url}/mobile/sso/en_US/sign-in?clientId=GCM_ANDROID_DARK&service=${encodeURIComponent(ANDROID)}`;
    const page = await fetch(url);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/id="email"[\s\S]*id="password"[\s\S]*id="login-btn-signin"/);
    const post = (target: string, form: Record<string, string>, cookie?: string) =>
      fetch(target, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
        body: new URLSearchParams(form),
      });
    const wrong = await post(url, { username: 'mfa@example.com', password: 'nope' });
    expect(await wrong.text()).toContain('id="error"');
    const step = await post(url, { username: 'mfa@example.com', password: 'pw-1' });
    const cookie = step.headers.get('set-cookie')?.split(';')[0];
    expect(await step.text()).toContain('id="verification-code"');
    const done = await post(
      url.replace('sign-in', 'verifyMFA'),
      { mfaCode: sim.lastMfaCode('mfa@example.com') ?? '' },
      cookie,
    );
    expect(done.status).toBe(302);
    const location = new URL(done.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(ANDROID);
    const ticket = location.searchParams.get('ticket') ?? '';
    expect(ticket).toMatch(/^ST-\d{7}-\w{20}-sso$/);
    expect((await raw.exchange(ticket)).response.status).toBe(200);
  });
});

describe('Garmin simulator: DI tokens', () => {
  it('checks Basic "<client_id>:" and the accepted client ids', async () => {
    const sim = await useSim({ clientIds: ['GARMIN_CONNECT_MOBILE_ANDROID_DI'] });
    const raw = rawClient(sim);
    const ticket = (await raw.login()).body.serviceTicketId;
    const form = {
      client_id: 'GARMIN_CONNECT_MOBILE_ANDROID_DI',
      service_ticket: ticket,
      grant_type: SERVICE_TICKET_GRANT,
      service_url: ANDROID,
    };
    expect((await raw.token(form, 'SOMEONE_ELSE')).response.status).toBe(401);
    expect((await raw.token(form, undefined, false)).response.status).toBe(401);
    expect((await raw.exchange(ticket, ANDROID, CLIENT_ID)).body.error).toBe('invalid_client');
    const ok = await raw.token(form);
    expect(ok.response.status).toBe(200);
    const claims = JSON.parse(
      Buffer.from(String(ok.body.access_token).split('.')[1] ?? '', 'base64url').toString(),
    );
    expect(claims.client_id).toBe('GARMIN_CONNECT_MOBILE_ANDROID_DI');
    expect(claims.exp - claims.iat).toBe(86_399);
  });

  it('tickets are single-use, short-lived (sim clock) and bound to their service', async () => {
    const clock = createClock(new Date('2026-11-20T06:00:00Z'));
    const sim = await useSim({ clock, ticketTtlSeconds: 30 });
    const raw = rawClient(sim);
    const first = (await raw.login()).body.serviceTicketId;
    expect(
      (await raw.exchange(first, 'https://mobile.integration.garmin.com/gcm/ios')).body.error_description,
    ).toBe('invalid service ticket provided');
    expect((await raw.exchange(first)).response.status).toBe(200);
    expect((await raw.exchange(first)).response.status).toBe(400);
    const second = (await raw.login()).body.serviceTicketId;
    clock.advance(31_000);
    expect((await raw.exchange(second)).body.error).toBe('invalid_grant');
    expect((await raw.form('not a form')).status).toBe(400);
  });

  it('refresh tokens rotate and die after one use; access tokens expire by the sim clock', async () => {
    const clock = createClock(new Date('2026-11-20T06:00:00Z'));
    const sim = await useSim({ clock, accessTokenTtlSeconds: 600 });
    const raw = rawClient(sim);
    const first = await raw.accessToken();
    const refresh = (token: string, clientId = CLIENT_ID) =>
      raw.token({ grant_type: 'refresh_token', client_id: clientId, refresh_token: token });
    expect((await refresh(first.refresh_token, 'GARMIN_CONNECT_MOBILE_IOS_DI')).response.status).toBe(400);
    const second = await refresh(first.refresh_token);
    expect(second.response.status).toBe(200);
    expect(second.body.refresh_token).not.toBe(first.refresh_token);
    expect((await refresh(first.refresh_token)).response.status).toBe(400);

    expect((await raw.api(first.access_token, '/userprofile-service/socialProfile')).status).toBe(200);
    clock.advance(600_000);
    expect((await raw.api(first.access_token, '/userprofile-service/socialProfile')).status).toBe(401);
    sim.revokeAccessTokens();
    expect((await raw.api(second.body.access_token, '/userprofile-service/socialProfile')).status).toBe(401);
  });
});

describe('Garmin simulator: upload and weight', () => {
  it('decodes both FIT fixtures with @garmin/fitsdk and stores their weigh-ins in grams', async () => {
    const { sim, raw, access_token } = await signedInSim();
    for (const name of ['fit_weight_sdk_encoder', 'fit_weight_legacy_layout']) {
      expect((await raw.upload(access_token, fixtureBytes(`${name}.fit`))).status).toBe(202);
    }
    const [ours, legacy] = sim.weighIns(EMAIL);
    const decoded = fixture<{ messages: { weightScaleMesgs: Json[] } }>(
      'fit_weight_sdk_encoder.decoded.json',
    );
    const expected = decoded.messages.weightScaleMesgs[0] as Json;
    expect(ours).toMatchObject({
      timestampGMT: Date.parse(expected.timestamp),
      weight: expected.weight * 1000,
      bodyFat: expected.percentFat,
      bodyWater: expected.percentHydration,
      boneMass: Math.round(expected.boneMass * 1000),
      muscleMass: Math.round(expected.muscleMass * 1000),
      bmi: expected.bmi,
      visceralFat: expected.visceralFatRating,
      metabolicAge: expected.metabolicAge,
      physiqueRating: expected.physiqueRating,
    });
    expect(legacy).toMatchObject({ weight: 68420, boneMass: 2940, muscleMass: 52680 });
    expect(sim.uploads().map((u) => [u.fileName, u.status, u.stored])).toEqual([
      ['weight.fit', 202, 1],
      ['weight.fit', 202, 1],
    ]);
  });

  it('stores a re-upload again, as Garmin does (duplicates)', async () => {
    const { sim, raw, access_token } = await signedInSim();
    const file = weightFit([
      { at: new Date('2026-11-20T06:31:07Z'), kg: 81.37 },
      { at: new Date('2026-11-21T06:00:00Z'), kg: 81 },
    ]);
    await raw.upload(access_token, file);
    await raw.upload(access_token, file);
    const stored = sim.weighIns(EMAIL);
    expect(stored).toHaveLength(4);
    expect(new Set(stored.map((w) => w.samplePk)).size).toBe(4);
  });

  it('refuses a missing field, a non-.fit name, a corrupt or non-weight file; never stores them', async () => {
    const { sim, raw, access_token } = await signedInSim();
    const good = fixtureBytes('fit_weight_sdk_encoder.fit');
    expect((await raw.upload(access_token, good, 'weight.fit', 'userfile')).status).toBe(400);
    const txt = await raw.upload(access_token, good, 'weight.txt');
    expect(txt.status).toBe(400);
    expect(((await txt.json()) as Json).detailedImportResult.failures[0].messages[0].content).toBe(
      'Unsupported file type.',
    );
    const corrupt = good.slice();
    corrupt[40] = (corrupt[40] ?? 0) ^ 0xff;
    expect((await raw.upload(access_token, corrupt)).status).toBe(400);
    const activity = new Encoder();
    activity.writeMesg({
      mesgNum: Profile.MesgNum.FILE_ID,
      type: 'activity',
      timeCreated: new Date(),
    } as never);
    const notWeight = await raw.upload(access_token, activity.close());
    expect(((await notWeight.json()) as Json).detailedImportResult.failures[0].messages[0].content).toBe(
      'Unsupported FIT file type.',
    );
    const json = await raw.api(access_token, '/upload-service/upload', { method: 'POST', body: '{}' });
    expect(json.status).toBe(415);
    expect(sim.weighIns(EMAIL)).toEqual([]);
  });

  it.each([
    ['phantom-upload', 202, 'envelope'],
    ['empty-array-upload', 202, '[]'],
    ['empty-body-upload', 202, ''],
    ['upload-failure', 202, 'failures'],
    ['duplicate-upload', 409, 'failures'],
  ] as const)('%s answers %i and stores nothing', async (fault, status, shape) => {
    const { sim, raw, access_token } = await signedInSim();
    sim.faults.add(fault);
    const response = await raw.upload(access_token, fixtureBytes('fit_weight_sdk_encoder.fit'));
    expect(response.status).toBe(status);
    const text = await response.text();
    if (shape === '') expect(text).toBe('');
    else if (shape === '[]') expect(text).toBe('[]');
    else if (shape === 'envelope') expect(JSON.parse(text).detailedImportResult.failures).toEqual([]);
    else expect(JSON.parse(text).detailedImportResult.failures).toHaveLength(1);
    expect(sim.weighIns(EMAIL)).toEqual([]);
    expect(sim.uploads()[0]?.stored).toBe(0);
  });

  it('files weigh-ins under the account zone’s local date; date is local-as-UTC, across DST', async () => {
    const sim = await useSim({
      accounts: [{ email: EMAIL, password: PASSWORD, timeZone: 'America/Chicago' }],
    });
    const raw = rawClient(sim);
    const { access_token } = await raw.accessToken();
    const winter = new Date('2026-03-08T05:30:00Z'); // 23:30 CST on the 7th
    const summer = new Date('2026-03-08T09:30:00Z'); // 04:30 CDT on the 8th (DST began 08:00Z)
    await raw.upload(
      access_token,
      weightFit([
        { at: winter, kg: 80 },
        { at: summer, kg: 79.9 },
      ]),
    );
    const [a, b] = sim.weighIns(EMAIL);
    expect([a?.calendarDate, a?.date]).toEqual(['2026-03-07', winter.getTime() - 6 * 3600_000]);
    expect([b?.calendarDate, b?.date]).toEqual(['2026-03-08', summer.getTime() - 5 * 3600_000]);
    const range = (await (
      await raw.api(access_token, '/weight-service/weight/range/2026-03-07/2026-03-08?includeAll=true')
    ).json()) as Json;
    expect(range.dailyWeightSummaries.map((d: Json) => d.summaryDate)).toEqual(['2026-03-08', '2026-03-07']);
    expect(range.totalAverage.from).toBe(Date.parse('2026-03-07T00:00:00Z'));
    expect(range.totalAverage.until).toBe(Date.parse('2026-03-08T23:59:59.999Z'));
    expect(range.dailyWeightSummaries[0].latestWeight.weightDelta).toBeCloseTo(-100, 6);
  });

  it('range: newest first within a day, previous/next outside it, allWeightMetrics only with includeAll', async () => {
    const { sim, raw, access_token } = await signedInSim();
    for (const [iso, kg] of [
      ['2026-11-01T07:00:00Z', 80],
      ['2026-11-10T07:00:00Z', 81],
      ['2026-11-10T19:00:00Z', 81.5],
      ['2026-11-20T07:00:00Z', 82],
    ] as const) {
      sim.addWeighIn(EMAIL, { timestamp: new Date(iso), weightKg: kg });
    }
    const get = async (path: string) => (await raw.api(access_token, path)).json() as Promise<Json>;
    const range = await get('/weight-service/weight/range/2026-11-05/2026-11-15?includeAll=true');
    expect(range.dailyWeightSummaries).toHaveLength(1);
    const day = range.dailyWeightSummaries[0];
    expect(day.allWeightMetrics.map((w: Json) => w.weight)).toEqual([81500, 81000]);
    expect([day.minWeight, day.maxWeight, day.numOfWeightEntries]).toEqual([81000, 81500, 2]);
    expect(day.latestWeight.weight).toBe(81500);
    expect(range.previousDateWeight).toMatchObject({ weight: 80000, weightDelta: null });
    expect(range.nextDateWeight).toMatchObject({ weight: 82000, weightDelta: null });
    const summary = await get('/weight-service/weight/range/2026-11-05/2026-11-15');
    expect(summary.dailyWeightSummaries[0].allWeightMetrics).toEqual([]);
    expect((await raw.api(access_token, '/weight-service/weight/range/2026-13-01/2026-11-15')).status).toBe(
      400,
    );
    expect((await raw.api(access_token, '/weight-service/weight/range/2026-02-30/2026-11-15')).status).toBe(
      400,
    );
    expect((await raw.api(access_token, '/weight-service/weight/range/2026-11-15/2026-11-05')).status).toBe(
      400,
    );
  });

  it('delete by calendarDate + samplePk: 204, then 404; the wrong date is a 404', async () => {
    const { sim, raw, access_token } = await signedInSim();
    const stored = sim.addWeighIn(EMAIL, { timestamp: new Date('2026-11-20T06:31:07Z'), weightKg: 81.37 });
    const del = (date: string) =>
      raw.api(access_token, `/weight-service/weight/${date}/byversion/${stored.samplePk}`, {
        method: 'DELETE',
      });
    expect((await del('2026-11-21')).status).toBe(404);
    expect((await del('2026-11-20')).status).toBe(204);
    expect((await del('2026-11-20')).status).toBe(404);
    expect(sim.weighIns(EMAIL)).toEqual([]);
  });
});

describe('Garmin simulator: blood pressure, faults, latency, secrets', () => {
  it('blood pressure: write (validated), range by local date, delete', async () => {
    const { sim, raw, access_token } = await signedInSim();
    const post = (body: Json) => raw.postBloodPressure(access_token, body);
    const body = fixture<{ json: Json }>('blood_pressure_post_request.json').json;
    expect((await post({ ...body, measurementTimestampGMT: '2026-10-04 13:55' })).status).toBe(400);
    expect((await post({ ...body, systolic: 'high' })).status).toBe(400);
    const saved = (await (await post(body)).json()) as Json;
    expect(saved).toMatchObject({ systolic: 117, measurementTimestampLocal: '2026-10-04T06:55:00.0' });
    expect(sim.bloodPressures(EMAIL)).toHaveLength(1);
    const del = (date: string) =>
      raw.api(access_token, `/bloodpressure-service/bloodpressure/${date}/${saved.version}`, {
        method: 'DELETE',
      });
    expect((await del('2026-10-03')).status).toBe(404);
    expect((await del('2026-10-04')).status).toBe(204);
    expect(sim.bloodPressures(EMAIL)).toEqual([]);
  });

  it('faults are typed, counted, and default to where they belong', async () => {
    const sim = await useSim();
    const raw = rawClient(sim);
    sim.faults.add('phantom-upload', 2);
    expect(sim.faults.size).toBe(1);
    expect((await raw.login()).response.status).toBe(200); // an upload fault does not hit the login
    expect(sim.faults.size).toBe(1);
    sim.faults.clear();
    expect(sim.faults.size).toBe(0);
    expect(() => sim.faults.add('nonsense' as never)).toThrow(/unknown Garmin simulator fault/);

    sim.faults.add({ kind: 'rate-limited', retryAfterSeconds: 7 }, 2, /^\/mobile\/api\//);
    const first = await raw.login();
    expect(first.response.status).toBe(429);
    expect(first.response.headers.get('retry-after')).toBe('7');
    expect((await raw.login()).response.status).toBe(429);
    expect((await raw.login()).response.status).toBe(200);

    sim.faults.add('cloudflare-403');
    const blocked = await fetch(`${sim.url}/mobile/api/login?${raw.query()}`, { method: 'POST' });
    expect([blocked.status, blocked.headers.get('cf-mitigated')]).toEqual([403, 'challenge']);
    expect(await blocked.text()).toContain('Just a moment...');
    sim.faults.add('unavailable', 1, '/di-oauth2-service/oauth/token');
    const unavailable = await raw.form('grant_type=refresh_token');
    expect([unavailable.status, await unavailable.text()]).toEqual([
      503,
      'upstream connect error or disconnect/reset before headers',
    ]);
  });

  it('injects latency, logs every request, lists every secret it handed out', async () => {
    const sim = await useSim({
      accounts: [{ email: 'mfa@example.com', password: 'pw-secret-9', mfa: true }],
    });
    const raw = rawClient(sim);
    const login = await raw.login('mfa@example.com', 'pw-secret-9');
    const verify = await raw.verify(sim.lastMfaCode('mfa@example.com') ?? '', login.cookie);
    const { body: tokens } = await raw.exchange(verify.body.serviceTicketId);
    expect(sim.secrets()).toEqual(
      expect.arrayContaining([
        'pw-secret-9',
        sim.lastMfaCode('mfa@example.com'),
        verify.body.serviceTicketId,
        tokens.access_token,
        tokens.refresh_token,
      ]),
    );
    expect(sim.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      'GET /mobile/sso/en/sign-in 200',
      'POST /mobile/api/login 200',
      'POST /mobile/api/mfa/verifyCode 200',
      'POST /di-oauth2-service/oauth/token 200',
    ]);
    sim.latencyMs = 120;
    const started = performance.now();
    await raw.api(tokens.access_token, '/userprofile-service/socialProfile');
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);
    expect(sim.latencyMs).toBe(120);
  });

  it('rejects an unknown time zone and a second account with the same e-mail', async () => {
    await expect(
      useSim({ accounts: [{ email: 'a@b.c', password: 'x', timeZone: 'Mars/Base' }] }),
    ).rejects.toThrow(/time zone/);
    const sim = await useSim();
    expect(() => sim.addAccount({ email: 'USER@example.com', password: 'x' })).toThrow(/exists/);
    expect(() => sim.weighIns('nobody@example.com')).toThrow(/no account/);
  });
});
