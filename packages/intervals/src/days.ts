import { CLEAR, type IntervalsWellnessUpdate } from './types.js';

/** True for a real calendar day written `YYYY-MM-DD` (`2026-02-30` is not one). */
export function isDay(value: unknown): value is string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/** @throws RangeError unless `value` is a real `YYYY-MM-DD` day. */
export function checkDay(name: string, value: unknown): string {
  if (!isDay(value)) {
    const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : typeof value;
    throw new RangeError(`${name} must be a day written YYYY-MM-DD, got ${shown}`);
  }
  return value;
}

/**
 * The calendar day `at` falls on in `timeZone`, `YYYY-MM-DD`: the `date` of the wellness record a
 * measurement taken at `at` belongs to, given the athlete's `timezone` from
 * {@link IntervalsClient.getAthlete}. (A server in UTC that used its own day would write an
 * evening weigh-in in Europe into the day before, or the next.)
 *
 * @example
 * ```ts
 * wellnessDay(new Date('2026-11-20T23:30:00Z'), 'Europe/Paris'); // '2026-11-21'
 * ```
 * @throws RangeError for an invalid `Date` or a `timeZone` that is not an IANA name.
 */
export function wellnessDay(at: Date, timeZone: string): string {
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new RangeError('at must be a valid Date');
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
  } catch {
    throw new RangeError(`timeZone must be an IANA time zone name, got ${JSON.stringify(String(timeZone))}`);
  }
  const parts = format.formatToParts(at);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  const year = part('year').padStart(4, '0');
  return `${year}-${part('month')}-${part('day')}`;
}

const LIMITS: Record<keyof IntervalsWellnessUpdate, { max: number; inclusive: boolean; unit: string }> = {
  weight: { max: 1000, inclusive: false, unit: 'kg' },
  bodyFat: { max: 100, inclusive: true, unit: '%' },
  systolic: { max: 400, inclusive: false, unit: 'mmHg' },
  diastolic: { max: 400, inclusive: false, unit: 'mmHg' },
};

/**
 * The JSON body of a PUT: the known fields that were given, each checked.
 * @throws RangeError for a value out of range, or when no field is given.
 */
export function updateBody(update: IntervalsWellnessUpdate): Record<string, number> {
  if (update === null || typeof update !== 'object') throw new RangeError('the update must be an object');
  const body: Record<string, number> = {};
  for (const [field, { max, inclusive, unit }] of Object.entries(LIMITS)) {
    const value = (update as Record<string, unknown>)[field];
    if (value === undefined) continue;
    const inRange =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      (value === CLEAR || (value > 0 && (inclusive ? value <= max : value < max)));
    if (!inRange) {
      const shown = typeof value === 'number' ? String(value) : typeof value;
      throw new RangeError(
        `${field} must be a finite number over 0 and ${inclusive ? 'at most' : 'under'} ${max} ${unit}, or -1 to clear it; got ${shown}`,
      );
    }
    body[field] = value;
  }
  if (Object.keys(body).length === 0) {
    throw new RangeError('the update names no field (weight, bodyFat, systolic, diastolic)');
  }
  return body;
}
