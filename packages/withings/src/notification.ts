import { WithingsNotificationError } from './errors.js';
import type { WithingsEventNotification, WithingsNotification } from './types.js';

/** Withings' notification bodies are a few dozen bytes; anything over this is not one. */
export const MAX_NOTIFICATION_BYTES = 4096;
const MAX_EPOCH_SECONDS = 2 ** 32 - 1;

/** What each field is called where a notification is read, so errors name the field as the reader wrote it. */
interface FieldNames {
  userId: string;
  appli: string;
  start: string;
  end: string;
  date: string;
  action: string;
  deviceId: string;
}
const FORM_NAMES: FieldNames = {
  userId: 'userid',
  appli: 'appli',
  start: 'startdate',
  end: 'enddate',
  date: 'date',
  action: 'action',
  deviceId: 'deviceid',
};
const JSON_NAMES: FieldNames = {
  userId: 'userId',
  appli: 'appli',
  start: 'start',
  end: 'end',
  date: 'date',
  action: 'action',
  deviceId: 'deviceId',
};
const KNOWN = new Set<string>(Object.values(FORM_NAMES));
/** The JSON type of each key of a {@link WithingsNotificationJson}. */
const JSON_TYPES = {
  userId: 'string',
  appli: 'number',
  start: 'number',
  end: 'number',
  date: 'string',
  action: 'string',
  deviceId: 'string',
} as const;
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
 * Validates the form body Withings POSTs to a webhook and returns it typed. Accepts exactly what
 * Withings sends: `userid`, `appli`, `startdate`, `enddate` as plain decimal integers, plus optional
 * `date`, `action` and `deviceid` (kept when well-formed, dropped otherwise).
 *
 * `startdate` and `enddate` come as a pair. They are required for the data notifications
 * (appli 1, 2, 4, 16, 44), whose window says what changed. Event notifications (appli 46 unlink,
 * 50/51 in and out of bed, and any other appli) may come without them: the result is then a
 * {@link WithingsEventNotification}, without `startDate`/`endDate`; testing `startDate` narrows the
 * type before the window is used.
 *
 * @param body - The raw request body (`application/x-www-form-urlencoded`), or already-parsed params.
 * @throws {@link WithingsNotificationError} with a `reason` for anything else; it never throws another error.
 *
 * @example
 * ```ts
 * const notification = parseNotification('userid=12345&appli=1&startdate=1530576000&enddate=1530698753');
 * // { userId: '12345', appli: 1, startDate: 2018-07-03T00:00:00Z, endDate: 2018-07-04T10:05:53Z }
 * const event = parseNotification('userid=12345&appli=46&action=unlink');
 * // { userId: '12345', appli: 46, action: 'unlink' }: no window
 * if (event.startDate) fetchWindow(event.startDate, event.endDate);
 * ```
 */
export function parseNotification(
  body: string | URLSearchParams,
): WithingsNotification | WithingsEventNotification {
  return guarded(() => parse(body), 'notification body could not be read');
}

/**
 * A notification as JSON: what {@link notificationToJson} writes and {@link notificationFromJson}
 * reads. Dates are epoch seconds, as Withings sends them; `start` and `end` come as a pair and are
 * absent for a {@link WithingsEventNotification}.
 *
 * This is a stored format: wg-sync's Lambda adapter signs it into queued events that a later
 * version reads, so keys may be added (optional) but never renamed or retyped.
 */
export interface WithingsNotificationJson {
  /** `userid`, as a string. */
  userId: string;
  /** `appli`. */
  appli: number;
  /** `startdate`, epoch seconds. */
  start?: number;
  /** `enddate`, epoch seconds. */
  end?: number;
  /** `date`, as sent. */
  date?: string;
  /** `action`, as sent. */
  action?: string;
  /** `deviceid`, as sent. */
  deviceId?: string;
}

/**
 * Turns a notification into a plain JSON-safe record ({@link WithingsNotificationJson}), for a
 * queue or a store; {@link notificationFromJson} reads it back. Dates are kept to the second, which
 * is all Withings sends. It checks nothing: the reader does.
 *
 * @example
 * ```ts
 * const record = notificationToJson(parseNotification(body));
 * await queue.send(JSON.stringify(record));
 * ```
 */
