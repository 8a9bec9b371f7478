import type { AccountState } from './account-state.js';
import { dayOf, wallClockMs } from './time.js';
import type { GarminSimWeighIn, GarminSimWeighInInput } from './types.js';

/**
 * Stores a weigh-in on the account as Garmin would list it: masses in grams, the local wall-clock
 * time and calendar date in the account's zone, kept in time order. `nextId` gives its `samplePk`.
 */
export function storeWeighIn(
  account: AccountState,
  input: GarminSimWeighInInput,
  nextId: () => number,
  defaultSourceType: string,
): GarminSimWeighIn {
  const timestampGMT = input.timestamp.getTime();
  const local = wallClockMs(timestampGMT, account.timeZone);
  const grams = (kg: number | undefined) => (kg === undefined ? null : Math.round(kg * 1000));
  const weighIn: GarminSimWeighIn = {
    samplePk: nextId(),
    timestampGMT,
    date: local,
    calendarDate: dayOf(local),
    weight: Math.round(input.weightKg * 1000 * 10) / 10,
    bmi: input.bmi ?? null,
    bodyFat: input.fatPercent ?? null,
    bodyWater: input.hydrationPercent ?? null,
    boneMass: grams(input.boneMassKg),
    muscleMass: grams(input.muscleMassKg),
    physiqueRating: input.physiqueRating ?? null,
    visceralFat: input.visceralFat ?? null,
    metabolicAge: input.metabolicAge ?? null,
    sourceType: input.sourceType ?? defaultSourceType,
  };
  account.weighIns.push(weighIn);
  account.weighIns.sort((a, b) => a.timestampGMT - b.timestampGMT || a.samplePk - b.samplePk);
  return weighIn;
}
