import { describe, expect, it } from 'vitest';
import { describeUrl, excerpt, REDACTED, redact, redactPatterns } from '../src/index.js';

describe('redactPatterns: secrets removed without knowing their value', () => {
  it.each([
    ['a CAS ticket', 'got ST-0979123-AbCdEfGhIjKlMnOpQrSt-sso back', 'got ST-[redacted] back'],
    ['a short ticket', 'ticket ST-1-a.b_c here', 'ticket ST-[redacted] here'],
    ['a JWT', 'jwt eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjF9.c2ln here', 'jwt [redacted-jwt] here'],
    ['a two-part JWT', 'jwt eyJhbGci.eyJleHAi here', 'jwt [redacted-jwt] here'],
    ['a Bearer header', 'Authorization: Bearer abc.def-123', 'Authorization: Bearer [redacted]'],
    ['a Bearer JWT', 'authorization: bearer eyJhbGci.eyJleHAi.c2ln', 'authorization: bearer [redacted]'],
    ['a short Bearer value', 'Bearer x1', 'Bearer [redacted]'],
    ['a Basic header', 'Authorization: Basic R0FSTUlOOg==', 'Authorization: Basic [redacted]'],
    [
      'URL user info',
      'via https://wg:proxy-pass-91c2@proxy.example.org/x',
      'via https://[redacted]@proxy.example.org/x',
    ],
    ['a refresh token echo', 'Invalid refresh token: sim-di-rt-XYZ123', 'Invalid refresh token: [redacted]'],
    [
      'a JSON password',
      '{"username":"a@b.c","password":"hunter22"}',
      '{"username":"a@b.c","password":"[redacted]"}',
    ],
    ['a short password', 'password=abc', 'password=[redacted]'],
    ['passwd', "passwd: 'pw-1;2'", "passwd: '[redacted]'"],
    ['a form field', 'refresh_token=abc123&client_id=X', 'refresh_token=[redacted]&client_id=X'],
    [
      'query params',
      '/cb?code=4d1c0a7e93b2&state=x&access_token=tok1',
      '/cb?code=[redacted]&state=x&access_token=[redacted]',
    ],
    [
      'a camelCase token',
      '{"accessToken":"a1b2c3","di_refresh_token":"d4"}',
      '{"accessToken":"[redacted]","di_refresh_token":"[redacted]"}',
    ],
    ['di_token', 'di_token=dd-11', 'di_token=[redacted]'],
    [
      'oauth_token_secret',
      'oauth_token=aa11&oauth_token_secret=bb22',
      'oauth_token=[redacted]&oauth_token_secret=[redacted]',
    ],
    [
      'client_secret',
      'client_secret=s3cr3t&clientSecret: s4',
      'client_secret=[redacted]&clientSecret: [redacted]',
    ],
    ['a service ticket field', 'service_ticket=ST-1', 'service_ticket=[redacted]'],
    [
      'an MFA code',
      '{"mfaVerificationCode":"123456"} mfa_code=654321 mfa code: 111222',
      '{"mfaVerificationCode":"[redacted]"} mfa_code=[redacted] mfa code: [redacted]',
    ],
  ])('%s', (_, text, expected) => {
    expect(redactPatterns(text)).toBe(expected);
  });

  it('keeps a `code` shorter than 4 characters (a status code) and ordinary text', () => {
    expect(redactPatterns('status code: 429')).toBe('status code: 429');
    expect(redactPatterns('GET /weight-service/weight/range → 200 (12 ms); TEST-1 ok')).toBe(
      'GET /weight-service/weight/range → 200 (12 ms); TEST-1 ok',
    );
    expect(redactPatterns('https://proxy.example.org/a@b')).toBe('https://proxy.example.org/a@b');
  });

  it('labels a JWT as asked, taking the label literally', () => {
    expect(redactPatterns('x eyJa.eyJb y', { jwtLabel: REDACTED })).toBe('x [redacted] y');
    expect(redactPatterns('x eyJa.eyJb y', { jwtLabel: '$&$1' })).toBe('x $&$1 y');
  });

  it('is idempotent: redacting twice changes nothing more', () => {
    const once = redactPatterns('password=hunter22 Bearer abcdef ST-12345678 eyJa.eyJb code=abcdef');
    expect(redactPatterns(once)).toBe(once);
  });
});

