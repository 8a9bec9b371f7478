import { json } from '../shared/http-server.js';
import type { AccountState } from './account-state.js';
import { badRequest, notFound } from './faults.js';
import { isDate, midnight } from './time.js';
import type { GarminSimWeighIn } from './types.js';

const DAY_MS = 86_400_000;

const NULL_ENTRY = {
  samplePk: null,
  date: null,
  calendarDate: null,
  weight: null,
  bmi: null,
  bodyFat: null,
  bodyWater: null,
  boneMass: null,
  muscleMass: null,
  physiqueRating: null,
  visceralFat: null,
  metabolicAge: null,
  sourceType: null,
  timestampGMT: null,
  weightDelta: null,
};

/** An entry in the recorded key order; `weightDelta` against the weigh-in before it. */
function entry(weighIn: GarminSimWeighIn, all: GarminSimWeighIn[], withDelta = true) {
  const index = all.indexOf(weighIn);
  const previous = index > 0 ? all[index - 1] : undefined;
  return {
    samplePk: weighIn.samplePk,
    date: weighIn.date,
    calendarDate: weighIn.calendarDate,
    weight: weighIn.weight,
    bmi: weighIn.bmi,
    bodyFat: weighIn.bodyFat,
    bodyWater: weighIn.bodyWater,
    boneMass: weighIn.boneMass,
    muscleMass: weighIn.muscleMass,
    physiqueRating: weighIn.physiqueRating,
    visceralFat: weighIn.visceralFat,
    metabolicAge: weighIn.metabolicAge,
    sourceType: weighIn.sourceType,
    timestampGMT: weighIn.timestampGMT,
    weightDelta: withDelta && previous ? weighIn.weight - previous.weight : null,
  };
}

function average(values: Array<number | null>, round = false): number | null {
  const present = values.filter((v): v is number => v !== null);
  if (present.length === 0) return null;
  const mean = present.reduce((a, b) => a + b, 0) / present.length;
  return round ? Math.round(mean) : mean;
}

function totalAverage(start: string, end: string, weighIns: GarminSimWeighIn[]) {
  return {
    from: midnight(start),
    until: midnight(end) + DAY_MS - 1,
    weight: average(weighIns.map((w) => w.weight)),
    bmi: average(weighIns.map((w) => w.bmi)),
    bodyFat: average(weighIns.map((w) => w.bodyFat)),
    bodyWater: average(weighIns.map((w) => w.bodyWater)),
    boneMass: average(
      weighIns.map((w) => w.boneMass),
      true,
    ),
    muscleMass: average(
      weighIns.map((w) => w.muscleMass),
      true,
    ),
    physiqueRating: average(weighIns.map((w) => w.physiqueRating)),
    visceralFat: average(weighIns.map((w) => w.visceralFat)),
    metabolicAge: average(weighIns.map((w) => w.metabolicAge)),
  };
}

const newestFirst = (a: GarminSimWeighIn, b: GarminSimWeighIn) =>
  b.timestampGMT - a.timestampGMT || b.samplePk - a.samplePk;

/** `GET /weight-service/weight/range/{start}/{end}` (protocol §2.3, fixture `weight_range.json`). */
export function weightRange(
  account: AccountState,
  start: string,
  end: string,
  includeAll: boolean,
): Response {
  if (!isDate(start) || !isDate(end) || start > end) return badRequest();
  const all = account.weighIns;
  const inRange = all.filter((w) => w.calendarDate >= start && w.calendarDate <= end);
  const days = [...new Set(inRange.map((w) => w.calendarDate))].sort().reverse();
  const dailyWeightSummaries = days.map((day) => {
    const entries = inRange.filter((w) => w.calendarDate === day).sort(newestFirst);
    const weights = entries.map((w) => w.weight);
    return {
      summaryDate: day,
      numOfWeightEntries: entries.length,
      minWeight: Math.min(...weights),
      maxWeight: Math.max(...weights),
      latestWeight: entry(entries[0] as GarminSimWeighIn, all),
      allWeightMetrics: includeAll ? entries.map((w) => entry(w, all)) : [],
    };
  });
  const before = all.filter((w) => w.calendarDate < start).sort(newestFirst)[0];
  const after = all.filter((w) => w.calendarDate > end).sort((a, b) => -newestFirst(a, b))[0];
  return json({
    dailyWeightSummaries,
    totalAverage: totalAverage(start, end, inRange),
    previousDateWeight: before ? entry(before, all, false) : NULL_ENTRY,
    nextDateWeight: after ? entry(after, all, false) : NULL_ENTRY,
  });
}

/** `GET /weight-service/weight/dayview/{date}` (fixtures `weight_dayview_*.json`). */
export function weightDayview(account: AccountState, date: string): Response {
  if (!isDate(date)) return badRequest();
  const entries = account.weighIns.filter((w) => w.calendarDate === date).sort(newestFirst);
  return json({
    startDate: date,
    endDate: date,
    dateWeightList: entries.map((w) => entry(w, account.weighIns)),
    totalAverage: totalAverage(date, date, entries),
  });
}

/** `DELETE /weight-service/weight/{date}/byversion/{samplePk}` → 204 (protocol §2.5). */
export function deleteWeighIn(account: AccountState, date: string, samplePk: string): Response {
  const index = account.weighIns.findIndex((w) => String(w.samplePk) === samplePk && w.calendarDate === date);
  if (index < 0) return notFound();
  account.weighIns.splice(index, 1);
  return new Response(null, { status: 204 });
}
