import { WithingsNotificationError } from './errors.js';
import type { WithingsEventNotification, WithingsNotification } from './types.js';

const MAX_EPOCH_SECONDS = 2 ** 32 - 1;

/** What each field is called where a notification is read, so errors name the field as the reader wrote it. */
export interface FieldNames {
  userId: string;
  appli: string;
  start: string;
  end: string;
  date: string;
  action: string;
  deviceId: string;
}
export const FORM_NAMES: FieldNames = {
  userId: 'userid',
  appli: 'appli',
  start: 'startdate',
  end: 'enddate',
  date: 'date',
  action: 'action',
  deviceId: 'deviceid',
};
export const JSON_NAMES: FieldNames = {
  userId: 'userId',
  appli: 'appli',
  start: 'start',
  end: 'end',
  date: 'date',
  action: 'action',
  deviceId: 'deviceId',
};
/**
 * Data notifications (weight, temperature, blood pressure, activity, sleep): their window is what
 * to fetch, so one without it is not Withings'. Event notifications (46 user actions, 50/51 in and
 * out of bed, …) are documented without one (protocol §5.3, §12).
 */
const WINDOWED_APPLIS = new Set([1, 2, 4, 16, 44]);
const DIGITS = /^[0-9]+$/;
const OPTIONAL = [
  ['date', /^(?:\d{4}-\d{2}-\d{2}|[0-9]{1,10})$/],
  ['action', /^[a-z_]{1,32}$/],
  ['deviceId', /^[0-9a-zA-Z]{1,64}$/],
] as const;

/**
 * The rules of a notification, whatever it was read from: `fields` holds each present field's text
 * under its name in `names`; an optional field that is not well-formed is dropped or refused.
 */
export function validate(
  fields: Map<string, string>,
  names: FieldNames,
  malformedOptional: 'drop' | 'reject',
): WithingsNotification | WithingsEventNotification {
  for (const name of [names.userId, names.appli]) {
    if (!fields.has(name)) throw new WithingsNotificationError('MISSING_FIELD', `${name} is missing`, name);
  }
  const userId = integerField(fields, names.userId, 1, Number.MAX_SAFE_INTEGER);
  const appli = integerField(fields, names.appli, 1, 2 ** 31 - 1);
  const notification: WithingsNotification | WithingsEventNotification = {
    userId: String(userId),
    appli,
    ...dataWindow(fields, names, WINDOWED_APPLIS.has(appli)),
  };
  for (const [key, pattern] of OPTIONAL) {
    const value = fields.get(names[key]);
    if (value === undefined) continue;
    if (pattern.test(value)) notification[key] = value;
    else if (malformedOptional === 'reject') {
      throw new WithingsNotificationError('INVALID_FIELD', `${names[key]} is not well-formed`, names[key]);
    }
  }
  return notification;
}

function dataWindow(
  fields: Map<string, string>,
  names: FieldNames,
  required: boolean,
): { startDate: Date; endDate: Date } | Record<string, never> {
  const window = [names.start, names.end];
  // A half window is not something Withings sends, whatever the appli.
  if (!required && !window.some((name) => fields.has(name))) return {};
  for (const name of window) {
    if (!fields.has(name)) throw new WithingsNotificationError('MISSING_FIELD', `${name} is missing`, name);
  }
  const start = integerField(fields, names.start, 1, MAX_EPOCH_SECONDS);
  const end = integerField(fields, names.end, 1, MAX_EPOCH_SECONDS);
  if (start > end) {
    throw new WithingsNotificationError(
      'INVALID_WINDOW',
      `${names.start} ${start} is after ${names.end} ${end}`,
    );
  }
  return { startDate: new Date(start * 1000), endDate: new Date(end * 1000) };
}

function integerField(fields: Map<string, string>, name: string, min: number, max: number): number {
  const text = fields.get(name) ?? '';
  if (!DIGITS.test(text) || text.length > 16) {
    throw new WithingsNotificationError('INVALID_FIELD', `${name} must be a plain decimal integer`, name);
  }
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new WithingsNotificationError('INVALID_FIELD', `${name} is out of range (${min}–${max})`, name);
  }
  return value;
}
