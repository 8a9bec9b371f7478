import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type NotificationErrorReason, parseNotification } from '../src/index.js';
import { notificationRefusal } from './helpers.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const valid = 'userid=41865207&appli=1&startdate=1772323200&enddate=1772445619';

describe('parseNotification accepts what Withings sends', () => {
  it('a body shaped like the documentation example (a 34-hour window)', () => {
    expect(parseNotification(fixture('webhook_post_appli1_long_window.txt'))).toEqual({
      userId: '41865207',
      appli: 1,
      startDate: new Date(1772323200 * 1000),
      endDate: new Date(1772445619 * 1000),
    });
  });

  it('a weigh-in notification (1-second window)', () => {
    expect(parseNotification(fixture('webhook_post_appli1_weighin.txt'))).toMatchObject({
      userId: '41865207',
      appli: 1,
    });
  });

  it('an appli 46 unlink with action and date, given as URLSearchParams', () => {
    const body = new URLSearchParams(
      'userid=41865207&appli=46&action=unlink&date=2026-03-14&startdate=1773446400&enddate=1773446400',
    );
    expect(parseNotification(body)).toEqual({
      userId: '41865207',
      appli: 46,
      startDate: new Date(1773446400 * 1000),
      endDate: new Date(1773446400 * 1000),
      action: 'unlink',
      date: '2026-03-14',
    });
  });

  it('deviceid is passed through; unknown extra fields are ignored; a malformed optional field is dropped', () => {
    expect(
      parseNotification(`${valid}&deviceid=503d02127def8d8a442c7a5dec1414a89c56b4cf&foo=bar`),
    ).toMatchObject({
      deviceId: '503d02127def8d8a442c7a5dec1414a89c56b4cf',
    });
    expect(parseNotification(`${valid}&action=DROP%20TABLE`)).not.toHaveProperty('action');
  });

  it('percent-encoded digits and + for spaces are decoded like any form', () => {
    expect(parseNotification('userid=%31%32&appli=1&startdate=1&enddate=2').userId).toBe('12');
  });
});

describe('parseNotification refuses anything else with a WithingsNotificationError', () => {
  const cases: Array<[string, unknown, NotificationErrorReason]> = [
    ['empty body', '', 'MISSING_FIELD'],
    ['missing userid', 'appli=1&startdate=1&enddate=2', 'MISSING_FIELD'],
    ['missing appli', 'userid=1&startdate=1&enddate=2', 'MISSING_FIELD'],
    ['missing startdate', 'userid=1&appli=1&enddate=2', 'MISSING_FIELD'],
    ['missing enddate', 'userid=1&appli=1&startdate=1', 'MISSING_FIELD'],
    ['JSON instead of a form', '{"userid":1,"appli":1,"startdate":1,"enddate":2}', 'MISSING_FIELD'],
    ['negative userid', 'userid=-5&appli=1&startdate=1&enddate=2', 'INVALID_FIELD'],
    ['signed userid', 'userid=%2B5&appli=1&startdate=1&enddate=2', 'INVALID_FIELD'],
    ['userid zero', 'userid=0&appli=1&startdate=1&enddate=2', 'INVALID_FIELD'],
    ['fractional userid', 'userid=1.5&appli=1&startdate=1&enddate=2', 'INVALID_FIELD'],
    ['exponent startdate', 'userid=1&appli=1&startdate=1e9&enddate=2', 'INVALID_FIELD'],
    ['hex appli', 'userid=1&appli=0x1&startdate=1&enddate=2', 'INVALID_FIELD'],
    ['empty appli', 'userid=1&appli=&startdate=1&enddate=2', 'INVALID_FIELD'],
    [
      'userid beyond a safe integer',
      'userid=9007199254740993&appli=1&startdate=1&enddate=2',
      'INVALID_FIELD',
    ],
    ['startdate 0', 'userid=1&appli=1&startdate=0&enddate=2', 'INVALID_FIELD'],
    ['enddate beyond 2^32-1', 'userid=1&appli=1&startdate=1&enddate=4294967296', 'INVALID_FIELD'],
    ['whitespace in a number', 'userid=1%20&appli=1&startdate=1&enddate=2', 'INVALID_FIELD'],
    ['array syntax', 'userid[]=1&appli=1&startdate=1&enddate=2', 'INVALID_FIELD'],
    ['indexed array syntax', 'userid=1&appli[0]=1&startdate=1&enddate=2', 'INVALID_FIELD'],
    ['userid twice', 'userid=1&userid=2&appli=1&startdate=1&enddate=2', 'DUPLICATE_FIELD'],
    ['startdate after enddate', 'userid=1&appli=1&startdate=10&enddate=2', 'INVALID_WINDOW'],
    ['broken percent-encoding', 'userid=%ZZ&appli=1&startdate=1&enddate=2', 'MALFORMED_BODY'],
    ['invalid UTF-8 percent-encoding', 'userid=%C3&appli=1&startdate=1&enddate=2', 'MALFORMED_BODY'],
    ['over 4 KiB', `${valid}&pad=${'x'.repeat(4100)}`, 'BODY_TOO_LARGE'],
    [
      'over 4 KiB as URLSearchParams',
      new URLSearchParams(`${valid}&pad=${'x'.repeat(4100)}`),
      'BODY_TOO_LARGE',
    ],
    ['not a string', { userid: 1 }, 'MALFORMED_BODY'],
    ['null', null, 'MALFORMED_BODY'],
    ['a Buffer', Buffer.from(valid), 'MALFORMED_BODY'],
  ];

  it.each(cases)('%s', (_what, body, reason) => {
    const caught = notificationRefusal(() => parseNotification(body as string));
    expect(caught).toMatchObject({ code: 'INVALID_NOTIFICATION', reason });
    expect(caught.message.length).toBeGreaterThan(5);
  });

  it('names the field at fault', () => {
    expect(() => parseNotification('userid=1&appli=x&startdate=1&enddate=2')).toThrow(
      expect.objectContaining({ field: 'appli', message: 'appli must be a plain decimal integer' }),
    );
  });
});
