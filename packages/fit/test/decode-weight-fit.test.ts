import { readFile } from 'node:fs/promises';
import { Encoder, Profile } from '@garmin/fitsdk';
import { describe, expect, it } from 'vitest';
import { decodeWeightFit, encodeWeightFit, FitDecodeError, FitError } from '../src/index.js';

const fixture = async (name: string) =>
  new Uint8Array(await readFile(new URL(`./fixtures/${name}`, import.meta.url)));

function decodeError(bytes: unknown): FitDecodeError {
  try {
    decodeWeightFit(bytes as Uint8Array);
  } catch (error) {
    expect(error).toBeInstanceOf(FitDecodeError);
    expect(error).toBeInstanceOf(FitError);
    return error as FitDecodeError;
  }
  throw new Error('expected decodeWeightFit to throw');
}

const valid = encodeWeightFit([{ timestamp: new Date('2026-11-20T06:31:07Z'), weightKg: 81.37 }]);

describe('decodeWeightFit', () => {
  it('reads the file written by @garmin/fitsdk 21.217 (fixture)', async () => {
    const expected = JSON.parse(
      await readFile(new URL('./fixtures/fit_weight_sdk_encoder.decoded.json', import.meta.url), 'utf8'),
    );
    const scale = expected.messages.weightScaleMesgs[0];
    expect(decodeWeightFit(await fixture('fit_weight_sdk_encoder.fit'))).toEqual({
      createdAt: new Date('2026-10-04T05:49:30Z'),
      manufacturer: 'development',
      product: 0,
      serialNumber: 40217,
      entries: [
        {
          timestamp: new Date(scale.timestamp),
          weightKg: scale.weight,
          fatPercent: scale.percentFat,
          hydrationPercent: scale.percentHydration,
          boneMassKg: scale.boneMass,
          muscleMassKg: scale.muscleMass,
          bmi: scale.bmi,
          visceralFatRating: scale.visceralFatRating,
          metabolicAge: scale.metabolicAge,
          physiqueRating: scale.physiqueRating,
          basalMetKcal: scale.basalMet,
        },
      ],
    });
  });

  it('reads the python-garminconnect layout (12-byte header, protocol 1.0, profile 1.08)', async () => {
    expect(decodeWeightFit(await fixture('fit_weight_legacy_layout.fit'))).toEqual({
      createdAt: new Date('2026-10-06T21:17:33Z'),
      entries: [
        {
          timestamp: new Date('2026-10-04T05:48:52Z'),
          weightKg: 68.42,
          fatPercent: 18.73,
          hydrationPercent: 58.3,
          boneMassKg: 2.94,
          muscleMassKg: 52.68,
          bmi: 22.1,
        },
      ],
    });
  });

  it('reads a file that sits inside a larger buffer', () => {
    const padded = new Uint8Array(valid.length + 20);
    padded.set(valid, 10);
    expect(decodeWeightFit(padded.subarray(10, 10 + valid.length)).entries).toHaveLength(1);
  });

  it('rejects a file whose CRC does not match (one flipped byte)', () => {
    const flipped = valid.slice();
    flipped[valid.length - 5] = (flipped[valid.length - 5] ?? 0) ^ 0x01;
    expect(decodeError(flipped).code).toBe('CORRUPT');
  });

  it('rejects a truncated file', () => {
    expect(decodeError(valid.subarray(0, valid.length - 10)).code).toBe('CORRUPT');
  });

  it('rejects empty input, random bytes and a non-FIT header', () => {
    expect(decodeError(new Uint8Array()).code).toBe('CORRUPT');
    expect(decodeError(new Uint8Array(200).map((_, i) => (i * 37) % 256)).code).toBe('CORRUPT');
    expect(decodeError(new TextEncoder().encode('<html>Cloudflare</html>')).code).toBe('CORRUPT');
  });

  it('rejects something that is not bytes', () => {
    expect(decodeError('0e02').code).toBe('CORRUPT');
    expect(decodeError(undefined).code).toBe('CORRUPT');
  });

  it('rejects a FIT file of another type with NOT_WEIGHT_FILE', () => {
    const encoder = new Encoder();
    encoder.writeMesg({
      mesgNum: Profile.MesgNum.FILE_ID,
      type: 'activity',
      timeCreated: new Date(),
    } as never);
    const error = decodeError(encoder.close());
    expect(error.code).toBe('NOT_WEIGHT_FILE');
    expect(error.message).toContain('activity');
  });

  it('rejects a FIT file with no file_id', () => {
    const encoder = new Encoder();
    encoder.writeMesg({ mesgNum: Profile.MesgNum.WEIGHT_SCALE, timestamp: new Date(), weight: 80 } as never);
    expect(decodeError(encoder.close()).code).toBe('NOT_WEIGHT_FILE');
  });

  it('skips weight_scale records that hold no weight, and dates the file by its weigh-ins when time_created is absent', () => {
    const encoder = new Encoder();
    const at = new Date('2026-11-20T06:31:07Z');
    encoder.writeMesg({ mesgNum: Profile.MesgNum.FILE_ID, type: 'weight' } as never);
    encoder.writeMesg({ mesgNum: Profile.MesgNum.WEIGHT_SCALE, timestamp: at, percentFat: 20 } as never);
    encoder.writeMesg({ mesgNum: Profile.MesgNum.WEIGHT_SCALE, timestamp: at, weight: 80 } as never);
    expect(decodeWeightFit(encoder.close())).toEqual({
      createdAt: at,
      entries: [{ timestamp: at, weightKg: 80 }],
    });
  });
});
