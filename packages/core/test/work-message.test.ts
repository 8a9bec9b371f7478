import { describe, expect, it } from 'vitest';
import {
  isSyncErrorWithCode,
  parseWorkMessage,
  type WorkMessage,
  WorkMessageError,
  workMessageToJson,
} from '../src/index.js';

const notification = { userId: '12345', appli: 1, start: 1_700_000_000, end: 1_700_000_600 };

describe('work messages: JSON with v: 1, a strict writer and a tolerant reader', () => {
  it('round-trips every kind through its JSON text', () => {
    const messages: WorkMessage[] = [
      { v: 1, kind: 'webhook', userId: '12345', notification },
      { v: 1, kind: 'reconcile', userId: '12345' },
      { v: 1, kind: 'manual', userId: '12345', days: 30 },
      { v: 1, kind: 'manual', userId: '12345' },
    ];
    for (const message of messages) expect(parseWorkMessage(workMessageToJson(message))).toEqual(message);
    expect(workMessageToJson({ v: 1, kind: 'reconcile', userId: '12345' })).toBe(
      '{"v":1,"kind":"reconcile","userId":"12345"}',
    );
  });

  it('reads a message a later version wrote with keys it does not know, and drops them', () => {
    const text = JSON.stringify({ v: 1, kind: 'reconcile', userId: '777', priority: 'high', traceId: 'x' });
    expect(parseWorkMessage(text)).toEqual({ v: 1, kind: 'reconcile', userId: '777' });
    const webhook = JSON.stringify({
      v: 1,
      kind: 'webhook',
      userId: '12345',
      notification: { ...notification, extra: 1 },
    });
    expect(parseWorkMessage(webhook)).toEqual({ v: 1, kind: 'webhook', userId: '12345', notification });
  });

  it.each([
    ['not JSON', 'reconcile 12345', undefined],
    ['an array', '[1]', undefined],
    ['another version', JSON.stringify({ v: 2, kind: 'reconcile', userId: '1' }), 'v'],
    ['no version', JSON.stringify({ kind: 'reconcile', userId: '1' }), 'v'],
    ['an unknown kind', JSON.stringify({ v: 1, kind: 'backfill', userId: '1' }), 'kind'],
    ['a user id that is a path', JSON.stringify({ v: 1, kind: 'reconcile', userId: '../lock/1' }), 'userId'],
    ['a numeric user id', JSON.stringify({ v: 1, kind: 'reconcile', userId: 12345 }), 'userId'],
    ['days out of range', JSON.stringify({ v: 1, kind: 'manual', userId: '1', days: 0 }), 'days'],
    ['days as text', JSON.stringify({ v: 1, kind: 'manual', userId: '1', days: '7' }), 'days'],
    [
      'a webhook without notification',
      JSON.stringify({ v: 1, kind: 'webhook', userId: '12345' }),
      'notification',
    ],
    [
      "another user's notification",
      JSON.stringify({ v: 1, kind: 'webhook', userId: '999', notification }),
      'notification',
    ],
    [
      'a notification with a reversed window',
      JSON.stringify({ v: 1, kind: 'webhook', userId: '12345', notification: { ...notification, end: 1 } }),
      'notification',
    ],
    [
      'a huge text',
      JSON.stringify({ v: 1, kind: 'reconcile', userId: '1', pad: 'x'.repeat(20_000) }),
      undefined,
    ],
  ])('refuses %s with WorkMessageError (INVALID_WORK_MESSAGE)', (_, text, field) => {
    let thrown: unknown;
    try {
      parseWorkMessage(text);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(WorkMessageError);
    expect(isSyncErrorWithCode(thrown, 'INVALID_WORK_MESSAGE')).toBe(true);
    expect((thrown as WorkMessageError).field).toBe(field);
  });

  it('never writes what it would not read', () => {
    expect(() => workMessageToJson({ v: 1, kind: 'manual', userId: '1', days: -3 })).toThrow(
      WorkMessageError,
    );
    expect(() => workMessageToJson({ v: 1, kind: 'reconcile', userId: '' })).toThrow(WorkMessageError);
  });
});
