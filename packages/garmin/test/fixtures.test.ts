import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bloodPressureBody, toBloodPressures } from '../src/blood-pressure.js';
import { failure as failureOf, isJsonRateLimit, type ReadResponse } from '../src/http.js';
import { importGarminTokens } from '../src/index.js';
import { jwtExpiry, readJwt } from '../src/jwt.js';
import {
  apiError,
  bloodPressureRange,
  diTokenResponse,
  oauthError,
  ssoLoginResponse,
  weightDayview,
  weightRange,
} from '../src/schemas.js';
import { tokensFromResponse } from '../src/token-response.js';
import { readUploadResult } from '../src/upload-result.js';
import { toWeighIn } from '../src/weigh-ins.js';
import { fixture } from './helpers.js';

type Json = Record<string, unknown>;
const ctx = { fetch, timeoutMs: 1000, maxResponseBytes: 1024 * 1024, secrets: () => [] };
const answer = (status: number, body: string, headers: Record<string, string> = {}): ReadResponse => ({
  status,
  headers: new Headers(headers),
  text: body,
});

// Every fixture file, and the test below that reads it: adding a fixture without a test fails here.
const covered = new Set<string>();
const use = <T = Json>(name: string): T => {
  covered.add(name);
  return fixture<T>(name);
};

