import type { GarminSim } from '@wg-sync/testkit';
import { describe, expect, it } from 'vitest';
import { GarminClient, type GarminClientOptions } from '../src/index.js';
import { clientFor, EMAIL, FAST_RETRY, failure, login, PASSWORD, requestsTo, useSim } from './helpers.js';

const RANGE = /^\/weight-service\/weight\/range\//;

type Fault = Parameters<GarminSim['faults']['add']>[0];

describe('GarminClient.listWeighIns', () => {
  it('makes ONE range call for a multi-week span and flattens every weigh-in, oldest first', async () => {
    const sim = await useSim({
      accounts: [{ email: EMAIL, password: PASSWORD, timeZone: 'America/Chicago' }],
    });
    const days = Array.from({ length: 40 }, (_, i) => new Date(Date.UTC(2026, 9, 1 + i, 12, 30, 15)));
    for (const [i, day] of days.entries()) sim.addWeighIn(EMAIL, { timestamp: day, weightKg: 80 + i / 10 });
    sim.addWeighIn(EMAIL, { timestamp: new Date('2026-10-05T12:45:00Z'), weightKg: 79.5 }); // 2nd that day
    const client = await clientFor(sim);
    const from = new Date('2026-10-01T00:00:00Z');
    const to = new Date('2026-11-09T23:59:59Z');
    const list = await client.listWeighIns({ from, to });

    const calls = requestsTo(sim, /^\/weight-service\//);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.path).toBe('/weight-service/weight/range/2026-09-30/2026-11-10');
    expect(calls[0]?.query.get('includeAll')).toBe('true');
    expect(list).toHaveLength(41);
    expect(list.map((w) => w.takenAt.getTime())).toEqual(
      [...list.map((w) => w.takenAt.getTime())].sort((a, b) => a - b),
    );
    expect(list.filter((w) => w.calendarDate === '2026-10-05').map((w) => w.weightKg)).toEqual([80.4, 79.5]);
  });

  it('converts grams to kg and takes the instant from timestampGMT, never the local-as-UTC date', async () => {
    const sim = await useSim({
      accounts: [{ email: EMAIL, password: PASSWORD, timeZone: 'America/Los_Angeles' }],
    });
    // 02:10 UTC is the previous evening in Los Angeles: Garmin files it under the local date.
    const at = new Date('2026-11-20T02:10:00Z');
    sim.addWeighIn(EMAIL, {
      timestamp: at,
      weightKg: 59.72,
      fatPercent: 19.3,
      hydrationPercent: 58.9,
      boneMassKg: 3.539,
      muscleMassKg: 26.979,
      bmi: 22.799999237060547,
      visceralFat: 9,
      metabolicAge: 38,
      physiqueRating: 5,
    });
    const stored = sim.weighIns(EMAIL)[0];
    expect(stored?.date).toBe(at.getTime() - 8 * 3600_000);
    const client = await clientFor(sim);
    const [weighIn] = await client.listWeighIns({
      from: new Date('2026-11-19T00:00:00Z'),
      to: new Date('2026-11-21T00:00:00Z'),
    });
    expect(weighIn).toEqual({
      samplePk: stored?.samplePk,
      takenAt: at,
      calendarDate: '2026-11-19',
      weightKg: 59.72,
      fatPercent: 19.3,
      hydrationPercent: 58.9,
      boneMassKg: 3.539,
      muscleMassKg: 26.979,
      bmi: 22.8,
      visceralFat: 9,
      metabolicAge: 38,
      physiqueRating: 5,
      sourceType: 'INDEX_SCALE',
    });
  });

  it('returns only weigh-ins inside [from, to] although the call covers a day more each side', async () => {
    const sim = await useSim();
    for (const iso of [
      '2026-11-09T23:00:00Z',
      '2026-11-10T00:00:00Z',
      '2026-11-10T23:59:59Z',
      '2026-11-11T00:00:01Z',
    ]) {
      sim.addWeighIn(EMAIL, { timestamp: new Date(iso), weightKg: 70 });
    }
    const client = await clientFor(sim);
    const list = await client.listWeighIns({
      from: new Date('2026-11-10T00:00:00Z'),
      to: new Date('2026-11-10T23:59:59Z'),
    });
    expect(list.map((w) => w.takenAt.toISOString())).toEqual([
      '2026-11-10T00:00:00.000Z',
      '2026-11-10T23:59:59.000Z',
    ]);
  });

  it('an empty range is an empty list', async () => {
    const sim = await useSim();
    const client = await clientFor(sim);
    await expect(
      client.listWeighIns({ from: new Date('2019-12-18'), to: new Date('2020-01-01') }),
    ).resolves.toEqual([]);
  });

  it('rejects a bad range before sending anything', async () => {
    const sim = await useSim();
    const client = await clientFor(sim);
    await expect(client.listWeighIns({ from: new Date('x'), to: new Date() })).rejects.toThrow(RangeError);
    await expect(client.listWeighIns({ from: new Date(2), to: new Date(1) })).rejects.toThrow(RangeError);
    expect(requestsTo(sim, RANGE)).toHaveLength(0);
  });
});

describe('GarminClient reads: errors and retries', () => {
  const range = { from: new Date('2026-11-01'), to: new Date('2026-11-20') };

  /** listWeighIns' error when the range call meets `fault` `times` times (a client logged in for real). */
  async function rangeFailure(fault: Fault, times: number, options: Partial<GarminClientOptions> = {}) {
    const sim = await useSim();
    const client = await clientFor(sim, options);
    sim.faults.add(fault, times, RANGE);
    return { sim, error: await failure(client.listWeighIns(range)) };
  }

  it('retries 5xx with backoff, then succeeds', async () => {
    const sim = await useSim();
    const client = await clientFor(sim);
    sim.faults.add('server-error', 1, RANGE);
    sim.faults.add('unavailable', 1, RANGE);
    await expect(client.listWeighIns(range)).resolves.toEqual([]);
    expect(requestsTo(sim, RANGE).map((r) => r.status)).toEqual([500, 503, 200]);
  });

  it('gives up after the configured retries → UPSTREAM with the status', async () => {
    const { sim, error } = await rangeFailure('server-error', 5, { retry: { retries: 2, baseDelayMs: 1 } });
    expect(error.code).toBe('UPSTREAM');
    expect(error.status).toBe(500);
    expect(requestsTo(sim, RANGE)).toHaveLength(3);
  });

  it('honours a short Retry-After on a 429', async () => {
    const sim = await useSim();
    const client = await clientFor(sim);
    sim.faults.add({ kind: 'rate-limited', retryAfterSeconds: 0 }, 2, RANGE);
    await expect(client.listWeighIns(range)).resolves.toEqual([]);
    expect(requestsTo(sim, RANGE).map((r) => r.status)).toEqual([429, 429, 200]);
  });

  it('does not wait out a Retry-After longer than maxDelayMs: RATE_LIMITED with retryAfterMs at once', async () => {
    const { sim, error } = await rangeFailure({ kind: 'rate-limited', retryAfterSeconds: 120 }, 1, {
      retry: { ...FAST_RETRY, maxDelayMs: 1000 },
    });
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.status).toBe(429);
    expect(error.retryAfterMs).toBe(120_000);
    expect(requestsTo(sim, RANGE)).toHaveLength(1);
  });

  it('403 JSON → FORBIDDEN (not retried, no re-login)', async () => {
    const { sim, error } = await rangeFailure('forbidden', 1);
    expect(error.code).toBe('FORBIDDEN');
    expect(error.status).toBe(403);
    expect(error.message).toContain('ForbiddenException');
    expect(requestsTo(sim, RANGE)).toHaveLength(1);
  });

  it('an empty 200 body → PROTOCOL, never "no data"', async () => {
    const { error } = await rangeFailure('empty-body', 1);
    expect(error.code).toBe('PROTOCOL');
    expect(error.message).toMatch(/empty body/);
  });

  it.each([
    ['[]', '[]', /unexpected shape \(an array of 0\)/],
    ['HTML', '<html><body>maintenance</body></html>', /not JSON/],
    [
      'a wrong shape',
      '{"dailyWeightSummaries":[{"summaryDate":"2026-11-01"}]}',
      /dailyWeightSummaries\.0\.allWeightMetrics is missing/, // the first key the client reads
    ],
  ])('a 200 with %s → PROTOCOL', async (_, body, message) => {
    const sim = await useSim();
    const tokens = await login(sim);
    const client = new GarminClient({
      tokens,
      urls: sim.urls,
      fetch: async () => new Response(body, { status: 200, headers: { 'content-type': 'application/json' } }),
    });
    const error = await failure(client.listWeighIns(range));
    expect(error.code).toBe('PROTOCOL');
    expect(error.message).toMatch(message);
  });

  it('a JSON 429 inside a 200 → retried, then RATE_LIMITED', async () => {
    const { sim, error } = await rangeFailure('json-429', 5, { retry: { retries: 1, baseDelayMs: 1 } });
    expect(error.code).toBe('RATE_LIMITED');
    expect(requestsTo(sim, RANGE)).toHaveLength(2);
  });

  it('network failure → retried, then UPSTREAM; a timeout likewise', async () => {
    const sim = await useSim();
    const tokens = await login(sim);
    await sim.close();
    const client = new GarminClient({ tokens, urls: sim.urls, retry: { retries: 1, baseDelayMs: 1 } });
    const error = await failure(client.listWeighIns(range));
    expect(error.code).toBe('UPSTREAM');
    expect(error.message).toMatch(/GET \/weight-service\/weight\/range\/[\d-]+\/[\d-]+ failed: ECONNREFUSED/);

    const slow = await useSim();
    const slowTokens = await login(slow);
    slow.latencyMs = 200;
    const slowClient = new GarminClient({
      tokens: slowTokens,
      urls: slow.urls,
      timeoutMs: 50,
      retry: { retries: 1, baseDelayMs: 1 },
    });
    const timeout = await failure(slowClient.verifySession());
    expect(timeout.code).toBe('UPSTREAM');
    expect(timeout.message).toMatch(/within 50 ms/);
  });
});

