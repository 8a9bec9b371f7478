import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signAsyncNotification, verifyAsyncNotification } from '../src/async/async-notification.js';
import { asyncSigningKey } from '../src/async/async-signing-key.js';
import { functionNameOf } from '../src/async/invoke-self.js';
import { rejectionReason } from './helpers.js';

const key = asyncSigningKey('withings-client-secret');
const now = new Date('2026-11-20T06:00:00Z');
const verify = (event: Record<string, unknown>, at = now) =>
  verifyAsyncNotification(event, { key, functionName: 'wg-sync-sync', now: at, maxAgeSeconds: 3600 });
const check = (event: Record<string, unknown>, at = now) => verify(event, at).notification;

describe('async notification events', () => {
  it('derive the key with HKDF-SHA256 (pinned, so a deploy keeps accepting events queued before it)', () => {
    expect(key.toString('hex')).toBe('98b0d358f60a5b8f92cab9d78c09f922e7aef115aa09d798539fd5fda356dd43');
    expect(asyncSigningKey('another secret').equals(key)).toBe(false);
  });

  it('round-trip every field of a notification', () => {
    const notification = {
      userId: '37012345',
      appli: 46,
      startDate: new Date('2026-11-19T06:00:00Z'),
      endDate: new Date('2026-11-20T05:59:59Z'),
      date: '2026-11-20',
      action: 'unlink',
      deviceId: 'a1b2c3',
    };
    const event = signAsyncNotification(notification, { key, functionName: 'wg-sync-sync', now });
    expect(check(event as unknown as Record<string, unknown>)).toEqual(notification);
    const bare = { userId: '1', appli: 1, startDate: new Date(1e12), endDate: new Date(1e12) };
    const signed = signAsyncNotification(bare, { key, functionName: 'wg-sync-sync', now });
    expect(check(signed as unknown as Record<string, unknown>)).toEqual(bare);
  });

  it('carry notBefore inside the signed payload: a moved one fails the signature, none means at once', () => {
    const notification = { userId: '37012345', appli: 1, startDate: now, endDate: now };
    const notBefore = new Date(now.getTime() + 45_123);
    const event = signAsyncNotification(notification, {
      key,
      functionName: 'wg-sync-sync',
      now,
      notBefore,
    }) as unknown as Record<string, unknown>;
    expect(verify(event)).toEqual({ notification, notBefore });
    const payload = JSON.parse(String(event.payload));
    expect(payload.nbf).toBe(notBefore.getTime());
    for (const nbf of [now.getTime(), notBefore.getTime() + 60_000]) {
      const moved = { ...event, payload: JSON.stringify({ ...payload, nbf }) };
      expect(rejectionReason(() => verify(moved))).toBe('BAD_SIGNATURE');
    }
    const removed = { ...payload };
    delete removed.nbf;
    expect(rejectionReason(() => verify({ ...event, payload: JSON.stringify(removed) }))).toBe(
      'BAD_SIGNATURE',
    );
    // Events queued before notBefore existed (and first syncs) have none, and run at once.
    const plain = signAsyncNotification(notification, { key, functionName: 'wg-sync-sync', now });
    expect(JSON.parse(plain.payload)).not.toHaveProperty('nbf');
    expect(verify(plain as unknown as Record<string, unknown>)).toEqual({ notification });
    const added = {
      ...plain,
      payload: JSON.stringify({ ...JSON.parse(plain.payload), nbf: notBefore.getTime() }),
    };
    expect(rejectionReason(() => verify(added))).toBe('BAD_SIGNATURE');
  });

  it('accept an event up to the maximum age, and a little clock skew', () => {
    const event = signAsyncNotification(
      { userId: '1', appli: 1, startDate: now, endDate: now },
      { key, functionName: 'wg-sync-sync', now },
    ) as unknown as Record<string, unknown>;
    expect(rejectionReason(() => check(event, new Date(now.getTime() + 3600_000)))).toBe('accepted');
    expect(rejectionReason(() => check(event, new Date(now.getTime() + 3601_000)))).toBe('EXPIRED');
    expect(rejectionReason(() => check(event, new Date(now.getTime() - 299_000)))).toBe('accepted');
    expect(rejectionReason(() => check(event, new Date(now.getTime() - 301_000)))).toBe('EXPIRED');
  });

  it('refuse content that is correctly signed but is not a notification', () => {
    const forge = (body: unknown) => {
      const payload = JSON.stringify(body);
      return {
        'wg-sync': 'notification/v1',
        payload,
        signature: createHmac('sha256', key).update(payload).digest('base64url'),
      };
    };
    const iat = Math.floor(now.getTime() / 1000);
    const n = { userId: '1', appli: 1, start: iat, end: iat };
    expect(rejectionReason(() => check(forge({ fn: 'wg-sync-sync', iat, n })))).toBe('accepted');
    for (const bad of [
      { fn: 'wg-sync-sync', iat, n: { ...n, userId: '1; drop' } },
      { fn: 'wg-sync-sync', iat, n: { ...n, start: iat + 10 } },
      { fn: 'wg-sync-sync', iat, n: { ...n, appli: 1.5 } },
      { fn: 'wg-sync-sync', iat, n: { ...n, action: 'UNLINK!' } },
      { fn: 'wg-sync-sync', iat: 'now', n },
      { fn: 'wg-sync-sync', iat, nbf: 'soon', n },
      { fn: 'wg-sync-sync', iat, nbf: 1.5, n },
      { fn: 'wg-sync-sync', iat, nbf: -1, n },
      { fn: 'wg-sync-sync', iat },
      [1, 2, 3],
      'text',
    ]) {
      expect(
        rejectionReason(() => check(forge(bad))),
        JSON.stringify(bad),
      ).toBe('MALFORMED');
    }
    expect(
      rejectionReason(() => check({ ...forge({ fn: 'wg-sync-sync', iat, n }), payload: 'x'.repeat(5000) })),
    ).toBe('MALFORMED');
  });

  it('name the target function from an ARN (qualified or not) or a bare name', () => {
    expect(functionNameOf('arn:aws:lambda:eu-west-1:123456789012:function:wg-sync-sync')).toBe(
      'wg-sync-sync',
    );
    expect(functionNameOf('arn:aws:lambda:eu-west-1:123456789012:function:wg-sync-sync:live')).toBe(
      'wg-sync-sync',
    );
    expect(functionNameOf('arn:aws-cn:lambda:cn-north-1:123456789012:function:wg:$LATEST')).toBe('wg');
    expect(functionNameOf('wg-sync-sync')).toBe('wg-sync-sync');
  });
});
