import { Profile } from '@garmin/fitsdk';
import { describe, expect, it } from 'vitest';
import { decodeWeightFit, encodeWeightFit, type WeightEntry } from '../src/index.js';
import { readWithGarmin } from './garmin-decoder.js';

const at = (iso: string) => new Date(iso);
const full: WeightEntry = {
  timestamp: at('2026-11-20T06:31:07Z'),
  weightKg: 81.37,
  fatPercent: 21.5,
  hydrationPercent: 55.9,
  boneMassKg: 3.2,
  muscleMassKg: 60.1,
  visceralFatMassKg: 1.5,
  visceralFatRating: 9,
  physiqueRating: 5,
  metabolicAge: 38,
  basalMetKcal: 1745,
  activeMetKcal: 2400.25,
  bmi: 24.6,
};

describe('encodeWeightFit', () => {
  it('writes a file that Garmin’s decoder accepts, with every body-composition field intact', () => {
    const bytes = encodeWeightFit([full], { createdAt: at('2026-11-20T07:00:00Z') });
    const garmin = readWithGarmin(bytes);
    expect(garmin.integrity).toBe(true);
    expect(garmin.errors).toEqual([]);
    expect(garmin.messages.weightScaleMesgs).toEqual([
      {
        timestamp: full.timestamp,
        weight: 81.37,
        percentFat: 21.5,
        percentHydration: 55.9,
        visceralFatMass: 1.5,
        boneMass: 3.2,
        muscleMass: 60.1,
        basalMet: 1745,
        physiqueRating: 5,
        activeMet: 2400.25,
        metabolicAge: 38,
        visceralFatRating: 9,
        bmi: 24.6,
      },
    ]);
    expect(decodeWeightFit(bytes)).toEqual({
      createdAt: at('2026-11-20T07:00:00Z'),
      entries: [full],
      manufacturer: 'development',
      product: 0,
    });
  });

  it('lays out file_id first, then file_creator, device_info and one weight_scale per entry in time order', () => {
    const entries: WeightEntry[] = [
      { timestamp: at('2026-11-22T06:00:00Z'), weightKg: 80.1 },
      { timestamp: at('2026-11-20T06:00:00Z'), weightKg: 80.5, fatPercent: 20 },
      { timestamp: at('2026-11-21T06:00:00Z'), weightKg: 80.3 },
    ];
    const garmin = readWithGarmin(encodeWeightFit(entries));
    const { FILE_ID, FILE_CREATOR, DEVICE_INFO, WEIGHT_SCALE } = Profile.MesgNum;
    expect(garmin.order).toEqual([
      FILE_ID,
      FILE_CREATOR,
      DEVICE_INFO,
      WEIGHT_SCALE,
      WEIGHT_SCALE,
      WEIGHT_SCALE,
    ]);
    expect(garmin.messages.fileIdMesgs?.[0]?.type).toBe('weight');
    expect(
      garmin.messages.weightScaleMesgs?.map((m) => [
        (m.timestamp as Date).toISOString(),
        m.weight,
        m.percentFat,
      ]),
    ).toEqual([
      ['2026-11-20T06:00:00.000Z', 80.5, 20],
      ['2026-11-21T06:00:00.000Z', 80.3, undefined],
      ['2026-11-22T06:00:00.000Z', 80.1, undefined],
    ]);
  });

  it('holds many weigh-ins in one file (a year of daily entries)', () => {
    const start = Date.parse('2025-01-01T06:30:00Z');
    const entries = Array.from({ length: 365 }, (_, day) => ({
      timestamp: new Date(start + day * 86_400_000),
      weightKg: 80 + (day % 50) / 10,
      ...(day % 3 === 0 ? { fatPercent: 20 + (day % 7) / 10 } : {}),
    }));
    const bytes = encodeWeightFit(entries);
    const garmin = readWithGarmin(bytes);
    expect(garmin.integrity).toBe(true);
    expect(garmin.messages.weightScaleMesgs).toHaveLength(365);
    expect(decodeWeightFit(bytes).entries).toEqual(entries);
  });

  it('leaves out fields that are not given instead of writing zero', () => {
    const bytes = encodeWeightFit([{ timestamp: full.timestamp, weightKg: 70, fatPercent: undefined }]);
    expect(readWithGarmin(bytes).messages.weightScaleMesgs).toEqual([
      { timestamp: full.timestamp, weight: 70 },
    ]);
  });

  it('keeps zero where zero is a real value', () => {
    const bytes = encodeWeightFit([
      { timestamp: full.timestamp, weightKg: 70, visceralFatRating: 0, fatPercent: 0 },
    ]);
    expect(decodeWeightFit(bytes).entries[0]).toEqual({
      timestamp: full.timestamp,
      weightKg: 70,
      fatPercent: 0,
      visceralFatRating: 0,
    });
  });

  it('drops the sub-second part of timestamps (FIT stores whole seconds)', () => {
    const bytes = encodeWeightFit([{ timestamp: at('2026-11-20T06:31:07.999Z'), weightKg: 70 }], {
      createdAt: at('2026-11-20T06:40:00.500Z'),
    });
    const decoded = decodeWeightFit(bytes);
    expect(decoded.entries[0]?.timestamp).toEqual(at('2026-11-20T06:31:07Z'));
    expect(decoded.createdAt).toEqual(at('2026-11-20T06:40:00Z'));
  });

  it('stamps the file with the time of encoding by default', () => {
    const before = Math.floor(Date.now() / 1000) * 1000;
    const { createdAt } = decodeWeightFit(encodeWeightFit([{ timestamp: full.timestamp, weightKg: 70 }]));
    expect(createdAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(createdAt.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it('writes the manufacturer, product and serial number it is given to file_id and device_info', () => {
    const bytes = encodeWeightFit([{ timestamp: full.timestamp, weightKg: 70 }], {
      manufacturer: 'garmin',
      product: 2429,
      serialNumber: 1234567,
    });
    const { messages } = readWithGarmin(bytes);
    expect(messages.fileIdMesgs?.[0]).toMatchObject({
      manufacturer: 'garmin',
      product: 2429,
      serialNumber: 1234567,
    });
    expect(messages.deviceInfoMesgs?.[0]).toMatchObject({ manufacturer: 'garmin', serialNumber: 1234567 });
    expect(decodeWeightFit(bytes)).toMatchObject({
      manufacturer: 'garmin',
      product: 2429,
      serialNumber: 1234567,
    });
    const numeric = encodeWeightFit([{ timestamp: full.timestamp, weightKg: 70 }], { manufacturer: 255 });
    expect(decodeWeightFit(numeric).manufacturer).toBe('development');
  });

  it('encodes the fixture weigh-in to the same records as the SDK example file', async () => {
    const { readFile } = await import('node:fs/promises');
    const fixture = await readFile(new URL('./fixtures/fit_weight_sdk_encoder.fit', import.meta.url));
    const ours = encodeWeightFit(
      [
        {
          timestamp: at('2026-10-04T05:48:52Z'),
          weightKg: 68.42,
          fatPercent: 18.7,
          hydrationPercent: 58.3,
          boneMassKg: 2.9,
          muscleMassKg: 52.7,
          bmi: 22.1,
          visceralFatRating: 6,
          metabolicAge: 31,
          physiqueRating: 6,
          basalMetKcal: 1583,
        },
      ],
      { createdAt: at('2026-10-04T05:49:30Z'), serialNumber: 40217 },
    );
    // Same size and same messages; only the order of fields inside the weight_scale definition differs.
    expect(ours.length).toBe(fixture.length);
    expect(readWithGarmin(ours).messages).toEqual(readWithGarmin(new Uint8Array(fixture)).messages);
  });
});
