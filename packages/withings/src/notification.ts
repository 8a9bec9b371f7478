import { WithingsNotificationError } from './errors.js';
import { parseFormBody } from './notification-form.js';
import { JSON_NAMES, validate } from './notification-rules.js';
import type { WithingsEventNotification, WithingsNotification } from './types.js';

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
  return guarded(() => parseFormBody(body), 'notification body could not be read');
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

const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

export { type NotificationErrorReason, WithingsNotificationError } from './errors.js';
export { MAX_NOTIFICATION_BYTES } from './notification-form.js';
export type { WithingsEventNotification, WithingsNotification } from './types.js';
