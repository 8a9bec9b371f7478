import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signAsyncNotification, verifyAsyncNotification } from '../src/async/async-notification.js';
import { asyncSigningKey } from '../src/async/async-signing-key.js';
import { rejectionReason } from './helpers.js';

/*
 * Events as the adapter signed them before withings owned the notification record, copied from that
 * code's output. Lambda keeps queued events for hours, so a deploy must read what the previous
 * version queued, and the previous version (still running during the deploy) what this one queues.
 */
const WINDOW_WITH_NOT_BEFORE = {
  'wg-sync': 'notification/v1',
  payload:
    '{"fn":"wg-sync-sync","iat":1795154400,"nbf":1795154445123,"n":{"userId":"37012345","appli":1,"start":1795153267,"end":1795153267}}',
  signature: 'NEUIc0ukLR0iK1mrAadgsA9pvO5zf93_A1Hzewhrz1o',
};
const UNLINK_WITH_EVERY_FIELD = {
  'wg-sync': 'notification/v1',
  payload:
    '{"fn":"wg-sync-sync","iat":1795154400,"n":{"userId":"37012345","appli":46,"start":1795154398,"end":1795154398,"date":"2026-11-20","action":"unlink","deviceId":"a1b2c3d4e5f60718"}}',
  signature: 'rlJ7Qp-Mgz4Qw1o_1lqt8yU1jItXJZYL9oV0dKbwSH8',
};

const key = asyncSigningKey('withings-client-secret');
const now = new Date('2026-11-20T06:00:00Z');
const options = { key, functionName: 'wg-sync-sync', now, maxAgeSeconds: 3600 };
const rejection = (event: Record<string, unknown>) =>
  rejectionReason(() => verifyAsyncNotification(event, options));

describe('notification/v1 events queued by the previous version', () => {
  it('verify and give back their notification and notBefore', () => {
    expect(verifyAsyncNotification(WINDOW_WITH_NOT_BEFORE, options)).toEqual({
      notification: {
        userId: '37012345',
        appli: 1,
        startDate: new Date('2026-11-20T05:41:07Z'),
        endDate: new Date('2026-11-20T05:41:07Z'),
      },
      notBefore: new Date('2026-11-20T06:00:45.123Z'),
    });
    expect(verifyAsyncNotification(UNLINK_WITH_EVERY_FIELD, options)).toEqual({
      notification: {
        userId: '37012345',
        appli: 46,
        startDate: new Date('2026-11-20T05:59:58Z'),
        endDate: new Date('2026-11-20T05:59:58Z'),
        date: '2026-11-20',
        action: 'unlink',
        deviceId: 'a1b2c3d4e5f60718',
      },
    });
  });

  it('are what this version signs for the same notification, byte for byte', () => {
    const unlink = {
      userId: '37012345',
      appli: 46,
      startDate: new Date('2026-11-20T05:59:58.250Z'),
      endDate: new Date('2026-11-20T05:59:58.250Z'),
      date: '2026-11-20',
      action: 'unlink',
      deviceId: 'a1b2c3d4e5f60718',
    };
    expect(signAsyncNotification(unlink, { key, functionName: 'wg-sync-sync', now })).toEqual(
      UNLINK_WITH_EVERY_FIELD,
    );
    const weight = {
      userId: '37012345',
      appli: 1,
      startDate: new Date('2026-11-20T05:41:07Z'),
      endDate: new Date('2026-11-20T05:41:07Z'),
    };
    const notBefore = new Date('2026-11-20T06:00:45.123Z');
    expect(signAsyncNotification(weight, { key, functionName: 'wg-sync-sync', now, notBefore })).toEqual(
      WINDOW_WITH_NOT_BEFORE,
    );
  });

  it('are refused once a byte of the payload or the signature changes', () => {
    for (const event of [WINDOW_WITH_NOT_BEFORE, UNLINK_WITH_EVERY_FIELD]) {
      const payload = event.payload.replace('"userId":"37012345"', '"userId":"37012346"');
      expect(payload).not.toBe(event.payload);
      expect(rejection({ ...event, payload })).toBe('BAD_SIGNATURE');
      const signature = `${event.signature.slice(0, -1)}${event.signature.endsWith('A') ? 'B' : 'A'}`;
      expect(rejection({ ...event, signature })).toBe('BAD_SIGNATURE');
      expect(rejection({ ...event, 'wg-sync': 'manual/v1' })).toBe('MALFORMED');
      expect(rejection(event)).toBe('accepted');
    }
  });

  it('are refused, correctly signed, when withings refuses the notification or it has no window', () => {
    const signed = (n: unknown) => {
      const payload = JSON.stringify({ fn: 'wg-sync-sync', iat: 1795154400, n });
      return {
        'wg-sync': 'notification/v1',
        payload,
        signature: createHmac('sha256', key).update(payload).digest('base64url'),
      };
    };
    expect(rejection(signed({ userId: '1', appli: 1, start: 1795153267, end: 1795153267 }))).toBe('accepted');
    // Withings' own rules: a data appli needs its window, and userid 0 is no user.
    expect(rejection(signed({ userId: '1', appli: 1 }))).toBe('MALFORMED');
    expect(rejection(signed({ userId: '0', appli: 1, start: 1795153267, end: 1795153267 }))).toBe(
      'MALFORMED',
    );
    expect(() => verifyAsyncNotification(signed({ userId: '1', appli: 1, date: 'today' }), options)).toThrow(
      /not a notification: start is missing/,
    );
    // An unlink is a valid notification without a window, but v1 events always carry one.
    expect(rejection(signed({ userId: '1', appli: 46, action: 'unlink' }))).toBe('MALFORMED');
  });
});