export function notificationToJson(
  notification: WithingsNotification | WithingsEventNotification,
): WithingsNotificationJson {
  const { userId, appli, date, action, deviceId } = notification;
  return {
    userId,
    appli,
    ...(notification.startDate
      ? { start: epochSeconds(notification.startDate), end: epochSeconds(notification.endDate) }
      : {}),
    ...(date === undefined ? {} : { date }),
    ...(action === undefined ? {} : { action }),
    ...(deviceId === undefined ? {} : { deviceId }),
  };
}

/**
 * Reads a record {@link notificationToJson} wrote (after `JSON.parse`) back into a notification,
 * with the rules {@link parseNotification} applies to a webhook body: the same ranges, the window
 * pair required for data applis and ordered, the same result types. Two differences, because the
 * record is ours and not Withings': a JSON key of the wrong type is refused, and so is an optional
 * field (`date`, `action`, `deviceId`) that is not well-formed, where the webhook parser drops it.
 * Unknown keys are ignored, as in a webhook body, so a record from a newer version still reads.
 *
 * @param record - The parsed JSON value.
 * @throws {@link WithingsNotificationError} with a `reason` (`MALFORMED_BODY` for a value that is not
 * an object) and the offending key as `field`; it never throws another error.
 *
 * @example
 * ```ts
 * const notification = notificationFromJson(JSON.parse(message));
 * if (notification.startDate) fetchWindow(notification.startDate, notification.endDate);
 * ```
 */
export function notificationFromJson(record: unknown): WithingsNotification | WithingsEventNotification {
  return guarded(() => {
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      throw new WithingsNotificationError('MALFORMED_BODY', 'notification record must be a JSON object');
    }
    const fields = new Map<string, string>();
    for (const [key, type] of Object.entries(JSON_TYPES)) {
      const value = Object.hasOwn(record, key) ? (record as Record<string, unknown>)[key] : undefined;
      if (value === undefined) continue;
      if (typeof value !== type)
        throw new WithingsNotificationError('INVALID_FIELD', `${key} must be a ${type}`, key);
      fields.set(key, String(value));
    }
    return validate(fields, JSON_NAMES, 'reject');
  }, 'notification record could not be read');
}

function guarded<T>(read: () => T, message: string): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof WithingsNotificationError) throw error;
    throw new WithingsNotificationError('MALFORMED_BODY', message);
  }
}

function parse(body: string | URLSearchParams): WithingsNotification | WithingsEventNotification {
  const pairs = toPairs(body);
  const fields = new Map<string, string>();
  for (const [key, value] of pairs) {
    const bare = key.replace(/\[.*$/, '');
    if (bare !== key && KNOWN.has(bare)) {
      throw new WithingsNotificationError('INVALID_FIELD', `${bare}: array syntax is not allowed`, bare);
    }
    if (!KNOWN.has(key)) continue;
    if (fields.has(key))
      throw new WithingsNotificationError('DUPLICATE_FIELD', `${key} appears more than once`, key);
    fields.set(key, value);
  }
  return validate(fields, FORM_NAMES, 'drop');
}

/**
 * The rules of a notification, whatever it was read from: `fields` holds each present field's text
 * under its name in `names`; an optional field that is not well-formed is dropped or refused.
 */
function validate(
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

function toPairs(body: string | URLSearchParams): Array<[string, string]> {
  if (body instanceof URLSearchParams) {
    checkSize(body.toString());
    return [...body.entries()];
  }
  if (typeof body !== 'string') {
    throw new WithingsNotificationError('MALFORMED_BODY', 'notification body must be a form-encoded string');
  }
  checkSize(body);
  if (body.trim() === '') return [];
  return body.split('&').map((part) => {
    const equals = part.indexOf('=');
    const [key, value] = equals < 0 ? [part, ''] : [part.slice(0, equals), part.slice(equals + 1)];
    return [decode(key), decode(value)];
  });
}

function checkSize(text: string): void {
  // Characters can be up to 3 UTF-8 bytes; check the cheap bound first.
  if (
    text.length > MAX_NOTIFICATION_BYTES ||
    new TextEncoder().encode(text).length > MAX_NOTIFICATION_BYTES
  ) {
    throw new WithingsNotificationError(
      'BODY_TOO_LARGE',
      `notification body is over ${MAX_NOTIFICATION_BYTES} bytes`,
    );
  }
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw new WithingsNotificationError('MALFORMED_BODY', 'notification body has invalid percent-encoding');
  }
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

const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

export { type NotificationErrorReason, WithingsNotificationError } from './errors.js';
export type { WithingsEventNotification, WithingsNotification } from './types.js';