describe('redact: known values', () => {
  it('removes a known value as is, URL-encoded and JSON-escaped', () => {
    const secret = 'p@ss w"rd/1';
    const text = `a ${secret} b ${encodeURIComponent(secret)} c ${JSON.stringify(secret)}`;
    expect(redact(text, [secret])).toBe('a [redacted] b [redacted] c "[redacted]"');
  });

  it('removes a secret that contains another (prefix, overlap) whole: longest first', () => {
    expect(redact('v=abcdefgh-secret', ['abcd', 'abcdefgh-secret'])).toBe('v=[redacted]');
    expect(redact('v=abcdefgh-secret', ['abcdefgh-secret', 'abcd'])).toBe('v=[redacted]');
    expect(redact('x xyz-1234-abc y', ['1234-abc', 'xyz-1234'])).toBe('x [redacted] y');
    expect(redact('x xyz-1234-abc y', ['xyz-1234', '1234-abc'])).toBe('x [redacted] y');
    expect(redact('aaaaa tok1tok2', ['aaaa', 'tok1', 'tok2'])).toBe('[redacted] [redacted][redacted]');
  });

  it('finds a secret exactly as long as the text, and every shorter one, among many longer ones', () => {
    // Secrets of every length from 4 to 60 characters: only those no longer than the text can be in it.
    const secrets = Array.from({ length: 57 }, (_, i) => `s${'x'.repeat(i + 2)}!`);
    const ten = secrets[6] as string;
    expect(ten).toHaveLength(10);
    expect(redact(ten, secrets)).toBe('[redacted]');
    expect(redact(`${ten} and sxx!`, secrets)).toBe('[redacted] and [redacted]');
    expect(redact('sxxxxxxxx', secrets)).toBe('sxxxxxxxx');
  });

  it('ignores empty, missing and too short values', () => {
    expect(redact('ab abc abcd', ['ab', 'abc', '', null, undefined])).toBe('ab abc abcd');
    expect(redact('ab abc abcd', ['abcd'])).toBe('ab abc [redacted]');
  });

  it('does not throw on a lone surrogate (which cannot be URL-encoded)', () => {
    const secret = 'pw-\ud800-pw';
    expect(redact(`a ${secret} b`, [secret])).toBe('a [redacted] b');
  });
});

describe('excerpt', () => {
  it('is single-line, redacted and bounded to max characters plus …', () => {
    const out = excerpt(`line1\n\nST-1-abc ${'x'.repeat(500)}`, [], 40);
    expect(out).toMatch(/^line1 ST-\[redacted\] x+…$/);
    expect(out).toHaveLength(41);
    expect(excerpt('  short \n body ', [], 40)).toBe('short body');
    expect(excerpt('a'.repeat(160))).toHaveLength(160);
    expect(excerpt('a'.repeat(161))).toHaveLength(161);
  });

  it('redacts before it cuts, so no part of a secret survives the cut', () => {
    const secret = 'refresh-token-0123456789';
    const out = excerpt(`${'y'.repeat(29)} ${secret}`, [secret], 40);
    expect(out).toBe(`${'y'.repeat(29)} [redacted]`);
    expect(excerpt(`${'y'.repeat(35)} ${secret}`, [secret], 40)).not.toContain('refr');
  });
});

describe('describeUrl', () => {
  it('keeps the origin only, since the path can hold a webhook secret', () => {
    expect(describeUrl('https://sync.example.org/withings/hook-secret-123?x=1')).toBe(
      'https://sync.example.org/…',
    );
    expect(describeUrl('https://sync.example.org/')).toBe('https://sync.example.org');
    expect(describeUrl('not a url')).toBe('(not a URL)');
  });
});
