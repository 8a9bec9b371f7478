import { describe, expect, it } from 'vitest';
import { IntervalsApiError, IntervalsClient, IntervalsError, isIntervalsError } from '../src/index.js';
import { clientFor, failure, startSim } from './helpers.js';

describe('refused keys and unknown athletes', () => {
  it('a wrong key is REAUTH_REQUIRED (401), not retried', async () => {
    const sim = await startSim();
    const error = await failure(clientFor(sim, { apiKey: 'wrong-key-1234' }).getAthlete());
    expect(error).toMatchObject({ code: 'REAUTH_REQUIRED', httpStatus: 401, name: 'IntervalsApiError' });
    expect(error.message).toMatch(/^intervals\.icu GET \/api\/v1\/athlete\/0: HTTP 401/);
    expect(error).toBeInstanceOf(IntervalsError);
    expect(isIntervalsError(error)).toBe(true);
    expect(sim.requests).toHaveLength(1);
  });

  it("another athlete's id is REAUTH_REQUIRED (403): the key gives no access there", async () => {
    const sim = await startSim({ athletes: [{ id: 'i1' }, { id: 'i2' }] });
    const error = await failure(
      clientFor(sim, { athleteId: 'i2' }).listWellness({ oldest: '2026-11-01', newest: '2026-11-30' }),
    );
    expect(error).toMatchObject({ code: 'REAUTH_REQUIRED', httpStatus: 403 });
    expect(error.message).toMatch(/no access to this athlete/);
  });

  it('an unknown athlete is NOT_FOUND (404)', async () => {
    const sim = await startSim();
    const error = await failure(clientFor(sim, { athleteId: 'i999' }).getAthlete());
    expect(error).toMatchObject({ code: 'NOT_FOUND', httpStatus: 404 });
    expect(error.message).toContain('Athlete i999 not found');
  });

  it('a Cloudflare challenge (403 HTML) is UPSTREAM, never "link again"', async () => {
    const sim = await startSim();
    sim.faults.add('html-challenge');
    const error = await failure(clientFor(sim).getAthlete());
    expect(error).toMatchObject({ code: 'UPSTREAM', httpStatus: 403 });
    expect(error.message).toMatch(/HTML page.*blocked/);
  });

  it("a refused request (400 or 422) is INVALID_PARAMS with the server's message", async () => {
    const sim = await startSim();
    sim.faults.add({
      status: 422,
      body: '{"status":422,"error":"Unprocessable","message":"weight out of range"}',
    });
    const error = await failure(clientFor(sim).putWellness('2026-11-20', { weight: 80 }));
    expect(error).toMatchObject({ code: 'INVALID_PARAMS', httpStatus: 422 });
    expect(error.message).toContain('weight out of range');
    sim.faults.add({ status: 400 });
    expect(await failure(clientFor(sim).getAthlete())).toMatchObject({
      code: 'INVALID_PARAMS',
      httpStatus: 400,
    });
  });

  it('an unlisted status (409) is UPSTREAM with httpStatus, not retried', async () => {
    const sim = await startSim();
    sim.faults.add({ status: 409 });
    expect(await failure(clientFor(sim).getAthlete())).toMatchObject({ code: 'UPSTREAM', httpStatus: 409 });
    expect(sim.requests).toHaveLength(1);
  });

  it('IntervalsApiError keeps its details', () => {
    const error = new IntervalsApiError('RATE_LIMITED', 'slow down', { httpStatus: 429, retryAfterMs: 5000 });
    expect([error.name, error.code, error.httpStatus, error.retryAfterMs]).toEqual([
      'IntervalsApiError',
      'RATE_LIMITED',
      429,
      5000,
    ]);
    expect(new IntervalsClient({ apiKey: 'k'.repeat(20) }).athleteId).toBe('0');
  });
});
