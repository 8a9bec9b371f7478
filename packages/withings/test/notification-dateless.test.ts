import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  type NotificationErrorReason,
  parseNotification,
  type WithingsEventNotification,
  type WithingsNotification,
} from '../src/index.js';
import { notificationRefusal } from './helpers.js';

/** The WithingsNotificationError a body is refused with (the test fails on success or another error). */
const refusal = (body: string) => notificationRefusal(() => parseNotification(body));

describe('event notifications without startdate/enddate (protocol §5.3, §12)', () => {
  it('appli 46 unlink with only action and date', () => {
    const n = parseNotification('userid=41865207&appli=46&action=unlink&date=2026-03-14');
    expect(n).toEqual({ userId: '41865207', appli: 46, action: 'unlink', date: '2026-03-14' });
    expect(n).not.toHaveProperty('startDate');
    expect(n).not.toHaveProperty('endDate');
  });

  it('appli 46 unlink with nothing but userid, appli and action (as URLSearchParams too)', () => {
    const expected = { userId: '41865207', appli: 46, action: 'unlink' };
    expect(parseNotification('userid=41865207&appli=46&action=unlink')).toEqual(expected);
    expect(
      parseNotification(new URLSearchParams({ userid: '41865207', appli: '46', action: 'unlink' })),
    ).toEqual(expected);
  });

  it.each([50, 51])('appli %i (in / out of bed) with an epoch date and a device', (appli) => {
    expect(
      parseNotification(`userid=41865207&appli=${appli}&date=1773446400&deviceid=a1b2c3d4e5f60718`),
    ).toEqual({ userId: '41865207', appli, date: '1773446400', deviceId: 'a1b2c3d4e5f60718' });
  });

  it('an event notification that does carry the window keeps it', () => {
    expect(parseNotification('userid=7&appli=50&startdate=1773446400&enddate=1773446460')).toEqual({
      userId: '7',
      appli: 50,
      startDate: new Date(1773446400 * 1000),
      endDate: new Date(1773446460 * 1000),
    });
  });

  it('testing startDate narrows the result to a notification with a window', () => {
    const n = parseNotification('userid=7&appli=1&startdate=1773446400&enddate=1773446460');
    expectTypeOf(n).toEqualTypeOf<WithingsNotification | WithingsEventNotification>();
    if (!n.startDate) throw new Error('appli 1 always has a window');
    expectTypeOf(n.endDate).toEqualTypeOf<Date>();
    expect(n.endDate.getTime() - n.startDate.getTime()).toBe(60_000);
  });
});

describe('data notifications still need the window', () => {
  it.each([1, 2, 4, 16, 44])('appli %i without startdate/enddate is MISSING_FIELD startdate', (appli) => {
    const error = refusal(`userid=41865207&appli=${appli}`);
    expect(error).toMatchObject({
      code: 'INVALID_NOTIFICATION',
      reason: 'MISSING_FIELD',
      field: 'startdate',
    });
  });

  it.each([
    ['appli 1 without enddate', 'userid=1&appli=1&startdate=5', 'MISSING_FIELD', 'enddate'],
    ['appli 4 without startdate', 'userid=1&appli=4&enddate=5', 'MISSING_FIELD', 'startdate'],
    [
      'appli 46 with only startdate',
      'userid=1&appli=46&action=unlink&startdate=5',
      'MISSING_FIELD',
      'enddate',
    ],
    ['appli 51 with only enddate', 'userid=1&appli=51&enddate=5', 'MISSING_FIELD', 'startdate'],
    [
      'appli 46 with a reversed window',
      'userid=1&appli=46&startdate=9&enddate=5',
      'INVALID_WINDOW',
      undefined,
    ],
    [
      'appli 50 with an empty startdate',
      'userid=1&appli=50&startdate=&enddate=5',
      'INVALID_FIELD',
      'startdate',
    ],
    ['appli 46 without userid', 'appli=46&action=unlink', 'MISSING_FIELD', 'userid'],
  ] as Array<[string, string, NotificationErrorReason, string | undefined]>)(
    '%s is refused',
    (_what, body, reason, field) => {
      const error = refusal(body);
      expect(error.reason).toBe(reason);
      expect(error.field).toBe(field);
    },
  );
});
