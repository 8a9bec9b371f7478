import { describe, expect, it } from 'vitest';
import { readBackWeighIns } from '../src/confirm-weigh-ins.js';
import { GARMIN_VERIFY_DEFAULTS, GarminUploadError } from '../src/index.js';
import type { GarminWeighIn } from '../src/weigh-ins.js';
import { clientFor, EMAIL, failure, requestsTo, useSim } from './helpers.js';

const RANGE = /^\/weight-service\/weight\/range\//;
const NO_WAIT = { delayMs: 0 };
const at = (iso: string) => new Date(`2026-11-20T${iso}Z`);

describe('GarminClient.readBack', () => {
  it('each item takes the CLOSEST stored record, not the first listed (which would lose a neighbour)', async () => {
    const sim = await useSim();
    const early = sim.addWeighIn(EMAIL, { timestamp: at('09:59:30'), weightKg: 80 });
    const late = sim.addWeighIn(EMAIL, { timestamp: at('10:01:00'), weightKg: 80 });
    const client = await clientFor(sim);
    // 10:01:00 is 90 s from `early` (listed first, within 120 s) and 0 s from `late`; 09:58:00 only
    // reaches `early`. First-match gives the first item `early` and reports the second missing.
    const found = await client.readBack(
      [
        { timestamp: at('10:01:00'), weightKg: 80 },
        { timestamp: at('09:58:00'), weightKg: 80 },
      ],
      NO_WAIT,
    );
    expect(found.map((w) => w?.samplePk)).toEqual([late.samplePk, early.samplePk]);
    expect(requestsTo(sim, RANGE)).toHaveLength(1);
  });

  it('never claims an `existing` samplePk, however close: the new record is found, or none', async () => {
    const sim = await useSim();
    const before = sim.addWeighIn(EMAIL, { timestamp: at('07:00:00'), weightKg: 81.2 });
    const client = await clientFor(sim);
    const item = { timestamp: at('07:00:00'), weightKg: 81.2 };
    // Only the older record is there (a phantom upload): not proof of anything.
    const phantom = await client.readBack([item], { ...NO_WAIT, attempts: 2, existing: [before.samplePk] });
    expect(phantom).toEqual([undefined]);
    expect(requestsTo(sim, RANGE)).toHaveLength(2);
    // Without `existing` it would be taken (the control), and a new record 30 s off is taken over it.
    expect((await client.readBack([item], NO_WAIT))[0]?.samplePk).toBe(before.samplePk);
    const fresh = sim.addWeighIn(EMAIL, { timestamp: at('07:00:30'), weightKg: 81.2 });
    const found = await client.readBack([item], { ...NO_WAIT, existing: new Set([before.samplePk]) });
    expect(found[0]?.samplePk).toBe(fresh.samplePk);
  });

  it('ONE range read per attempt covers every item widened by the tolerance; stops once all are found', async () => {
    const sim = await useSim();
    const items = [
      { timestamp: new Date('2026-11-18T23:59:00Z'), weightKg: 80 },
      { timestamp: new Date('2026-11-22T00:01:00Z'), weightKg: 80.4 },
      { timestamp: new Date('2026-11-20T12:00:00Z'), weightKg: 80.2 },
    ];
    const client = await clientFor(sim);
    expect(await client.readBack(items, { ...NO_WAIT, attempts: 4 })).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    const reads = requestsTo(sim, RANGE);
    expect(reads).toHaveLength(4);
    // ±120 s pushes the span to 11-18 23:57 … 11-22 00:03 (UTC account); Garmin's call adds a day each side.
    expect(new Set(reads.map((r) => r.path))).toEqual(
      new Set(['/weight-service/weight/range/2026-11-17/2026-11-23']),
    );

    sim.requests.length = 0;
    for (const item of items) sim.addWeighIn(EMAIL, item);
    const found = await client.readBack(items, { ...NO_WAIT, attempts: 4 });
    expect(found.map((w) => w?.weightKg)).toEqual([80, 80.4, 80.2]);
    expect(requestsTo(sim, RANGE)).toHaveLength(1);
  });

  it('an empty list reads nothing', async () => {
    const sim = await useSim();
    const client = await clientFor(sim);
    expect(await client.readBack([], NO_WAIT)).toEqual([]);
    expect(requestsTo(sim, RANGE)).toHaveLength(0);
  });
});

describe('GARMIN_VERIFY_DEFAULTS: the one set of read-back defaults', () => {
  it('is what an unconfigured read-back uses: attempts, doubling pauses from delayMs, tolerances', async () => {
    expect(GARMIN_VERIFY_DEFAULTS).toEqual({
      attempts: 3,
      delayMs: 1500,
      toleranceSeconds: 120,
      toleranceKg: 0.1,
    });
    expect(Object.isFrozen(GARMIN_VERIFY_DEFAULTS)).toBe(true);
    const t = Date.parse('2026-11-20T10:00:00Z');
    const stored = (offsetSec: number, kg: number, samplePk: number) =>
      ({ samplePk, takenAt: new Date(t + offsetSec * 1000), weightKg: kg }) as GarminWeighIn;
    const ranges: Array<{ from: Date; to: Date }> = [];
    const pauses: number[] = [];
    const found = await readBackWeighIns(
      async (range) => {
        ranges.push(range);
        // 120 s and 0.1 kg away are in; a hair beyond either is out.
        return [stored(-120.001, 80, 1), stored(120, 80.1, 2), stored(0, 80.1001, 3)];
      },
      [
        { timestamp: new Date(t), weightKg: 80 },
        { timestamp: new Date(t), weightKg: 80 },
      ],
      {},
      async (ms) => {
        pauses.push(ms);
      },
    );
    expect(found.map((w) => w?.samplePk)).toEqual([2, undefined]);
    expect(pauses).toEqual([1500, 3000, 6000]);
    expect(ranges).toHaveLength(3);
    expect(ranges[0]).toEqual({ from: new Date(t - 120_000), to: new Date(t + 120_000) });
    // `undefined` fields are "not configured", not NaN.
    pauses.length = 0;
    await readBackWeighIns(
      async () => [],
      [{ timestamp: new Date(t), weightKg: 80 }],
      { attempts: undefined },
      async (ms) => {
        pauses.push(ms);
      },
    );
    expect(pauses).toEqual([1500, 3000, 6000]);
  });

  it('addBodyComposition verifies with the same default attempts', async () => {
    const sim = await useSim();
    const client = await clientFor(sim);
    sim.faults.add('phantom-upload');
    const error = await failure(
      client.addBodyComposition([{ timestamp: at('06:00:00'), weightKg: 80 }], { verify: NO_WAIT }),
    );
    expect(error).toBeInstanceOf(GarminUploadError);
    expect(error.message).toMatch(new RegExp(`after ${GARMIN_VERIFY_DEFAULTS.attempts} reads`));
    expect(requestsTo(sim, RANGE)).toHaveLength(GARMIN_VERIFY_DEFAULTS.attempts);
  });
});
