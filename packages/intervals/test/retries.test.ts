import { describe, expect, it } from 'vitest';
import { clientFor, failure, startSim } from './helpers.js';

describe('retries (429, 5xx, network)', () => {
  it('a 429 is retried after its Retry-After, and the call succeeds', async () => {
    const sim = await startSim();
    sim.faults.add({ status: 429, retryAfterSeconds: 0 }, 2);
    const athlete = await clientFor(sim).getAthlete();
    expect(athlete.id).toBe(sim.athlete.id);
    expect(sim.requests.map((r) => r.status)).toEqual([429, 429, 200]);
  });

  it('a 429 that persists is RATE_LIMITED with retryAfterMs, after 1 + retries attempts', async () => {
    const sim = await startSim();
    sim.faults.add({ status: 429, retryAfterSeconds: 0 }, 5);
    const error = await failure(clientFor(sim, { retries: 2 }).getAthlete());
    expect(error).toMatchObject({ code: 'RATE_LIMITED', httpStatus: 429, retryAfterMs: 0, attempts: 3 });
    expect(error.message).toMatch(/HTTP 429.*\(3 attempts\)$/);
    expect(sim.requests).toHaveLength(3);
  });

  it('a Retry-After longer than maxRetryWaitMs fails at once, with the wait asked for', async () => {
    const sim = await startSim();
    sim.faults.add({ status: 429, retryAfterSeconds: 120 });
    const started = Date.now();
    const error = await failure(clientFor(sim).putWellness('2026-11-20', { weight: 80 }));
    expect(error).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 120_000 });
    expect(error.attempts).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(sim.requests).toHaveLength(1);
  });

  it('a 429 without Retry-After is retried with the backoff', async () => {
    const sim = await startSim();
    sim.faults.add({ status: 429, retryAfterSeconds: null });
    await clientFor(sim).getAthlete();
    expect(sim.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it.each([500, 502, 503, 504])('HTTP %i is retried; a PUT too (it is idempotent)', async (status) => {
    const sim = await startSim();
    sim.faults.add({ status }, 2);
    const record = await clientFor(sim).putWellness('2026-11-20', { weight: 80 });
    expect(record.weight).toBe(80);
    expect(sim.requests.map((r) => r.status)).toEqual([status, status, 200]);
    expect(sim.wellness(sim.athlete.id)).toHaveLength(1);
  });

  it('a 5xx that persists is UPSTREAM with httpStatus and says it was an HTML page', async () => {
    const sim = await startSim();
    sim.faults.add({ status: 502 }, 3);
    const error = await failure(clientFor(sim).listWellness({ oldest: '2026-11-01', newest: '2026-11-30' }));
    expect(error).toMatchObject({ code: 'UPSTREAM', httpStatus: 502, attempts: 3 });
    expect(error.message).toMatch(/HTTP 502 \(an HTML page\)/);
  });

  it('retries: 0 sends exactly one request', async () => {
    const sim = await startSim();
    sim.faults.add({ status: 503 });
    expect(await failure(clientFor(sim, { retries: 0 }).getAthlete())).toMatchObject({ httpStatus: 503 });
    expect(sim.requests).toHaveLength(1);
  });

  it('a network failure is retried, then UPSTREAM', async () => {
    let calls = 0;
    const flaky: typeof fetch = async (input, init) => {
      calls += 1;
      if (calls < 3) throw new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } });
      return fetch(input, init);
    };
    const sim = await startSim();
    expect((await clientFor(sim, { fetch: flaky }).getAthlete()).id).toBe(sim.athlete.id);
    expect(calls).toBe(3);

    const down = await startSim();
    const url = down.url;
    await down.close();
    const error = await failure(clientFor(down, { baseUrl: url, retries: 1 }).getAthlete());
    expect(error.code).toBe('UPSTREAM');
    expect(error.message).toMatch(/request failed \(ECONNREFUSED\) \(2 attempts\)/);
  });
});
