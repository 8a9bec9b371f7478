import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeWeightFit, encodeWeightFit, type WeightEntry } from '../src/index.js';
import { readWithGarmin } from './garmin-decoder.js';

const timestamp = new Date('2026-11-20T06:31:07Z');
const roundTrip = (entry: Partial<WeightEntry>) =>
  decodeWeightFit(encodeWeightFit([{ timestamp, weightKg: 70, ...entry }])).entries[0];

/** The integer actually stored in the file, read without the SDK's scaling. */
const storedWeight = (weightKg: number) =>
  readWithGarmin(encodeWeightFit([{ timestamp, weightKg }]), {
    applyScaleAndOffset: false,
    mergeHeartRates: false,
  }).messages.weightScaleMesgs?.[0]?.weight;

describe('value rounding', () => {
  it('round-trips every two-decimal weight from 2.00 to 650.00 kg exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 200, max: 65_000 }), (cents) => {
        expect(roundTrip({ weightKg: cents / 100 })?.weightKg).toBe(cents / 100);
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips all 64 801 two-decimal weights from 2.00 to 650.00 kg (exhaustive, one file)', () => {
    const start = Date.parse('2026-01-01T00:00:00Z');
    const entries = Array.from({ length: 64_801 }, (_, i) => ({
      timestamp: new Date(start + i * 1000),
      weightKg: (200 + i) / 100,
    }));
    const decoded = decodeWeightFit(encodeWeightFit(entries)).entries;
    const wrong = decoded.filter((entry, i) => entry.weightKg !== entries[i]?.weightKg);
    expect(decoded).toHaveLength(entries.length);
    expect(wrong).toEqual([]);
  });

  it('round-trips the values a truncating encoder gets wrong (40.05 kg → 4005, not 4004)', () => {
    for (const kg of [40.05, 0.29, 1.13, 4.35, 8.2, 16.4, 32.8, 64.1, 70.07, 80.15, 129.99, 650]) {
      expect(roundTrip({ weightKg: kg })?.weightKg).toBe(kg);
    }
    expect(storedWeight(40.05)).toBe(4005);
  });

  it('rounds finer values to the nearest 0.01 kg instead of truncating', () => {
    expect(roundTrip({ weightKg: 81.374 })?.weightKg).toBe(81.37);
    expect(roundTrip({ weightKg: 81.375 })?.weightKg).toBe(81.38);
    expect(roundTrip({ weightKg: 81.3799 })?.weightKg).toBe(81.38);
  });

  it('round-trips percents at 0.01 % from 0 to 100', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 10_000 }), (fat, water) => {
        const entry = roundTrip({ fatPercent: fat / 100, hydrationPercent: water / 100 });
        expect(entry?.fatPercent).toBe(fat / 100);
        expect(entry?.hydrationPercent).toBe(water / 100);
      }),
      { numRuns: 1000 },
    );
  });

  it('round-trips BMI at 0.1 and metabolic rates at 0.25 kcal', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 0, max: 40_000 }),
        (tenths, quarters) => {
          const entry = roundTrip({
            bmi: tenths / 10,
            basalMetKcal: quarters / 4,
            activeMetKcal: quarters / 4,
          });
          expect(entry?.bmi).toBe(tenths / 10);
          expect(entry?.basalMetKcal).toBe(quarters / 4);
          expect(entry?.activeMetKcal).toBe(quarters / 4);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('round-trips body masses at 0.01 kg', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 30_000 }), (cents) => {
        const kg = cents / 100;
        const entry = roundTrip({ boneMassKg: kg, muscleMassKg: kg, visceralFatMassKg: kg });
        expect([entry?.boneMassKg, entry?.muscleMassKg, entry?.visceralFatMassKg]).toEqual([kg, kg, kg]);
      }),
      { numRuns: 500 },
    );
  });
});

describe('@garmin/fitsdk weight scaling (fit.md §6)', () => {
  // SDK ≤ 21.205 typed weight_scale.weight as `weight` and wrote 81.37 kg as 81 (0.81 kg);
  // this test fails on such a version, which is why the dependency is pinned.
  it('stores weight ×100 and reads it back in kg', () => {
    expect(storedWeight(81.37)).toBe(8137);
    expect(roundTrip({ weightKg: 81.37 })?.weightKg).toBe(81.37);
  });

  it('accepts the largest weight FIT can hold (655.34 kg) without overflowing', () => {
    expect(storedWeight(655.34)).toBe(65_534);
    expect(roundTrip({ weightKg: 655.34 })?.weightKg).toBe(655.34);
  });
});
