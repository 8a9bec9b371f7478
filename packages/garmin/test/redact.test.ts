import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { GarminApiError, GarminUploadError, isGarminApiError } from '../src/index.js';
import { excerpt, redact, safeCause } from '../src/redact.js';

describe('redact', () => {
  it('removes known secrets, also URL- and JSON-encoded', () => {
    const secret = 'p@ss w"rd/1';
    const text = `a ${secret} b ${encodeURIComponent(secret)} c ${JSON.stringify(secret)}`;
    expect(redact(text, [secret])).not.toMatch(/p@ss|p%40ss/);
  });

  it.each([
    ['ticket', 'got ST-0979123-AbCdEfGhIjKlMnOpQrSt-sso back', 'ST-[redacted]'],
    ['JWT', 'token eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjF9.c2ln was bad', '[redacted]'],
    ['Bearer', 'Authorization: Bearer abc.def-123', 'Bearer [redacted]'],
    ['Basic', 'Authorization: Basic R0FSTUlOOg==', 'Basic [redacted]'],
    ['refresh token echo', 'Invalid refresh token: sim-di-rt-XYZ123', 'refresh token: [redacted]'],
    ['JSON password', '{"username":"a@b.c","password":"hunter22"}', '"password":"[redacted]"'],
    ['form field', 'refresh_token=abc123&client_id=X', 'refresh_token=[redacted]'],
  ])('removes a %s without knowing its value', (_, text, expected) => {
    const out = redact(text);
    expect(out).toContain(expected);
    expect(out).not.toMatch(/0979123|eyJhbGci|abc\.def|R0FSTUlO|XYZ123|hunter22|abc123/);
  });

  it('leaves ordinary text alone and ignores secrets too short to be real', () => {
    expect(redact('GET /weight-service/weight/range → 200 (12 ms)', ['ab'])).toBe(
      'GET /weight-service/weight/range → 200 (12 ms)',
    );
  });

  it('excerpt is single-line, scrubbed and bounded', () => {
    const out = excerpt(`line1\n\nST-1-abc ${'x'.repeat(500)}`, [], 40);
    expect(out).toMatch(/^line1 ST-\[redacted\] x+…$/);
    expect(out.length).toBe(41);
  });

  // The copying itself is @wg-sync/redact's (tested there); this proves the wrapper hands it this
  // package's secrets and its plain `[redacted]` JWT label, at every level of the chain.
  it('safeCause scrubs with the known secrets and the plain JWT label down the cause chain, copying nothing else', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjF9.c2ln';
    const refused = Object.assign(new Error(`token ${jwt} refused for sekret-value-1`), { code: 'EPROTO' });
    const failed = Object.assign(new TypeError('fetch failed', { cause: refused }), {
      request: { headers: { authorization: 'Bearer sekret-value-2' } },
    });
    const copy = safeCause(failed, ['sekret-value-1']);
    expect(copy.name).toBe('TypeError');
    const cause = copy.cause as Error & { code: string };
    expect([cause.message, cause.code]).toEqual(['token [redacted] refused for [redacted]', 'EPROTO']);
    const printed = inspect(copy, { depth: 10 });
    expect(printed).not.toContain('sekret-value');
    expect(printed).not.toContain('request');
  });
});

describe('GarminApiError', () => {
  it('has name, code, status, retryAfterMs; JSON and inspect are useful and scrubbed', () => {
    const error = new GarminApiError('RATE_LIMITED', 'slow down, ticket ST-1234567-abc-sso', {
      status: 429,
      retryAfterMs: 5000,
    });
    expect(error.name).toBe('GarminApiError');
    expect(error).toBeInstanceOf(Error);
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'GarminApiError',
      code: 'RATE_LIMITED',
      message: 'slow down, ticket ST-[redacted]',
      status: 429,
      retryAfterMs: 5000,
    });
    expect(inspect(error)).not.toContain('1234567');
  });

  it('GarminUploadError is a GarminApiError carrying the failures', () => {
    const failures = [{ internalId: null, externalId: null, messages: [{ code: 0, content: 'bad file' }] }];
    const error = new GarminUploadError('refused', failures, { status: 202, uploadId: '42' });
    expect(error).toBeInstanceOf(GarminApiError);
    expect(error.name).toBe('GarminUploadError');
    expect(error.code).toBe('UPSTREAM');
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({ failures, uploadId: '42', status: 202 });
  });

  it('isGarminApiError checks the class (or name across copies) and the code', () => {
    const error = new GarminApiError('NOT_FOUND', 'x');
    expect(isGarminApiError(error)).toBe(true);
    expect(isGarminApiError(error, 'NOT_FOUND')).toBe(true);
    expect(isGarminApiError(error, 'PROTOCOL')).toBe(false);
    const foreign = Object.assign(new Error('y'), { name: 'GarminApiError', code: 'UPSTREAM' });
    expect(isGarminApiError(foreign, 'UPSTREAM')).toBe(true);
    expect(isGarminApiError(new Error('z'))).toBe(false);
    expect(isGarminApiError({ code: 'UPSTREAM' })).toBe(false);
  });
});
