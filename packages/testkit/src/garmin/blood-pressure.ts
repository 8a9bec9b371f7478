import { json } from '../shared/http-server.js';
import type { AccountState } from './account-state.js';
import { badRequest, notFound } from './faults.js';
import type { GarminSimState } from './state.js';
import { isDate } from './time.js';
import type { GarminSimBloodPressure } from './types.js';

const ZONELESS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?$/;

const CATEGORIES = [
  ['HYPERTENSIVE_CRISIS', 'Hypertensive Crisis', (s: number, d: number) => s > 180 || d > 120],
  ['STAGE_2_HIGH', 'Stage 2 High', (s: number, d: number) => s >= 140 || d >= 90],
  ['STAGE_1_HIGH', 'Stage 1 High', (s: number, d: number) => s >= 130 || d >= 80],
  ['ELEVATED', 'Elevated', (s: number) => s >= 120],
  ['NORMAL', 'Normal', () => true],
] as const;

function category(s: number, d: number): { category: string; categoryName: string; rank: number } {
  const index = CATEGORIES.findIndex(([, , test]) => test(s, d));
  const [name, label] = CATEGORIES[index] ?? CATEGORIES[4];
  return { category: name, categoryName: label, rank: CATEGORIES.length - index };
}

/** Garmin's range format of a zone-less timestamp: `2026-03-01T08:15:00.0`. */
const shortStamp = (value: string) => `${value.slice(0, 19)}.0`;

/** `POST /bloodpressure-service/bloodpressure` (protocol §2.6); answers the stored measurement. */
export async function addBloodPressure(state: GarminSimState, account: AccountState, request: Request) {
  let body: Record<string, unknown>;
  try {
    body = (await request.json()) as Record<string, unknown>;
  } catch {
    return badRequest();
  }
  const { measurementTimestampLocal: local, measurementTimestampGMT: utc, systolic, diastolic, pulse } = body;
  const whole = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v > 0;
  if (typeof local !== 'string' || typeof utc !== 'string' || !ZONELESS.test(local) || !ZONELESS.test(utc)) {
    return badRequest();
  }
  if (!whole(systolic) || !whole(diastolic) || !(pulse === null || pulse === undefined || whole(pulse))) {
    return badRequest();
  }
  const reading: GarminSimBloodPressure = {
    version: state.nextId(),
    systolic: systolic as number,
    diastolic: diastolic as number,
    pulse: (pulse as number | undefined) ?? null,
    notes: typeof body.notes === 'string' ? body.notes : '',
    sourceType: typeof body.sourceType === 'string' ? body.sourceType : 'MANUAL',
    measurementTimestampLocal: local,
    measurementTimestampGMT: utc,
  };
  account.bloodPressures.push(reading);
  return json(measurement(reading));
}

function measurement(r: GarminSimBloodPressure) {
  const { category: cat, categoryName } = category(r.systolic, r.diastolic);
  return {
    version: r.version,
    systolic: r.systolic,
    diastolic: r.diastolic,
    pulse: r.pulse,
    multiMeasurement: false,
    notes: r.notes,
    sourceType: r.sourceType,
    measurementTimestampLocal: shortStamp(r.measurementTimestampLocal),
    measurementTimestampGMT: shortStamp(r.measurementTimestampGMT),
    category: cat,
    categoryName,
  };
}

/** `GET /bloodpressure-service/bloodpressure/range/{start}/{end}` (fixture `blood_pressure_range.json`). */
export function bloodPressureRange(account: AccountState, start: string, end: string): Response {
  if (!isDate(start) || !isDate(end) || start > end) return badRequest();
  const day = (r: GarminSimBloodPressure) => r.measurementTimestampLocal.slice(0, 10);
  const inRange = account.bloodPressures
    .filter((r) => day(r) >= start && day(r) <= end)
    .sort((a, b) => a.measurementTimestampGMT.localeCompare(b.measurementTimestampGMT));
  const days = [...new Set(inRange.map(day))].sort().reverse();
  const counts: Record<string, number> = Object.fromEntries(CATEGORIES.map(([name]) => [name, 0]));
  const summaries = days.map((date) => {
    const readings = inRange.filter((r) => day(r) === date);
    for (const r of readings)
      counts[category(r.systolic, r.diastolic).category] =
        (counts[category(r.systolic, r.diastolic).category] ?? 0) + 1;
    const worst = readings
      .map((r) => category(r.systolic, r.diastolic))
      .reduce((a, b) => (b.rank > a.rank ? b : a));
    return {
      startDate: date,
      endDate: date,
      highSystolic: Math.max(...readings.map((r) => r.systolic)),
      highDiastolic: Math.max(...readings.map((r) => r.diastolic)),
      lowSystolic: Math.min(...readings.map((r) => r.systolic)),
      lowDiastolic: Math.min(...readings.map((r) => r.diastolic)),
      numOfMeasurements: readings.length,
      category: worst.category,
      categoryName: worst.categoryName,
      measurements: readings.map(measurement),
      worst: worst.category,
    };
  });
  const daysIn = (name: string) => summaries.filter((s) => s.worst === name).length;
  return json({
    from: start,
    until: end,
    measurementSummaries: summaries.map(({ worst: _worst, ...summary }) => summary),
    categoryStats: {
      from: start,
      until: end,
      noOfDaysNormal: daysIn('NORMAL'),
      noOfDaysElevated: daysIn('ELEVATED'),
      noOfDaysStage1: daysIn('STAGE_1_HIGH'),
      noOfDaysStage2: daysIn('STAGE_2_HIGH'),
      noOfDaysCritical: daysIn('HYPERTENSIVE_CRISIS'),
      categoryCounts: counts,
    },
  });
}

/** `DELETE /bloodpressure-service/bloodpressure/{date}/{version}` → 204. */
export function deleteBloodPressure(account: AccountState, date: string, version: string): Response {
  const index = account.bloodPressures.findIndex(
    (r) => String(r.version) === version && r.measurementTimestampLocal.slice(0, 10) === date,
  );
  if (index < 0) return notFound();
  account.bloodPressures.splice(index, 1);
  return new Response(null, { status: 204 });
}
