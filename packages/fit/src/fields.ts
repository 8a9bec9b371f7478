import type { WeightEntry } from './types.js';

/** How one numeric {@link WeightEntry} field is stored in a FIT `weight_scale` record. */
export interface WeightFieldSpec {
  /** The field's key in `@garmin/fitsdk` messages (the FIT profile's camelCase name). */
  readonly fit: string;
  /** Profile scale: the stored integer is `round(value × scale)`. */
  readonly scale: number;
  /** Smallest and largest stored integer we accept (the base type's invalid marker is never reachable). */
  readonly minWire: number;
  readonly maxWire: number;
  /** Unscaled integer fields (uint8) take whole numbers only: Garmin rejects decimals there. */
  readonly integer?: boolean;
  /** Unit for messages. */
  readonly unit: string;
}

const UINT16_MAX_VALID = 0xfffe;
const UINT8_MAX_VALID = 0xfe;

const kg = { scale: 100, minWire: 0, maxWire: UINT16_MAX_VALID, unit: 'kg' } as const;
const percent = { scale: 100, minWire: 0, maxWire: 10_000, unit: '%' } as const;
const kcal = { scale: 4, minWire: 0, maxWire: UINT16_MAX_VALID, unit: 'kcal' } as const;
const wholeNumber = { scale: 1, minWire: 0, maxWire: UINT8_MAX_VALID, integer: true, unit: '' } as const;

type NumericField = Exclude<keyof WeightEntry, 'timestamp'>;

/**
 * The `weight_scale` fields we write, in the order we write them (fit.md §3). `weightKg` must be
 * present and round to at least 0.01 kg: a record without weight breaks Garmin's import.
 */
export const WEIGHT_FIELDS: Readonly<Record<NumericField, WeightFieldSpec>> = {
  weightKg: { fit: 'weight', ...kg, minWire: 1 },
  fatPercent: { fit: 'percentFat', ...percent },
  hydrationPercent: { fit: 'percentHydration', ...percent },
  visceralFatMassKg: { fit: 'visceralFatMass', ...kg },
  boneMassKg: { fit: 'boneMass', ...kg },
  muscleMassKg: { fit: 'muscleMass', ...kg },
  basalMetKcal: { fit: 'basalMet', ...kcal },
  physiqueRating: { fit: 'physiqueRating', ...wholeNumber, minWire: 1, maxWire: 9 },
  activeMetKcal: { fit: 'activeMet', ...kcal },
  metabolicAge: { fit: 'metabolicAge', ...wholeNumber, unit: 'years' },
  visceralFatRating: { fit: 'visceralFatRating', ...wholeNumber },
  bmi: { fit: 'bmi', scale: 10, minWire: 0, maxWire: UINT16_MAX_VALID, unit: 'kg/m²' },
};

export const NUMERIC_FIELDS = Object.keys(WEIGHT_FIELDS) as NumericField[];

/** FIT `date_time`: seconds since 1989-12-31T00:00:00Z. */
export const FIT_EPOCH_MS = 631_065_600_000;
/**
 * Below 0x10000000 a FIT `date_time` means "seconds since the device powered on", not an instant
 * (FIT profile, `date_time.min`), so the earliest writable instant is 1998-07-04T21:24:16Z.
 */
export const FIT_MIN_DATE_TIME = 0x10000000;
export const FIT_MAX_DATE_TIME = 0xfffffffe;
