import { describe, expect, it } from 'vitest';
import {
  type EncodeWeightFitOptions,
  encodeWeightFit,
  FitEncodeError,
  FitError,
  type WeightEntry,
} from '../src/index.js';

const timestamp = new Date('2026-11-20T06:31:07Z');
const ok: WeightEntry = { timestamp, weightKg: 80 };

function encodeError(entries: unknown, options?: EncodeWeightFitOptions): FitEncodeError {
  try {
    encodeWeightFit(entries as WeightEntry[], options);
  } catch (error) {
    expect(error).toBeInstanceOf(FitEncodeError);
    expect(error).toBeInstanceOf(FitError);
    return error as FitEncodeError;
  }
  throw new Error('expected encodeWeightFit to throw');
}

/** [what is wrong, the entry at index 1, expected code, field] */
const badEntries: Array<[string, unknown, FitEncodeError['code'], string]> = [
  ['no timestamp', { weightKg: 80 }, 'INVALID_TIMESTAMP', 'timestamp'],
  [
    'timestamp as a string',
    { timestamp: '2026-11-20T06:31:07Z', weightKg: 80 },
    'INVALID_TIMESTAMP',
    'timestamp',
  ],
  [
    'timestamp as epoch number',
    { timestamp: 1_763_620_267_000, weightKg: 80 },
    'INVALID_TIMESTAMP',
    'timestamp',
  ],
  ['invalid Date', { timestamp: new Date('nope'), weightKg: 80 }, 'INVALID_TIMESTAMP', 'timestamp'],
  [
    'pre-1990 timestamp',
    { timestamp: new Date('1989-06-01T00:00:00Z'), weightKg: 80 },
    'INVALID_TIMESTAMP',
    'timestamp',
  ],
  ['Unix epoch', { timestamp: new Date(0), weightKg: 80 }, 'INVALID_TIMESTAMP', 'timestamp'],
  [
    'relative FIT time (1995)',
    { timestamp: new Date('1995-01-01T00:00:00Z'), weightKg: 80 },
    'INVALID_TIMESTAMP',
    'timestamp',
  ],
  [
    'past FIT range (2200)',
    { timestamp: new Date('2200-01-01T00:00:00Z'), weightKg: 80 },
    'INVALID_TIMESTAMP',
    'timestamp',
  ],
  ['no weight', { timestamp }, 'INVALID_VALUE', 'weightKg'],
  ['null weight', { timestamp, weightKg: null }, 'INVALID_VALUE', 'weightKg'],
  ['NaN weight', { timestamp, weightKg: Number.NaN }, 'INVALID_VALUE', 'weightKg'],
  ['Infinity weight', { timestamp, weightKg: Number.POSITIVE_INFINITY }, 'INVALID_VALUE', 'weightKg'],
  ['weight as a string', { timestamp, weightKg: '80' }, 'INVALID_VALUE', 'weightKg'],
  ['zero weight', { timestamp, weightKg: 0 }, 'OUT_OF_RANGE', 'weightKg'],
  ['negative weight', { timestamp, weightKg: -80 }, 'OUT_OF_RANGE', 'weightKg'],
  ['weight that rounds to zero', { timestamp, weightKg: 0.004 }, 'OUT_OF_RANGE', 'weightKg'],
  ['weight over 655.34 kg', { timestamp, weightKg: 655.35 }, 'OUT_OF_RANGE', 'weightKg'],
  ['fat over 100 %', { timestamp, weightKg: 80, fatPercent: 100.5 }, 'OUT_OF_RANGE', 'fatPercent'],
  ['negative fat', { timestamp, weightKg: 80, fatPercent: -1 }, 'OUT_OF_RANGE', 'fatPercent'],
  [
    'hydration over 100 %',
    { timestamp, weightKg: 80, hydrationPercent: 140 },
    'OUT_OF_RANGE',
    'hydrationPercent',
  ],
  [
    'NaN hydration',
    { timestamp, weightKg: 80, hydrationPercent: Number.NaN },
    'INVALID_VALUE',
    'hydrationPercent',
  ],
  ['negative bone mass', { timestamp, weightKg: 80, boneMassKg: -3 }, 'OUT_OF_RANGE', 'boneMassKg'],
  ['physique rating 0', { timestamp, weightKg: 80, physiqueRating: 0 }, 'OUT_OF_RANGE', 'physiqueRating'],
  ['physique rating 10', { timestamp, weightKg: 80, physiqueRating: 10 }, 'OUT_OF_RANGE', 'physiqueRating'],
  [
    'fractional physique rating',
    { timestamp, weightKg: 80, physiqueRating: 4.5 },
    'INVALID_VALUE',
    'physiqueRating',
  ],
  [
    'fractional visceral fat rating',
    { timestamp, weightKg: 80, visceralFatRating: 9.5 },
    'INVALID_VALUE',
    'visceralFatRating',
  ],
  [
    'visceral fat rating 255',
    { timestamp, weightKg: 80, visceralFatRating: 255 },
    'OUT_OF_RANGE',
    'visceralFatRating',
  ],
  ['metabolic age 300', { timestamp, weightKg: 80, metabolicAge: 300 }, 'OUT_OF_RANGE', 'metabolicAge'],
  ['negative metabolic age', { timestamp, weightKg: 80, metabolicAge: -1 }, 'OUT_OF_RANGE', 'metabolicAge'],
  [
    'fractional metabolic age',
    { timestamp, weightKg: 80, metabolicAge: 38.6 },
    'INVALID_VALUE',
    'metabolicAge',
  ],
  [
    'basal metabolism over 16383.5 kcal',
    { timestamp, weightKg: 80, basalMetKcal: 20_000 },
    'OUT_OF_RANGE',
    'basalMetKcal',
  ],
  ['negative BMI', { timestamp, weightKg: 80, bmi: -24 }, 'OUT_OF_RANGE', 'bmi'],
  ['misspelt field', { timestamp, weightKg: 80, fatPct: 20 }, 'INVALID_VALUE', 'fatPct'],
  ['not an object', 80, 'INVALID_VALUE', ''],
  ['null entry', null, 'INVALID_VALUE', ''],
];

