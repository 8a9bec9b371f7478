import { Encoder, Profile } from '@garmin/fitsdk';
import { FitEncodeError } from './errors.js';
import {
  FIT_EPOCH_MS,
  FIT_MAX_DATE_TIME,
  FIT_MIN_DATE_TIME,
  NUMERIC_FIELDS,
  WEIGHT_FIELDS,
} from './fields.js';
import type { EncodeWeightFitOptions, WeightEntry } from './types.js';

type FitMessage = Parameters<Encoder['writeMesg']>[0];

/** `file_creator.software_version`: 1.00 of the wg-sync encoder (×100 per the FIT profile). */
const SOFTWARE_VERSION = 100;
const KNOWN_KEYS = new Set<string>(['timestamp', ...NUMERIC_FIELDS]);

/**
 * Encodes weigh-ins into one FIT weight file, ready for Garmin Connect's upload service.
 *
 * The file holds `file_id` (type weight), `file_creator`, `device_info`, then one `weight_scale`
 * record per entry in time order. Values are rounded to the profile's resolution; timestamps are
 * written as UTC instants, whole seconds (sub-second parts are dropped).
 *
 * @param entries - One or more weigh-ins; each must have a timestamp and a weight.
 * @param options - File metadata; see {@link EncodeWeightFitOptions}.
 * @returns The bytes of the FIT file (header, records and CRC).
 * @throws {@link FitEncodeError} naming the field and entry index of the first bad value.
 *
 * @example
 * ```ts
 * import { encodeWeightFit } from '@wg-sync/fit';
 *
 * const bytes = encodeWeightFit([
 *   { timestamp: new Date('2026-11-20T06:31:07Z'), weightKg: 81.37, fatPercent: 21.5, bmi: 24.6 },
 * ]);
 * ```
 */
export function encodeWeightFit(entries: WeightEntry[], options: EncodeWeightFitOptions = {}): Uint8Array {
  if (!Array.isArray(entries)) {
    throw new FitEncodeError('INVALID_VALUE', 'entries must be an array of weigh-ins', { field: 'entries' });
  }
  if (entries.length === 0) {
    throw new FitEncodeError('EMPTY', 'entries is empty: a FIT weight file needs at least one weigh-in', {
      field: 'entries',
    });
  }
  const records = entries.map(toWeightScaleRecord).sort((a, b) => a.seconds - b.seconds);
  const createdAt =
    options.createdAt === undefined
      ? toFitSeconds(new Date(), 'createdAt')
      : toFitSeconds(options.createdAt, 'createdAt');
  const device = toDeviceFields(options);

  const encoder = new Encoder();
  const write = (message: FitMessage) => encoder.writeMesg(message);
  write({
    mesgNum: Profile.MesgNum.FILE_ID,
    type: 'weight',
    ...device,
    timeCreated: createdAt,
  } as FitMessage);
  write({ mesgNum: Profile.MesgNum.FILE_CREATOR, softwareVersion: SOFTWARE_VERSION } as FitMessage);
  write({ mesgNum: Profile.MesgNum.DEVICE_INFO, timestamp: createdAt, ...device } as FitMessage);
  for (const record of records) {
    write({
      mesgNum: Profile.MesgNum.WEIGHT_SCALE,
      timestamp: record.seconds,
      ...record.fields,
    } as FitMessage);
  }
  return encoder.close();
}

interface WeightScaleRecord {
  seconds: number;
  fields: Record<string, number>;
}

