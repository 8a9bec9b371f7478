// Runs once per host time zone (UTC, America/Los_Angeles, Asia/Kolkata; see vitest.config.ts):
// the timestamps sent must depend on the reading's IANA zone only.
import { describe, expect, it } from 'vitest';
import { clientFor, EMAIL, failure, requestsTo, useSim } from './helpers.js';

const reading = { systolic: 122, diastolic: 78, pulse: 61 };
const sentBody = (sim: Awaited<ReturnType<typeof useSim>>) =>
  JSON.parse(requestsTo(sim, /^\/bloodpressure-service\/bloodpressure$/, 'POST').at(-1)?.body ?? '{}');

/** A client on a fresh simulator that has written `reading`, taken at 06:40Z in Europe/Berlin. */
async function clientWithBerlinReading() {
  const sim = await useSim();
  const client = await clientFor(sim);
  await client.addBloodPressure({
    ...reading,
    takenAt: new Date('2026-11-20T06:40:00Z'),
    timeZone: 'Europe/Berlin',
  });
  return { sim, client };
}

describe(`blood pressure timestamps (host TZ=${process.env.TZ})`, () => {
  it('sends local and GMT wall times as recorded, from the given zone', async () => {
    const { sim } = await clientWithBerlinReading();
    expect(sentBody(sim)).toEqual({
      measurementTimestampLocal: '2026-11-20T07:40:00.000',
      measurementTimestampGMT: '2026-11-20T06:40:00.000',
      systolic: 122,
      diastolic: 78,
      pulse: 61,
      sourceType: 'MANUAL',
      notes: '',
    });
  });

  it.each([
    // Europe/Berlin springs forward at 2026-03-29 01:00Z (02:00 CET → 03:00 CEST)
    ['2026-03-29T00:59:59Z', 'Europe/Berlin', '2026-03-29T01:59:59.000'],
    ['2026-03-29T01:00:00Z', 'Europe/Berlin', '2026-03-29T03:00:00.000'],
    // and falls back at 2026-10-25 01:00Z (03:00 CEST → 02:00 CET): 02:30 happens twice
    ['2026-10-25T00:30:00Z', 'Europe/Berlin', '2026-10-25T02:30:00.000'],
    ['2026-10-25T01:30:00Z', 'Europe/Berlin', '2026-10-25T02:30:00.000'],
    // America/New_York springs forward at 2026-03-08 07:00Z
    ['2026-03-08T06:59:00Z', 'America/New_York', '2026-03-08T01:59:00.000'],
    ['2026-03-08T07:00:00Z', 'America/New_York', '2026-03-08T03:00:00.000'],
    // a half-hour zone and a date-line zone
    ['2026-11-20T20:00:00Z', 'Asia/Kolkata', '2026-11-21T01:30:00.000'],
    ['2026-11-20T20:00:00Z', 'Pacific/Kiritimati', '2026-11-21T10:00:00.000'],
  ])('%s in %s is local %s', async (iso, timeZone, local) => {
    const sim = await useSim();
    const client = await clientFor(sim);
    await client.addBloodPressure({ ...reading, takenAt: new Date(iso), timeZone });
    const body = sentBody(sim);
    expect(body.measurementTimestampLocal).toBe(local);
    expect(body.measurementTimestampGMT).toBe(new Date(iso).toISOString().slice(0, 23));
  });

  it('reads readings back (takenAt from the GMT stamp), then deletes one', async () => {
    const { sim, client } = await clientWithBerlinReading();
    await client.addBloodPressure({
      systolic: 128,
      diastolic: 82,
      pulse: 66,
      notes: 'after coffee',
      takenAt: new Date('2026-11-20T07:07:00Z'),
      timeZone: 'Europe/Berlin',
    });
    const list = await client.listBloodPressure({ from: new Date('2026-11-19'), to: new Date('2026-11-21') });
    expect(requestsTo(sim, /bloodpressure\/range/)).toHaveLength(1);
    expect(
      list.map((r) => [r.takenAt.toISOString(), r.localTime, r.calendarDate, r.systolic, r.category]),
    ).toEqual([
      ['2026-11-20T06:40:00.000Z', '2026-11-20T07:40:00.0', '2026-11-20', 122, 'ELEVATED'],
      ['2026-11-20T07:07:00.000Z', '2026-11-20T08:07:00.0', '2026-11-20', 128, 'STAGE_1_HIGH'],
    ]);
    expect(list[1]?.notes).toBe('after coffee');
    const first = list[0];
    await client.deleteBloodPressure({
      version: first?.version ?? 0,
      calendarDate: first?.calendarDate ?? '',
    });
    expect(sim.bloodPressures(EMAIL).map((r) => r.systolic)).toEqual([128]);
  });

  it('an unknown zone or an impossible value is refused before sending', async () => {
    const sim = await useSim();
    const client = await clientFor(sim);
    const at = new Date('2026-11-20T06:40:00Z');
    await expect(
      client.addBloodPressure({ ...reading, takenAt: at, timeZone: 'Mars/Olympus' }),
    ).rejects.toThrow(/IANA time zone/);
    await expect(
      client.addBloodPressure({ ...reading, systolic: 300, takenAt: at, timeZone: 'UTC' }),
    ).rejects.toThrow(RangeError);
    await expect(
      client.addBloodPressure({ ...reading, takenAt: new Date('nope'), timeZone: 'UTC' }),
    ).rejects.toThrow(RangeError);
    const error = await failure(
      client.addBloodPressure({ ...reading, pulse: 61.5, takenAt: at, timeZone: 'UTC' }),
    );
    expect(error).toBeInstanceOf(RangeError);
    expect(requestsTo(sim, /bloodpressure/)).toHaveLength(0);
  });
});
