import { describe, expect, it } from 'vitest';
import { decodeWeightFit, encodeWeightFit } from '../src/index.js';
import { readWithGarmin } from './garmin-decoder.js';

// This file runs once per time zone (vitest.config.ts): TZ=UTC, America/Los_Angeles, Asia/Kolkata.
const zone = process.env.TZ ?? 'unset';
const expectedOffsetMinutes: Record<string, number> = {
  UTC: 0,
  'America/Los_Angeles': 480,
  'Asia/Kolkata': -330,
};

describe(`timestamps are exact UTC instants (TZ=${zone})`, () => {
  it('really runs in the zone it claims', () => {
    // 2026-01-15 is outside US daylight saving time.
    expect(new Date('2026-01-15T12:00:00Z').getTimezoneOffset()).toBe(expectedOffsetMinutes[zone]);
  });

  it.each([
    '2026-11-20T06:31:07Z', // 22:31 the day before in Los Angeles, 12:01 in Kolkata
    '2026-03-08T10:00:00Z', // US daylight-saving switch day
    '2026-12-31T23:59:59Z', // New Year in UTC, already 2027 in Kolkata
    '2026-01-01T00:00:00Z',
    '1998-07-05T00:00:00Z', // earliest FIT instant region
  ])('%s decodes to the same instant', (iso) => {
    const timestamp = new Date(iso);
    const bytes = encodeWeightFit([{ timestamp, weightKg: 72.5 }], { createdAt: timestamp });
    const decoded = decodeWeightFit(bytes);
    expect(decoded.entries[0]?.timestamp.toISOString()).toBe(timestamp.toISOString());
    expect(decoded.createdAt.toISOString()).toBe(timestamp.toISOString());
    // and Garmin's decoder reads the same instant from the bytes
    const garminTimestamp = readWithGarmin(bytes).messages.weightScaleMesgs?.[0]?.timestamp;
    expect(garminTimestamp).toBeInstanceOf(Date);
    expect((garminTimestamp as Date).toISOString()).toBe(timestamp.toISOString());
  });

  it('writes the documented FIT seconds for 2026-11-20T06:31:07Z', () => {
    const bytes = encodeWeightFit([{ timestamp: new Date('2026-11-20T06:31:07Z'), weightKg: 81.37 }]);
    const { messages } = readWithGarmin(bytes, { convertDateTimesToDates: false });
    expect(messages.weightScaleMesgs?.[0]?.timestamp).toBe(1_164_090_667);
  });
});
