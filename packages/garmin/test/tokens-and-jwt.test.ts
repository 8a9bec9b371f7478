import { describe, expect, it } from 'vitest';
import { GarminApiError, type GarminTokens, importGarminTokens, isGarminApiError } from '../src/index.js';
import { jwtExpiry } from '../src/jwt.js';
import { fixture, thrown } from './helpers.js';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = (payload: unknown, header: unknown = { alg: 'RS256', typ: 'JWT' }) =>
  `${b64(header)}.${b64(payload)}.c2lnbmF0dXJl`;

describe('JWT expiry', () => {
  it('reads exp (epoch seconds)', () => {
    expect(jwtExpiry(jwt({ exp: 1795242599 }))?.toISOString()).toBe('2026-11-21T06:29:59.000Z');
  });

  it.each([
    ['no exp', jwt({ client_id: 'x' })],
    ['exp as a string', jwt({ exp: '1795242599' })],
    ['negative exp', jwt({ exp: -5 })],
    ['not a JWT', 'opaque-access-token'],
    ['garbage payload', `${b64({ alg: 'RS256' })}.%%%.sig`],
    ['payload not an object', jwt([1, 2])],
  ])('%s → null', (_, token) => {
    expect(jwtExpiry(token)).toBeNull();
  });

  it.each(['none', 'NONE', 'None'])('rejects alg: %s with a typed PROTOCOL error', (alg) => {
    const error = thrown(() => jwtExpiry(jwt({ exp: 1795242599 }, { alg, typ: 'JWT' })));
    expect(isGarminApiError(error, 'PROTOCOL')).toBe(true);
    expect((error as Error).message).toMatch(/alg: none/);
  });
});

describe('importGarminTokens', () => {
  const access = jwt({
    exp: 1795242599,
    client_id: 'GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2',
    iss: 'https://diauth.garmin.com',
  });

  it('imports python-garminconnect’s garmin_tokens.json (string or object)', () => {
    const file = fixture('garmin_tokens_file.json');
    const fromText = importGarminTokens(JSON.stringify(file));
    expect(fromText).toEqual({
      accessToken: file.di_token,
      refreshToken:
        'eyJyZWZyZXNoVG9rZW5WYWx1ZSI6ImUyYTdjNWQxLThmMzQtNGI2OS1hMGQyLTVjMWU3YjkzZjA0NiIsImdhcm1pbkd1aWQiOiIwNmQyY2Q2NS02NWY4LTQ2MGEtYWUyZS1iOTQ0MDczZGRmM2QifQ==',
      clientId: 'GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2',
      expiresAt: new Date(1791825880 * 1000),
      domain: 'garmin.com',
    });
    expect(importGarminTokens(file)).toEqual(fromText);
  });

  it('takes the client id from the JWT when the PGC file lacks it, and the region from iss', () => {
    const cn = jwt({
      exp: 1795242599,
      client_id: 'GARMIN_CONNECT_MOBILE_ANDROID_DI',
      iss: 'https://diauth.garmin.cn',
    });
    const tokens = importGarminTokens({ di_token: cn, di_refresh_token: 'rt-1234' });
    expect(tokens.clientId).toBe('GARMIN_CONNECT_MOBILE_ANDROID_DI');
    expect(tokens.domain).toBe('garmin.cn');
  });

  it('round-trips our own JSON.stringify(tokens)', () => {
    const tokens: GarminTokens = {
      accessToken: access,
      refreshToken: 'rt-5678',
      clientId: 'GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2',
      expiresAt: new Date(1795242599 * 1000),
      domain: 'garmin.cn',
    };
    expect(importGarminTokens(JSON.stringify(tokens))).toEqual(tokens);
  });

  it('keeps a saved expiresAt when the token’s exp is unreadable', () => {
    const tokens = importGarminTokens({
      accessToken: 'opaque',
      refreshToken: 'rt-5678',
      clientId: 'X',
      expiresAt: '2026-12-01T00:00:00.000Z',
    });
    expect(tokens.expiresAt?.toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(tokens.domain).toBe('garmin.com');
    expect(
      importGarminTokens({ accessToken: 'opaque', refreshToken: 'r', clientId: 'X' }).expiresAt,
    ).toBeNull();
  });

  it.each([
    ['not JSON', '{"di_token": "eyJhbGciOi'],
    ['an array', '[]'],
    ['null', 'null'],
    ['a number', '42'],
    ['an empty object', '{}'],
    ['missing refresh token', JSON.stringify({ di_token: 'eyJ.a.b', di_client_id: 'X' })],
    ['empty strings', JSON.stringify({ accessToken: '', refreshToken: '', clientId: '' })],
    [
      'garth OAuth1 file',
      JSON.stringify({ oauth_token: 'tok-secret-1', oauth_token_secret: 'sec-secret-2' }),
    ],
    [
      'garth OAuth2 file',
      JSON.stringify({ access_token: 'acc-secret-3', refresh_token: 'ref-secret-4', expires_at: 1 }),
    ],
    [
      'unknown domain',
      JSON.stringify({ accessToken: 'a', refreshToken: 'b', clientId: 'c', domain: 'garmin.de' }),
    ],
  ])('%s → PROTOCOL, never quoting the input', (_, input) => {
    const error = thrown(() => importGarminTokens(input));
    expect(error).toBeInstanceOf(GarminApiError);
    expect((error as GarminApiError).code).toBe('PROTOCOL');
    for (const secret of ['eyJhbGciOi', 'tok-secret-1', 'sec-secret-2', 'acc-secret-3', 'ref-secret-4']) {
      expect((error as Error).message).not.toContain(secret);
      expect(JSON.stringify(error)).not.toContain(secret);
    }
    expect((error as Error).cause).toBeUndefined();
  });

  it('rejects an unsigned (alg: none) access token', () => {
    const unsigned = jwt({ exp: 1795242599 }, { alg: 'none' });
    expect(() =>
      importGarminTokens({ di_token: unsigned, di_refresh_token: 'r', di_client_id: 'X' }),
    ).toThrow(/alg: none/);
  });

  it('a garth file gets a useful hint', () => {
    expect(() => importGarminTokens({ oauth_token: 'a', oauth_token_secret: 'b' })).toThrow(
      /garminBrowserLogin/,
    );
  });
});
