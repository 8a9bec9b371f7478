import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  type NotificationErrorReason,
  notificationFromJson,
  notificationToJson,
  parseNotification,
  type WithingsEventNotification,
  type WithingsNotification,
  type WithingsNotificationJson,
} from '../src/index.js';
import { notificationRefusal } from './helpers.js';

/** The WithingsNotificationError a record is refused with (the test fails on success or another error). */
const refusal = (record: unknown) => notificationRefusal(() => notificationFromJson(record));

const through = (record: unknown) => notificationFromJson(JSON.parse(JSON.stringify(record)));
const weight: WithingsNotificationJson = { userId: '41865207', appli: 1, start: 1773446400, end: 1773446460 };

describe('notificationToJson / notificationFromJson', () => {
  it.each([
    'userid=41865207&appli=1&startdate=1773446400&enddate=1773446460',
    'userid=41865207&appli=44&startdate=1773446400&enddate=1773446400&deviceid=a1b2c3d4e5f60718',
    'userid=41865207&appli=46&action=unlink&date=2026-03-14',
    'userid=41865207&appli=50&date=1773446400&deviceid=a1b2c3d4e5f60718',
    'userid=7&appli=46&startdate=1773446400&enddate=1773446460&action=unlink&date=2026-03-14&deviceid=Z9',
  ])('round-trip what parseNotification returns, through JSON text: %s', (body) => {
    const notification = parseNotification(body);
    expect(through(notificationToJson(notification))).toEqual(notification);
  });

  it('write dates as epoch seconds, and no window keys for an event notification', () => {
    const notification = parseNotification('userid=41865207&appli=1&startdate=1773446400&enddate=1773446460');
    expect(notificationToJson(notification)).toStrictEqual(weight);
    const event = notificationToJson(parseNotification('userid=41865207&appli=46&action=unlink'));
    expect(event).toStrictEqual({ userId: '41865207', appli: 46, action: 'unlink' });
    // Sub-second parts (a receipt time standing in for an unlink's window) are dropped, not rounded up.
    const at = new Date('2026-03-14T00:00:00.999Z');
    expect(notificationToJson({ userId: '7', appli: 46, startDate: at, endDate: at })).toMatchObject({
      start: 1773446400,
      end: 1773446400,
    });
  });

  it('return the same types as parseNotification', () => {
    const notification = notificationFromJson(weight);
    expectTypeOf(notification).toEqualTypeOf<WithingsNotification | WithingsEventNotification>();
    if (!notification.startDate) throw new Error('appli 1 always has a window');
    expectTypeOf(notification.endDate).toEqualTypeOf<Date>();
  });

  it('ignore unknown keys, as the webhook parser ignores unknown form fields', () => {
    expect(notificationFromJson({ ...weight, comment: 'x', start_ms: 1 })).toEqual(
      notificationFromJson(weight),
    );
  });

  it.each<[string, unknown, NotificationErrorReason, string | undefined]>([
    ['a string', JSON.stringify(weight), 'MALFORMED_BODY', undefined],
    ['null', null, 'MALFORMED_BODY', undefined],
    ['an array', [weight], 'MALFORMED_BODY', undefined],
    ['no userId', { ...weight, userId: undefined }, 'MISSING_FIELD', 'userId'],
    ['no appli', { userId: '1' }, 'MISSING_FIELD', 'appli'],
    ['a numeric userId', { ...weight, userId: 41865207 }, 'INVALID_FIELD', 'userId'],
    ['a userId that is not digits', { ...weight, userId: '1; drop' }, 'INVALID_FIELD', 'userId'],
    ['userId 0', { ...weight, userId: '0' }, 'INVALID_FIELD', 'userId'],
    ['a userId past 2^53', { ...weight, userId: '9007199254740993' }, 'INVALID_FIELD', 'userId'],
    ['appli as text', { ...weight, appli: '1' }, 'INVALID_FIELD', 'appli'],
    ['a fractional appli', { ...weight, appli: 1.5 }, 'INVALID_FIELD', 'appli'],
    ['a negative appli', { ...weight, appli: -1 }, 'INVALID_FIELD', 'appli'],
    ['appli 2^31', { ...weight, appli: 2 ** 31 }, 'INVALID_FIELD', 'appli'],
    ['a data appli without its window', { userId: '1', appli: 1 }, 'MISSING_FIELD', 'start'],
    ['half a window', { userId: '1', appli: 46, start: 1773446400 }, 'MISSING_FIELD', 'end'],
    ['start as text', { ...weight, start: '1773446400' }, 'INVALID_FIELD', 'start'],
    ['end past 2^32 s', { ...weight, end: 2 ** 32 }, 'INVALID_FIELD', 'end'],
    ['start 0', { ...weight, start: 0 }, 'INVALID_FIELD', 'start'],
    ['end in exponent form', { ...weight, end: 1e21 }, 'INVALID_FIELD', 'end'],
    ['start after end', { ...weight, start: weight.end, end: weight.start }, 'INVALID_WINDOW', undefined],
    [
      'a date that is neither a day nor epoch seconds',
      { ...weight, date: '14-03-2026' },
      'INVALID_FIELD',
      'date',
    ],
    ['a numeric date', { ...weight, date: 1773446400 }, 'INVALID_FIELD', 'date'],
    ['an action with capitals', { ...weight, action: 'UNLINK!' }, 'INVALID_FIELD', 'action'],
    ['a null action', { ...weight, action: null }, 'INVALID_FIELD', 'action'],
    ['a deviceId with a space', { ...weight, deviceId: 'a1 b2' }, 'INVALID_FIELD', 'deviceId'],
  ])('refuse %s with a typed error naming the JSON key', (_, record, reason, field) => {
    const error = refusal(record);
    expect(error.code).toBe('INVALID_NOTIFICATION');
    expect(error.reason).toBe(reason);
    expect(error.field).toBe(field);
    if (field !== undefined) expect(error.message).toMatch(new RegExp(`^${field} `));
  });

  it('refuse a malformed optional field that the webhook parser would drop: the record is ours', () => {
    expect(parseNotification('userid=1&appli=1&startdate=1&enddate=2&action=UNLINK')).not.toHaveProperty(
      'action',
    );
    expect(refusal({ userId: '1', appli: 1, start: 1, end: 2, action: 'UNLINK' }).reason).toBe(
      'INVALID_FIELD',
    );
  });

  it('turn a failing getter into a typed error too', () => {
    const record = {
      ...weight,
      get appli(): number {
        throw new RangeError('boom');
      },
    };
    expect(refusal(record).reason).toBe('MALFORMED_BODY');
  });
});