describe('encodeWeightFit refuses bad input with a FitEncodeError naming the field and entry', () => {
  it.each(badEntries)('%s', (_what, entry, code, field) => {
    const error = encodeError([ok, entry, ok]);
    expect(error.code).toBe(code);
    expect(error.index).toBe(1);
    expect(error.message).toContain(field ? `entries[1].${field}` : 'entries[1]');
    if (field) expect(error.field).toBe(field);
  });

  it('refuses an empty list with EMPTY', () => {
    const error = encodeError([]);
    expect(error.code).toBe('EMPTY');
    expect(error.message).toMatch(/at least one weigh-in/);
  });

  it('refuses something that is not a list', () => {
    expect(encodeError(ok).code).toBe('INVALID_VALUE');
    expect(encodeError(undefined).code).toBe('INVALID_VALUE');
  });

  it.each<[string, EncodeWeightFitOptions, FitEncodeError['code'], string]>([
    ['invalid createdAt', { createdAt: new Date('x') }, 'INVALID_TIMESTAMP', 'createdAt'],
    ['pre-1990 createdAt', { createdAt: new Date('1980-01-01T00:00:00Z') }, 'INVALID_TIMESTAMP', 'createdAt'],
    ['unknown manufacturer name', { manufacturer: 'withings' }, 'INVALID_VALUE', 'manufacturer'],
    ['manufacturer out of range', { manufacturer: 70_000 }, 'OUT_OF_RANGE', 'manufacturer'],
    ['fractional product', { product: 1.5 }, 'INVALID_VALUE', 'product'],
    ['serial number 0 (the FIT invalid marker)', { serialNumber: 0 }, 'OUT_OF_RANGE', 'serialNumber'],
  ])('refuses bad options: %s', (_what, options, code, field) => {
    const error = encodeError([ok], options);
    expect(error.code).toBe(code);
    expect(error.field).toBe(field);
    expect(error.index).toBeUndefined();
    expect(error.message).toContain(field);
  });

  it('never writes a partial file: the first bad entry stops the whole batch', () => {
    const entries = [ok, { ...ok, weightKg: -1 }];
    expect(() => encodeWeightFit(entries)).toThrow(FitEncodeError);
  });
});