describe('GarminClient.deleteWeighIn', () => {
  it('deletes by calendarDate and samplePk (DELETE …/byversion/…), then the weigh-in is gone', async () => {
    const sim = await useSim();
    sim.addWeighIn(EMAIL, { timestamp: new Date('2026-11-20T06:31:07Z'), weightKg: 81.37 });
    sim.addWeighIn(EMAIL, { timestamp: new Date('2026-11-20T06:31:07Z'), weightKg: 81.37 }); // a duplicate
    const client = await clientFor(sim);
    const [first, second] = await client.listWeighIns({
      from: new Date('2026-11-20'),
      to: new Date('2026-11-21'),
    });
    await client.deleteWeighIn({ samplePk: second?.samplePk ?? 0, calendarDate: second?.calendarDate ?? '' });
    const request = requestsTo(sim, /^\/weight-service\/weight\/2026/, 'DELETE')[0];
    expect(request?.path).toBe(`/weight-service/weight/2026-11-20/byversion/${second?.samplePk}`);
    expect(request?.status).toBe(204);
    expect(sim.weighIns(EMAIL).map((w) => w.samplePk)).toEqual([first?.samplePk]);
  });

  it('an unknown weigh-in → NOT_FOUND; bad arguments → RangeError', async () => {
    const sim = await useSim();
    const client = await clientFor(sim);
    const error = await failure(client.deleteWeighIn({ samplePk: 123, calendarDate: '2026-11-20' }));
    expect(error.code).toBe('NOT_FOUND');
    expect(error.status).toBe(404);
    await expect(client.deleteWeighIn({ samplePk: 1.5, calendarDate: '2026-11-20' })).rejects.toThrow(
      RangeError,
    );
    await expect(client.deleteWeighIn({ samplePk: 1, calendarDate: '20.11.2026' })).rejects.toThrow(
      RangeError,
    );
  });
});
