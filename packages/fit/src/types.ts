/**
 * One weigh-in as it goes into (or comes out of) a FIT weight file.
 *
 * Every optional field is simply left out when it is not known: zero is a real value, not "unknown".
 * Units are the ones Garmin Connect shows; the encoder rounds each value to the resolution the FIT
 * profile stores (0.01 kg, 0.01 %, 0.25 kcal, 0.1 kg/m²) and never truncates.
 */
export interface WeightEntry {
  /** The instant of the weigh-in. A UTC instant: the host's time zone never changes what is written. */
  timestamp: Date;
  /** Body weight in kilograms, more than 0 and at most 655.34. */
  weightKg: number;
  /** Body fat in percent of body weight (0–100). */
  fatPercent?: number;
  /** Body water in percent of body weight (0–100). Withings reports kilograms: divide by weight first. */
  hydrationPercent?: number;
  /** Bone mass in kilograms. */
  boneMassKg?: number;
  /** Muscle mass in kilograms (Garmin labels it "Skeletal Muscle Mass"). */
  muscleMassKg?: number;
  /** Visceral fat mass in kilograms. */
  visceralFatMassKg?: number;
  /** Visceral fat rating, a whole number 0–254. */
  visceralFatRating?: number;
  /** Physique rating, a whole number 1–9. */
  physiqueRating?: number;
  /** Metabolic age in whole years, 0–254. */
  metabolicAge?: number;
  /** Basal metabolic rate in kcal per day. */
  basalMetKcal?: number;
  /** Active metabolic rate in kcal per day. */
  activeMetKcal?: number;
  /** Body mass index in kg/m². */
  bmi?: number;
}

/** Options for {@link encodeWeightFit}. */
export interface EncodeWeightFitOptions {
  /**
   * `file_id.time_created` and the `device_info` timestamp. Defaults to the moment of encoding, as
   * Garmin's own scales and the Python tools do.
   */
  createdAt?: Date;
  /**
   * FIT manufacturer: a number (0–65534) or a name from the FIT profile such as `'development'`
   * (the default, 255) or `'garmin'`. The FIT profile has no Withings code.
   */
  manufacturer?: number | string;
  /** FIT product id (0–65534). Defaults to 0. */
  product?: number;
  /** Device serial number (1–4294967294). Left out unless given. */
  serialNumber?: number;
}

/** What {@link decodeWeightFit} reads from a FIT weight file. */
export interface DecodedWeightFit {
  /**
   * `file_id.time_created`. Files written without one (allowed by FIT) report the earliest
   * weigh-in's timestamp instead.
   */
  createdAt: Date;
  /** One entry per `weight_scale` record that holds a timestamp and a weight, in file order. */
  entries: WeightEntry[];
  /** `file_id.manufacturer` when present: the profile name (`'development'`) or the raw number. */
  manufacturer?: string | number;
  /** `file_id.product` when present. */
  product?: number;
  /** `file_id.serial_number` when present. */
  serialNumber?: number;
}