describe('recorded Garmin payloads parse with the client’s schemas', () => {
  it('SSO login answers: success, MFA required, invalid credentials, captcha; MFA verify', () => {
    const success = ssoLoginResponse.parse(use('sso_mobile_login_successful.json'));
    expect(success.serviceTicketId).toMatch(/^ST-\d{6,7}-[A-Za-z0-9]{20}-sso$/);
    expect(success.responseStatus.type).toBe('SUCCESSFUL');
    const mfa = ssoLoginResponse.parse(use('sso_mobile_login_mfa_required.json'));
    expect(mfa.customerMfaInfo?.mfaLastMethodUsed).toBe('email');
    const invalid = use<{ _http_status: number; body: Json }>(
      'sso_mobile_login_invalid_credentials_401.json',
    );
    expect(ssoLoginResponse.parse(invalid.body).responseStatus.type).toBe('INVALID_USERNAME_PASSWORD');
    expect(ssoLoginResponse.parse(use('sso_mobile_login_captcha_required.json')).responseStatus.type).toBe(
      'CAPTCHA_REQUIRED',
    );
    const verified = ssoLoginResponse.parse(use('sso_mobile_mfa_verify_successful.json'));
    expect(verified.serviceTicketId).toMatch(/^ST-/);
  });

  it('our SSO requests carry the recorded key sets', () => {
    const login = use<{ json: Json; url: string }>('sso_mobile_login_request.json');
    expect(Object.keys(login.json).sort()).toEqual(['captchaToken', 'password', 'rememberMe', 'username']);
    expect(new URL(login.url).searchParams.get('clientId')).toBe('GCM_ANDROID_DARK');
    const verify = use<{ json: Json }>('sso_mobile_mfa_verify_request.json');
    expect(Object.keys(verify.json).sort()).toEqual([
      'mfaMethod',
      'mfaSetup',
      'mfaVerificationCode',
      'reconsentList',
      'rememberMyBrowser',
    ]);
  });

  it('DI token and refresh answers become GarminTokens with expiresAt from the JWT exp', () => {
    const decoded = use<{ header: Json; payload: { exp: number; client_id: string } }>(
      'di_token_jwt_decoded.json',
    );
    for (const name of ['di_token_response.json', 'di_refresh_response.json']) {
      const body = use(name);
      expect(diTokenResponse.parse(body).token_type).toBe('bearer');
      const tokens = tokensFromResponse(answer(200, JSON.stringify(body)), 'POST /token', {
        clientId: 'GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2',
        domain: 'garmin.com',
      });
      expect(tokens.refreshToken).toBe(body.refresh_token);
      expect(tokens.expiresAt).toEqual(jwtExpiry(body.access_token as string));
    }
    const access = use<{ access_token: string }>('di_token_response.json').access_token;
    expect(readJwt(access)).toEqual(decoded.payload);
    expect(jwtExpiry(access)?.toISOString()).toBe(new Date(decoded.payload.exp * 1000).toISOString());
  });

  it('DI requests: the form fields we send are the recorded ones', () => {
    const exchange = use<{ form: Json; headers: Json }>('di_token_request.json');
    expect(Object.keys(exchange.form).sort()).toEqual([
      'client_id',
      'grant_type',
      'service_ticket',
      'service_url',
    ]);
    expect(exchange.headers.Authorization).toBe(
      `Basic ${Buffer.from('GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2:').toString('base64')}`,
    );
    const refresh = use<{ form: Json }>('di_refresh_request.json');
    expect(Object.keys(refresh.form).sort()).toEqual(['client_id', 'grant_type', 'refresh_token']);
  });

  it('invalid_grant bodies parse as OAuth errors and are scrubbed in messages', () => {
    for (const name of ['di_refresh_invalid_grant_400.json', 'di_refresh_cn_user_not_in_db_400.json']) {
      const { body, _http_status } = use<{ body: Json; _http_status: number }>(name);
      expect(oauthError.parse(body).error).toBe('invalid_grant');
      const error = failureOf(answer(_http_status, JSON.stringify(body)), 'POST /token', ctx);
      expect(error.message).not.toContain(
        'eyJyZWZyZXNoVG9rZW5WYWx1ZSI6IjU3ZjczZWJhLTI4ZmYtNDI1NS05N2RiLWZhYzE0MjU2ZWEyYyIsImdhcm1pbkd1aWQiOiIwNmQyY2Q2NS02NWY4LTQ2MGEtYWUyZS1iOTQ0MDczZGRmM2QifQ==',
      );
    }
  });

  it('the legacy garth OAuth2 answer has the DI shape but is refused as a token file', () => {
    const legacy = use('legacy_oauth2_exchange_response.json');
    expect(diTokenResponse.parse(legacy).expires_in).toBe(101213);
    expect(() => importGarminTokens(legacy)).toThrow(/garth-era/);
  });

  it('python-garminconnect’s garmin_tokens.json imports', () => {
    const tokens = importGarminTokens(JSON.stringify(use('garmin_tokens_file.json')));
    expect(tokens.clientId).toBe('GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2');
    expect(tokens.expiresAt?.toISOString()).toBe('2026-10-12T17:24:40.000Z'); // exp 1791825880
    expect(tokens.domain).toBe('garmin.com');
  });

  it('upload answers: 202 → accepted, constructed 409 → duplicate', () => {
    const accepted = readUploadResult(
      answer(202, JSON.stringify(use('upload_success_202.json'))),
      'POST /upload',
      [],
    );
    expect(accepted).toEqual({ uploadId: '318406275519', status: 'accepted' });
    const headers = use<{ status: number; headers: Record<string, string> }>(
      'upload_success_202.headers.json',
    );
    expect(headers.status).toBe(202);
    expect(headers.headers['location-in-milliseconds']).toBe('1000');
    const duplicate = use<{ body: Json; _http_status: number }>('upload_duplicate_409.json');
    expect(readUploadResult(answer(409, JSON.stringify(duplicate.body)), 'POST /upload', [])).toEqual({
      uploadId: '',
      status: 'duplicate',
    });
    // the same envelope with a 2xx is still a duplicate, never an acceptance
    expect(readUploadResult(answer(200, JSON.stringify(duplicate.body)), 'POST /upload', []).status).toBe(
      'duplicate',
    );
  });

  it('weight range, dayview and their empty forms', () => {
    const range = weightRange.parse(use('weight_range.json'));
    const weighIns = range.dailyWeightSummaries.flatMap((d) => d.allWeightMetrics).map(toWeighIn);
    expect(weighIns.map((w) => [w?.takenAt.toISOString(), w?.weightKg, w?.calendarDate])).toEqual([
      ['2026-10-04T13:36:12.000Z', 68.42, '2026-10-04'],
      ['2026-10-04T03:41:26.338Z', 68.8, '2026-10-03'],
      ['2026-10-03T13:49:55.000Z', 68.34, '2026-10-03'],
      ['2026-09-26T14:12:09.000Z', 68.614, '2026-09-26'],
    ]);
    // 03:41Z on the 4th is filed under the 3rd (UTC−7): takenAt comes from timestampGMT, not date
    expect(weighIns[1]?.takenAt.getTime()).toBe(1791085286338);
    expect(weighIns[0]?.bmi).toBe(22.3);
    expect(weighIns[0]?.boneMassKg).toBe(2.9);
    expect(toWeighIn(range.nextDateWeight as never)).toBeUndefined();
    expect(weightRange.parse(use('weight_range_empty.json')).dailyWeightSummaries).toEqual([]);
    const day = weightDayview.parse(use('weight_dayview_two_entries.json'));
    expect(day.dateWeightList.map((e) => toWeighIn(e)?.sourceType)).toEqual(['MANUAL', 'INDEX_SCALE']);
    expect(weightDayview.parse(use('weight_dayview_empty.json')).dateWeightList).toEqual([]);
  });

  it('blood pressure: the range parses; our write body has the recorded keys and values', () => {
    const range = toBloodPressures(bloodPressureRange.parse(use('blood_pressure_range.json')));
    expect(range.map((r) => r.takenAt.toISOString())).toEqual([
      '2026-10-04T13:55:00.000Z',
      '2026-10-04T14:21:00.000Z',
    ]);
    const recorded = use<{ json: Json }>('blood_pressure_post_request.json').json;
    const ours = bloodPressureBody({
      takenAt: new Date('2026-10-04T13:55:00Z'),
      timeZone: 'America/Los_Angeles',
      systolic: 117,
      diastolic: 76,
      pulse: 58,
    });
    expect(ours).toEqual(recorded);
  });

  it('the user-weight request is a write path the client deliberately does not use', () => {
    // It stores weight only (no body composition) and shows as MANUAL; FIT upload is used instead.
    const request = use<{ url: string; expected_response: { status: number } }>(
      'user_weight_post_request.json',
    );
    expect(request.url).toMatch(/\/weight-service\/user-weight$/);
    expect(request.expected_response.status).toBe(204);
  });

  it('error bodies and pages map to the right codes', () => {
    const e403 = use<{ body: Json; headers: Record<string, string> }>('error_403_forbidden.json');
    expect(apiError.parse(e403.body).error).toBe('ForbiddenException');
    expect(failureOf(answer(403, JSON.stringify(e403.body), e403.headers), 'GET /x', ctx).code).toBe(
      'FORBIDDEN',
    );
    const e404 = use<{ body: Json }>('error_404_not_found.json');
    expect(failureOf(answer(404, JSON.stringify(e404.body)), 'GET /x', ctx).code).toBe('NOT_FOUND');
    const e401 = use<{ headers: Record<string, string>; body: string }>('error_401_token_not_active.json');
    expect(failureOf(answer(401, e401.body, e401.headers), 'GET /x', ctx).code).toBe('AUTH_EXPIRED');
    const json429 = use<{ body: Json }>('error_429_json_in_body.json');
    expect(isJsonRateLimit(answer(200, JSON.stringify(json429.body)))).toBe(true);
    expect(failureOf(answer(200, JSON.stringify(json429.body)), 'POST /login', ctx).code).toBe(
      'RATE_LIMITED',
    );
    covered.add('error_429_cloudflare.html');
    const html = fixtureText('error_429_cloudflare.html');
    const cf = failureOf(
      answer(429, html, { 'content-type': 'text/html', 'retry-after': '600' }),
      'POST /login',
      ctx,
    );
    expect(cf.code).toBe('RATE_LIMITED');
    expect(cf.retryAfterMs).toBe(600_000);
    expect(cf.message).toMatch(/Cloudflare/);
    expect(failureOf(answer(403, html, { 'content-type': 'text/html' }), 'POST /login', ctx).code).toBe(
      'BLOCKED',
    );
  });

  it('the FIT fixtures are exercised by the upload tests', () => {
    // garmin-client-upload.test.ts uploads both .fit files to the simulator and checks what it stored.
    for (const name of [
      'fit_weight_sdk_encoder.fit',
      'fit_weight_sdk_encoder.decoded.json',
      'fit_weight_legacy_layout.fit',
      'fit_weight_legacy_layout.decoded.json',
      'SOURCES.md',
    ]) {
      covered.add(name);
    }
    const all = readdirSync(new URL('./fixtures/', import.meta.url));
    expect(all.filter((name) => !covered.has(name))).toEqual([]);
  });
});

function fixtureText(name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
}
