import { describe, expect, it } from 'vitest';
import {
  EMAIL,
  fixture,
  fixtureBytes,
  fixtureText,
  keyPaths,
  PASSWORD,
  rawClient,
  signedInSim,
  useSim,
} from './garmin-helpers.js';

type Json = Record<string, unknown>;
const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

describe('the Garmin simulator answers with the recorded key sets', () => {
  it('SSO: login success, MFA required, invalid credentials, captcha, MFA verify', async () => {
    const sim = await useSim({
      accounts: [
        { email: EMAIL, password: PASSWORD },
        { email: 'mfa@example.com', password: 'pw-mfa-1', mfa: true },
        { email: 'bot@example.com', password: 'pw-bot-1', captcha: true },
      ],
    });
    const raw = rawClient(sim);
    const ok = await raw.login();
    expect(keyPaths(ok.body)).toEqual(keyPaths(fixture('sso_mobile_login_successful.json')));
    expect(ok.body.serviceTicketId).toMatch(/^ST-\d{7}-[A-Za-z0-9]{20}-sso$/);

    const mfa = await raw.login('mfa@example.com', 'pw-mfa-1');
    expect(keyPaths(mfa.body)).toEqual(keyPaths(fixture('sso_mobile_login_mfa_required.json')));
    expect(mfa.body.customerMfaInfo.email).toBe('mf*****@example.com');

    const verify = await raw.verify(sim.lastMfaCode('mfa@example.com') ?? '', mfa.cookie);
    expect(keyPaths(verify.body)).toEqual(keyPaths(fixture('sso_mobile_mfa_verify_successful.json')));

    const wrong = await raw.login(EMAIL, 'nope');
    const recorded = fixture<{ _http_status: number; body: Json }>(
      'sso_mobile_login_invalid_credentials_401.json',
    );
    expect(wrong.response.status).toBe(recorded._http_status);
    expect(wrong.body).toEqual(recorded.body);

    const captcha = await raw.login('bot@example.com', 'pw-bot-1');
    const { _note, ...captchaFixture } = fixture('sso_mobile_login_captcha_required.json');
    expect(captcha.body).toEqual(captchaFixture);
  });

  it('DI: token and refresh answers, the JWT header and claims, invalid_grant', async () => {
    const sim = await useSim();
    const raw = rawClient(sim);
    const { body: login } = await raw.login();
    const { body: tokens } = await raw.exchange(login.serviceTicketId);
    expect(keyPaths(tokens)).toEqual(keyPaths(fixture('di_token_response.json')));
    const [header, payload] = String(tokens.access_token).split('.');
    const recordedJwt = fixture<{ header: Json; payload: Json }>('di_token_jwt_decoded.json');
    expect(keyPaths(decode(header ?? ''))).toEqual(keyPaths(recordedJwt.header));
    expect(keyPaths(decode(payload ?? ''))).toEqual(keyPaths(recordedJwt.payload));
    expect(decode(header ?? '').alg).toBe('RS256');
    expect(decode(payload ?? '').scope).toEqual(String(tokens.scope).split(' ')); // as in the fixture

    const refresh = { grant_type: 'refresh_token', client_id: 'GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2' };
    const { body: rotated } = await raw.token({ ...refresh, refresh_token: tokens.refresh_token });
    expect(keyPaths(rotated)).toEqual(keyPaths(fixture('di_refresh_response.json')));
    const { response, body: refused } = await raw.token({ ...refresh, refresh_token: tokens.refresh_token });
    const recorded = fixture<{ _http_status: number; body: Json }>('di_refresh_invalid_grant_400.json');
    expect(response.status).toBe(recorded._http_status);
    expect(keyPaths(refused)).toEqual(keyPaths(recorded.body));
    expect(refused.error_description).toBe(`Invalid refresh token: ${tokens.refresh_token}`); // echoed, as recorded
    expect(keyPaths(fixture('di_refresh_cn_user_not_in_db_400.json').body)).toEqual(keyPaths(refused));
  });

  it('API: socialProfile keys, 401 as recorded, 403/404 bodies, JSON 429, Cloudflare 429 page', async () => {
    const { sim, raw, access_token } = await signedInSim();
    const profile = (await (
      await raw.api(access_token, '/userprofile-service/socialProfile')
    ).json()) as Json;
    expect(profile).toMatchObject({
      displayName: expect.any(String),
      profileId: expect.any(Number),
      garminGUID: expect.any(String),
    });

    const unauthorized = await raw.api('not-a-token', '/userprofile-service/socialProfile');
    const recorded401 = fixture<{ _http_status: number; headers: Record<string, string>; body: string }>(
      'error_401_token_not_active.json',
    );
    expect(unauthorized.status).toBe(recorded401._http_status);
    expect(unauthorized.headers.get('www-authenticate')).toBe(recorded401.headers['www-authenticate']);
    expect(await unauthorized.text()).toBe(recorded401.body);

    const missing = await raw.api(access_token, '/weight-service/weight/2026-11-20/byversion/1', {
      method: 'DELETE',
    });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual(fixture('error_404_not_found.json').body);

    sim.faults.add('forbidden');
    const forbidden = await raw.api(access_token, '/userprofile-service/socialProfile');
    const recorded403 = fixture<{ body: Json; headers: Record<string, string> }>('error_403_forbidden.json');
    expect(await forbidden.json()).toEqual(recorded403.body);
    expect(forbidden.headers.get('server')).toBe('cloudflare');

    sim.faults.add('json-429', 1, '/mobile/api/login');
    const json429 = await raw.login();
    expect(keyPaths(json429.body)).toEqual(keyPaths(fixture('error_429_json_in_body.json').body));

    sim.faults.add('cloudflare-429');
    const page = await fetch(`${sim.url}/mobile/api/login?${raw.query()}`, { method: 'POST' });
    expect(page.status).toBe(429);
    const title = /<title>(.*?)<\/title>/.exec(await page.text())?.[1];
    expect(title).toBe(/<title>(.*?)<\/title>/.exec(fixtureText('error_429_cloudflare.html'))?.[1]);
  });

  it('upload: the 202 envelope and headers, the 409 duplicate envelope', async () => {
    const { sim, raw, access_token } = await signedInSim();
    const accepted = await raw.upload(access_token, fixtureBytes('fit_weight_sdk_encoder.fit'));
    const recordedHeaders = fixture<{ status: number; headers: Record<string, string> }>(
      'upload_success_202.headers.json',
    );
    expect(accepted.status).toBe(recordedHeaders.status);
    expect(accepted.headers.get('location')).toMatch(
      /\/activity-service\/activity\/status\/\d+\/[0-9a-f]{32}$/,
    );
    expect(accepted.headers.get('location-in-milliseconds')).toBe(
      recordedHeaders.headers['location-in-milliseconds'],
    );
    const body = (await accepted.json()) as Json;
    expect(keyPaths(body)).toEqual(keyPaths(fixture('upload_success_202.json')));

    sim.faults.add('duplicate-upload');
    const duplicate = await raw.upload(access_token, fixtureBytes('fit_weight_sdk_encoder.fit'));
    const recorded = fixture<{ _http_status: number; body: Json }>('upload_duplicate_409.json');
    expect(duplicate.status).toBe(recorded._http_status);
    const duplicateBody = (await duplicate.json()) as { detailedImportResult: Json };
    expect(keyPaths(duplicateBody)).toEqual(keyPaths(recorded.body));
    // the ids are free values (ours in the fixture, the simulator's here): equal but for them
    const [recordedFailure] = (recorded.body.detailedImportResult as { failures: Json[] }).failures;
    expect(duplicateBody.detailedImportResult.failures).toEqual([
      { ...recordedFailure, internalId: expect.any(Number), externalId: expect.stringMatching(/^\d+$/) },
    ]);
  });

  it('weight: range (with previous/next), empty range, dayview with entries and empty', async () => {
    const sim = await useSim({
      accounts: [{ email: EMAIL, password: PASSWORD, timeZone: 'America/Chicago' }],
    });
    const raw = rawClient(sim);
    const { access_token } = await raw.accessToken();
    const get = async (path: string) => (await raw.api(access_token, path)).json() as Promise<Json>;
    // an account without weigh-ins: previous/next come back all-null, as recorded
    const empty = await get('/weight-service/weight/range/2019-12-18/2020-01-01?includeAll=true');
    expect(keyPaths(empty)).toEqual(keyPaths(fixture('weight_range_empty.json')));
    expect(empty.nextDateWeight).toEqual(fixture('weight_range_empty.json').nextDateWeight);
    expect(empty.previousDateWeight).toEqual(fixture('weight_range_empty.json').previousDateWeight);

    sim.addWeighIn(EMAIL, {
      timestamp: new Date('2025-05-31T16:36:45Z'),
      weightKg: 58.7,
      bmi: 22.4,
      fatPercent: 20.7,
    });
    sim.addWeighIn(EMAIL, { timestamp: new Date('2025-06-14T13:53:00Z'), weightKg: 59.13, boneMassKg: 3.43 });
    sim.addWeighIn(EMAIL, {
      timestamp: new Date('2025-06-15T00:52:05.175Z'),
      weightKg: 59.5,
      sourceType: 'MANUAL',
    });
    sim.addWeighIn(EMAIL, { timestamp: new Date('2025-06-15T14:14:36Z'), weightKg: 59.72 });
    const range = await get('/weight-service/weight/range/2025-06-01/2025-06-15?includeAll=true');
    expect(keyPaths(range)).toEqual(keyPaths(fixture('weight_range.json')));

    const day = await get('/weight-service/weight/dayview/2025-06-14');
    expect(keyPaths(day)).toEqual(keyPaths(fixture('weight_dayview_two_entries.json')));
    const emptyDay = await get('/weight-service/weight/dayview/2021-03-07');
    const { _note: _dayNote, ...emptyDayFixture } = fixture('weight_dayview_empty.json');
    expect(emptyDay).toEqual(emptyDayFixture);
  });

  it('blood pressure: the range answer', async () => {
    const { raw, access_token } = await signedInSim();
    const post = (body: Json) => raw.postBloodPressure(access_token, body);
    const recordedPost = fixture<{ json: Json }>('blood_pressure_post_request.json').json;
    expect((await post(recordedPost)).status).toBe(200);
    await post({
      ...recordedPost,
      measurementTimestampLocal: '2026-10-04T07:21:00.000',
      measurementTimestampGMT: '2026-10-04T14:21:00.000',
      systolic: 131,
      diastolic: 84,
      pulse: 63,
    });
    const range = (await (
      await raw.api(
        access_token,
        '/bloodpressure-service/bloodpressure/range/2026-10-04/2026-10-04?includeAll=true',
      )
    ).json()) as Json;
    expect(keyPaths(range)).toEqual(keyPaths(fixture('blood_pressure_range.json')));
    const summary = (range.measurementSummaries as Json[])[0] as Json;
    expect((summary.measurements as Json[]).map((m) => m.measurementTimestampLocal)).toEqual([
      '2026-10-04T06:55:00.0',
      '2026-10-04T07:21:00.0',
    ]);
    expect(summary).toMatchObject({
      highSystolic: 131,
      lowSystolic: 117,
      numOfMeasurements: 2,
      category: 'STAGE_1_HIGH',
    });
  });
});