function toWeightScaleRecord(entry: WeightEntry, index: number): WeightScaleRecord {
  if (entry === null || typeof entry !== 'object') {
    throw new FitEncodeError('INVALID_VALUE', `entries[${index}] must be an object, got ${describe(entry)}`, {
      index,
    });
  }
  for (const key of Object.keys(entry)) {
    // The SDK silently drops keys it does not know; a misspelt field must not vanish unnoticed.
    if (!KNOWN_KEYS.has(key)) {
      throw new FitEncodeError('INVALID_VALUE', `entries[${index}].${key} is not a WeightEntry field`, {
        field: key,
        index,
      });
    }
  }
  const seconds = toFitSeconds(entry.timestamp, 'timestamp', index);
  if (entry.weightKg === undefined || entry.weightKg === null) {
    throw new FitEncodeError(
      'INVALID_VALUE',
      `entries[${index}].weightKg is missing: every weigh-in needs a weight`,
      {
        field: 'weightKg',
        index,
      },
    );
  }
  const fields: Record<string, number> = {};
  for (const key of NUMERIC_FIELDS) {
    const value = entry[key];
    if (value === undefined || value === null) continue;
    const spec = WEIGHT_FIELDS[key];
    const at = `entries[${index}].${key}`;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new FitEncodeError('INVALID_VALUE', `${at} must be a finite number, got ${describe(value)}`, {
        field: key,
        index,
      });
    }
    if (spec.integer && !Number.isInteger(value)) {
      throw new FitEncodeError('INVALID_VALUE', `${at} must be a whole number, got ${value}`, {
        field: key,
        index,
      });
    }
    const wire = Math.round(value * spec.scale);
    if (wire < spec.minWire || wire > spec.maxWire) {
      const range = `${spec.minWire / spec.scale}–${spec.maxWire / spec.scale}${spec.unit ? ` ${spec.unit}` : ''}`;
      const rounding = wire === 0 && value !== 0 ? ' (it rounds to 0)' : '';
      throw new FitEncodeError('OUT_OF_RANGE', `${at} is ${value}${rounding}, outside ${range}`, {
        field: key,
        index,
      });
    }
    // Hand the SDK the already-rounded value, so what is stored never depends on its rounding.
    fields[spec.fit] = wire / spec.scale;
  }
  return { seconds, fields };
}

function toFitSeconds(date: unknown, field: string, index?: number): number {
  const at = index === undefined ? field : `entries[${index}].${field}`;
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new FitEncodeError('INVALID_TIMESTAMP', `${at} must be a valid Date, got ${describe(date)}`, {
      field,
      ...(index === undefined ? {} : { index }),
    });
  }
  const seconds = Math.floor((date.getTime() - FIT_EPOCH_MS) / 1000);
  if (seconds < FIT_MIN_DATE_TIME || seconds > FIT_MAX_DATE_TIME) {
    const earliest = new Date(FIT_EPOCH_MS + FIT_MIN_DATE_TIME * 1000).toISOString();
    const latest = new Date(FIT_EPOCH_MS + FIT_MAX_DATE_TIME * 1000).toISOString();
    throw new FitEncodeError(
      'INVALID_TIMESTAMP',
      `${at} is ${date.toISOString()}, outside what FIT can store as an instant (${earliest} to ${latest})`,
      { field, ...(index === undefined ? {} : { index }) },
    );
  }
  return seconds;
}

function toDeviceFields(options: EncodeWeightFitOptions): Record<string, number | string> {
  const manufacturer = options.manufacturer ?? 'development';
  if (typeof manufacturer === 'string') {
    const known = Object.values(Profile.types.manufacturer as Record<number, string>);
    if (!known.includes(manufacturer)) {
      throw new FitEncodeError(
        'INVALID_VALUE',
        `manufacturer "${manufacturer}" is not a FIT profile manufacturer name (e.g. "development", "garmin")`,
        { field: 'manufacturer' },
      );
    }
  } else {
    checkInteger(manufacturer, 'manufacturer', 0, 0xfffe);
  }
  const fields: Record<string, number | string> = { manufacturer, product: options.product ?? 0 };
  checkInteger(fields.product, 'product', 0, 0xfffe);
  if (options.serialNumber !== undefined) {
    checkInteger(options.serialNumber, 'serialNumber', 1, 0xfffffffe);
    fields.serialNumber = options.serialNumber;
  }
  return fields;
}

function checkInteger(value: unknown, field: string, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new FitEncodeError('INVALID_VALUE', `${field} must be a whole number, got ${describe(value)}`, {
      field,
    });
  }
  if (value < min || value > max) {
    throw new FitEncodeError('OUT_OF_RANGE', `${field} is ${value}, outside ${min}–${max}`, { field });
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Date) return 'an invalid Date';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return `a string`;
  return typeof value;
}
