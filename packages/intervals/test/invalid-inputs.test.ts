import { describe, expect, it } from 'vitest';
import { IntervalsClient } from '../src/index.js';
import { clientFor, startSim } from './helpers.js';

describe('invalid inputs are RangeErrors, thrown before anything is sent', () => {
  it('days must be real YYYY-MM-DD dates, newest not before oldest', async () => {
    const sim = await startSim();
    const client = clientFor(sim);
    for (const bad of ['2026-1-20', '2026-02-30', '20261120', '2026-11-20T00:00:00Z', '', ' 2026-11-20']) {
      await expect(client.putWellness(bad, { weight: 80 })).rejects.toThrow(RangeError);
      await expect(client.listWellness({ oldest: bad, newest: '2026-11-20' })).rejects.toThrow(
        /oldest must be a day/,
      );
    }
    await expect(client.listWellness({ oldest: '2026-11-21', newest: '2026-11-20' })).rejects.toThrow(
      /newest \(2026-11-20\) is before oldest/,
    );
    await expect(client.putWellness(new Date() as unknown as string, { weight: 80 })).rejects.toThrow(
      /got object/,
    );
    expect(sim.requests).toHaveLength(0);
  });

  it('values must be finite and in range, or -1; an update needs a field', async () => {
    const sim = await startSim();
    const client = clientFor(sim);
    const bad: Array<Record<string, unknown>> = [
      { weight: 0 },
      { weight: -2 },
      { weight: Number.NaN },
      { weight: Number.POSITIVE_INFINITY },
      { weight: 1000 },
      { weight: '80' },
      { bodyFat: 100.5 },
      { bodyFat: 0 },
      { systolic: 0 },
      { diastolic: 400 },
      { weight: null },
      {},
      { restingHR: 50 },
    ];
    for (const update of bad) {
      await expect(client.putWellness('2026-11-20', update as never), JSON.stringify(update)).rejects.toThrow(
        RangeError,
      );
    }
    expect(sim.requests).toHaveLength(0);
    await client.putWellness('2026-11-20', { weight: 0.5, bodyFat: 100, systolic: -1, diastolic: 79.5 });
    expect(sim.requests).toHaveLength(1);
  });

  it('undefined fields are left out of the body; unknown keys are never sent', async () => {
    const sim = await startSim();
    await clientFor(sim).putWellness('2026-11-20', { weight: 80, bodyFat: undefined, hrv: 50 } as never);
    expect(JSON.parse(sim.requests[0]?.body ?? '')).toEqual({ weight: 80 });
  });

  it('the constructor checks the key, athlete id, base URL and limits', () => {
    const make = (extra: Record<string, unknown>) => () =>
      new IntervalsClient({ apiKey: 'abcd1234', ...extra } as never);
    expect(make({ apiKey: '' })).toThrow(/apiKey must be a non-empty string/);
    expect(make({ apiKey: undefined })).toThrow(RangeError);
    expect(make({ athleteId: '../admin' })).toThrow(/athleteId/);
    expect(make({ athleteId: '' })).toThrow(/athleteId/);
    expect(make({ baseUrl: 'ftp://intervals.icu' })).toThrow(/baseUrl/);
    expect(make({ baseUrl: 'not a url' })).toThrow(/baseUrl/);
    expect(make({ baseUrl: 'https://intervals.icu?x=1' })).toThrow(/baseUrl/);
    expect(make({ timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(make({ maxResponseBytes: 1.5 })).toThrow(/maxResponseBytes/);
    expect(make({ retries: -1 })).toThrow(/retries must be a whole number from 0 to 10/);
    expect(make({ retries: 11 })).toThrow(/retries/);
    expect(make({ retryDelayMs: -1 })).toThrow(/retryDelayMs/);
    expect(make({ athleteId: 'i12345', baseUrl: 'http://127.0.0.1:1/' })).not.toThrow();
  });
});
