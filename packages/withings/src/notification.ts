import { WithingsNotificationError } from './errors.js';
import type { WithingsEventNotification, WithingsNotification } from './types.js';

/** Withings' notification bodies are a few dozen bytes; anything over this is not one. */
export const MAX_NOTIFICATION_BYTES = 4096;
const MAX_EPOCH_SECONDS = 2 ** 32 - 1;
const REQUIRED = ['userid', 'appli'] as const;
const WINDOW = ['startdate', 'enddate'] as const;
const KNOWN = new Set<string>([...REQUIRED, ...WINDOW, 'date', 'action', 'deviceid']);
/**
 * Data notifications (weight, temperature, blood pressure, activity, sleep): their window is what
 * to fetch, so one without it is not Withings'. Event notifications (46 user actions, 50/51 in and
 * out of bed, …) are documented without one (protocol §5.3, §12).
 */
const WINDOWED_APPLIS = new Set([1, 2, 4, 16, 44]);
const DIGITS = /^[0-9]+$/;

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
  try {
    return parse(body);
  } catch (error) {
    if (error instanceof WithingsNotificationError) throw error;
    throw new WithingsNotificationError('MALFORMED_BODY', 'notification body could not be read');
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
  for (const name of REQUIRED) {
    if (!fields.has(name)) throw new WithingsNotificationError('MISSING_FIELD', `${name} is missing`, name);
  }
  const userId = integerField(fields, 'userid', 1, Number.MAX_SAFE_INTEGER);
  const appli = integerField(fields, 'appli', 1, 2 ** 31 - 1);
  const notification: WithingsNotification | WithingsEventNotification = {
    userId: String(userId),
    appli,
    ...dataWindow(fields, WINDOWED_APPLIS.has(appli)),
  };
  const date = fields.get('date');
  if (date !== undefined && (/^\d{4}-\d{2}-\d{2}$/.test(date) || /^[0-9]{1,10}$/.test(date)))
    notification.date = date;
  const action = fields.get('action');
  if (action !== undefined && /^[a-z_]{1,32}$/.test(action)) notification.action = action;
  const deviceId = fields.get('deviceid');
  if (deviceId !== undefined && /^[0-9a-zA-Z]{1,64}$/.test(deviceId)) notification.deviceId = deviceId;
  return notification;
}

function dataWindow(
  fields: Map<string, string>,
  required: boolean,
): { startDate: Date; endDate: Date } | Record<string, never> {
  // A half window is not something Withings sends, whatever the appli.
  if (!required && !WINDOW.some((name) => fields.has(name))) return {};
  for (const name of WINDOW) {
    if (!fields.has(name)) throw new WithingsNotificationError('MISSING_FIELD', `${name} is missing`, name);
  }
  const start = integerField(fields, 'startdate', 1, MAX_EPOCH_SECONDS);
  const end = integerField(fields, 'enddate', 1, MAX_EPOCH_SECONDS);
  if (start > end) {
    throw new WithingsNotificationError('INVALID_WINDOW', `startdate ${start} is after enddate ${end}`);
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

export { type NotificationErrorReason, WithingsNotificationError } from './errors.js';
export type { WithingsEventNotification, WithingsNotification } from './types.js';
