import type { FitEncodeErrorCode } from '@wg-sync/fit';
import type { GarminErrorCode } from '@wg-sync/garmin';
import type { WithingsApiErrorCode } from '@wg-sync/withings';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Engine } from '../src/context.js';
import { describeFailure } from '../src/engine/failures.js';
import {
  type FailedEntry,
  isSyncError,
  isSyncErrorCode,
  isSyncErrorWithCode,
  memoryStore,
  needsSignIn,
  type ReconcileFailure,
  Redactor,
  type StateStore,
  StoreConflictError,
  StoreError,
  SYNC_ERROR_CODES,
  type SyncError,
  type SyncErrorCode,
  type SyncHooks,
} from '../src/index.js';
import { garminProblem, lastErrorCheck } from '../src/observability/doctor-findings.js';
import { expectBlockedByLease, harness, minutesAgo } from './harness.js';

/** The errors module loaded a second time: what another copy of @wg-sync/core (CJS next to ESM) makes. */
async function secondCopy(): Promise<typeof import('../src/errors.js')> {
  const path = '../src/errors.js?second-copy';
  return import(/* @vite-ignore */ path);
}

/** A switch a user would write: it compiles only while it handles every code of the union. */
function category(
  code: SyncErrorCode,
): 'store' | 'usage' | 'sign-in' | 'upstream' | 'data' | 'adapter' | 'bug' {
  switch (code) {
    case 'STORE_CONFLICT':
    case 'STORE_CORRUPT':
    case 'STORE_INSECURE':
    case 'STORE_UNAVAILABLE':
      return 'store';
    case 'INVALID_CONFIG':
    case 'ACCOUNT_NOT_FOUND':
    case 'USER_ID_REQUIRED':
    case 'INVALID_OPTIONS':
      return 'usage';
    case 'UNLINKED':
    case 'REAUTH_REQUIRED':
    case 'INVALID_CREDENTIALS':
    case 'INVALID_TOKEN':
    case 'AUTH_EXPIRED':
    case 'MFA_REQUIRED':
    case 'MFA_INVALID':
      return 'sign-in';
    case 'LOGIN_COOLDOWN':
    case 'RATE_LIMITED':
    case 'UPSTREAM':
    case 'UNAUTHORIZED':
    case 'INVALID_PARAMS':
    case 'CALLBACK_UNREACHABLE':
    case 'TIMEOUT':
    case 'BLOCKED':
    case 'FORBIDDEN':
    case 'NOT_FOUND':
    case 'PROTOCOL':
    case 'NOT_STORED':
    case 'UPLOAD_TOO_LARGE':
    case 'UPLOAD_TIMEOUT':
      return 'upstream';
    case 'INVALID_VALUE':
    case 'EMPTY':
    case 'INVALID_TIMESTAMP':
    case 'OUT_OF_RANGE':
      return 'data';
    case 'UNKNOWN_EVENT':
    case 'ASYNC_EVENT_REJECTED':
    case 'SELF_INVOKE_FAILED':
    case 'SECRET_UNAVAILABLE':
    case 'SECRET_INVALID':
    case 'RECONCILE_FAILED':
    case 'QUEUE_SEND_FAILED':
    case 'BODY_TOO_LARGE':
    case 'CLIENT_CLOSED':
    case 'INVALID_WORK_MESSAGE':
      return 'adapter';
    case 'INTERNAL':
      return 'bug';
    default: {
      const unhandled: never = code;
      return unhandled;
    }
  }
}

describe('SyncErrorCode: one closed union', () => {
  it('is what SyncError, FailedEntry, reconcile failures and onError carry', () => {
    expectTypeOf<SyncError['code']>().toEqualTypeOf<SyncErrorCode>();
    expectTypeOf<FailedEntry['code']>().toEqualTypeOf<SyncErrorCode>();
    expectTypeOf<ReconcileFailure['code']>().toEqualTypeOf<SyncErrorCode>();
    expectTypeOf<Parameters<NonNullable<SyncHooks['onError']>>[0]['code']>().toEqualTypeOf<SyncErrorCode>();
    // Every code the upstream packages declare fits: core copies them into reports unchanged.
    expectTypeOf<WithingsApiErrorCode>().toExtend<SyncErrorCode>();
    expectTypeOf<GarminErrorCode>().toExtend<SyncErrorCode>();
    expectTypeOf<FitEncodeErrorCode>().toExtend<SyncErrorCode>();
    // @ts-expect-error an unknown code is not a SyncErrorCode
    const unknown: SyncErrorCode = 'ENOENT';
    // @ts-expect-error a report cannot carry one either
    const entry: FailedEntry = { groupIds: [], code: 'SOMETHING_NEW', message: '' };
    expect([unknown, entry.code]).toHaveLength(2);
  });

  it('can be switched on exhaustively', () => {
    function missingOne(code: SyncErrorCode): string {
      switch (code) {
        case 'INTERNAL':
          return 'bug';
        default: {
          // @ts-expect-error every other code is unhandled here, so `code` is not `never`
          const unhandled: never = code;
          return unhandled;
        }
      }
    }
    expect(missingOne('INTERNAL')).toBe('bug');
    expect(new Set(SYNC_ERROR_CODES.map(category)).size).toBe(7);
  });

  it('lists each code once, as an upper-case identifier', () => {
    expect(new Set(SYNC_ERROR_CODES).size).toBe(SYNC_ERROR_CODES.length);
    for (const code of SYNC_ERROR_CODES) expect(code).toMatch(/^[A-Z][A-Z_]*$/);
    expect(isSyncErrorCode('STORE_CONFLICT')).toBe(true);
    for (const value of ['ENOENT', 'store_conflict', '', undefined, 42, null]) {
      expect(isSyncErrorCode(value)).toBe(false);
    }
  });
});

describe('describeFailure keeps reports inside the union', () => {
  const engine = { redactor: new Redactor() } as unknown as Engine;

  it('passes known codes through, from core and from the upstream errors', () => {
    const garmin = Object.assign(new Error('429'), { name: 'GarminApiError', code: 'RATE_LIMITED' });
    const fit = Object.assign(new Error('entries[0].weightKg: too big'), {
      name: 'FitEncodeError',
      code: 'OUT_OF_RANGE',
    });
    expect(describeFailure(engine, garmin)).toEqual({ code: 'RATE_LIMITED', message: '429' });
    expect(describeFailure(engine, fit).code).toBe('OUT_OF_RANGE');
    expect(describeFailure(engine, new StoreError('disk full\nmore')).code).toBe('STORE_UNAVAILABLE');
  });

  it('maps a code it does not know to UPSTREAM (from Withings or Garmin) or INTERNAL, keeping the original', () => {
    const newer = Object.assign(new Error('new'), { name: 'GarminApiError', code: 'CAPTCHA_LOOP' });
    const withings = Object.assign(new Error('new'), { name: 'WithingsApiError', code: 'SOME_STATUS' });
    const platform = Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
    expect(describeFailure(engine, newer)).toEqual({
      code: 'UPSTREAM',
      message: 'new',
      originalCode: 'CAPTCHA_LOOP',
    });
    expect(describeFailure(engine, withings)).toMatchObject({
      code: 'UPSTREAM',
      originalCode: 'SOME_STATUS',
    });
    expect(describeFailure(engine, platform)).toEqual({
      code: 'INTERNAL',
      message: 'EIO: i/o error',
      originalCode: 'EIO',
    });
    expect(describeFailure(engine, new TypeError('boom'))).toEqual({ code: 'INTERNAL', message: 'boom' });
    expect(describeFailure(engine, 'thrown text')).toEqual({ code: 'INTERNAL', message: 'thrown text' });
  });

  it('keeps no original that is free text or a secret', () => {
    const redactor = new Redactor();
    redactor.add('tok3nSecretValue123');
    const withSecret = { redactor } as unknown as Engine;
    const text = Object.assign(new Error('x'), { code: 'not a code: tok3nSecretValue123' });
    const secret = Object.assign(new Error('x'), { code: 'tok3nSecretValue123' });
    expect(describeFailure(withSecret, text)).toEqual({ code: 'INTERNAL', message: 'x' });
    expect(JSON.stringify(describeFailure(withSecret, secret))).not.toContain('tok3nSecretValue123');
  });

  it('an engine run: a store failing with a platform code reports INTERNAL, never the raw code', async () => {
    const store = memoryStore();
    const h = await harness({ config: { store } });
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(5), weightKg: 70.2 });
    const get = store.get.bind(store);
    store.get = (async (key: string) => {
      if (key.startsWith('cursor/')) throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
      return get(key);
    }) as StateStore['get'];
    const report = await h.sync.reconcile();
    expect(report.failures).toEqual([
      expect.objectContaining({ userId: h.userId, step: 'sync', code: 'INTERNAL' }),
    ]);
    expect(report.accounts[0]?.error).toMatchObject({ code: 'INTERNAL', originalCode: 'EIO' });
  });
});

describe('type guards instead of class names', () => {
  it('recognise wg-sync errors, also from another copy of the package', async () => {
    const other = await secondCopy();
    const foreign = new other.StoreConflictError('cursor/1');
    expect(foreign).not.toBeInstanceOf(StoreConflictError); // what `instanceof` would miss
    expect(isSyncError(foreign)).toBe(true);
    expect(isSyncErrorWithCode(foreign, 'STORE_CONFLICT')).toBe(true);
    expect(isSyncErrorWithCode(foreign, 'STORE_CORRUPT')).toBe(false);
    expect(isSyncError(new StoreConflictError('k'))).toBe(true);
    expect(other.isSyncError(new StoreConflictError('k'))).toBe(true);
  });

  it('are not fooled by a name or a code alone', () => {
    const named = Object.assign(new Error('x'), { name: 'StoreConflictError', code: 'STORE_CONFLICT' });
    for (const value of [named, { code: 'STORE_CONFLICT' }, null, undefined, 'STORE_CONFLICT']) {
      expect(isSyncError(value)).toBe(false);
      expect(isSyncErrorWithCode(value, 'STORE_CONFLICT')).toBe(false);
    }
  });

  it('narrow the code', () => {
    const error: unknown = new StoreConflictError('k');
    if (isSyncErrorWithCode(error, 'STORE_CONFLICT'))
      expectTypeOf(error.code).toEqualTypeOf<'STORE_CONFLICT'>();
    if (isSyncError(error)) expectTypeOf(error.code).toEqualTypeOf<SyncErrorCode>();
  });

  it('the brand adds nothing to an error instance or its JSON', () => {
    const error = new StoreConflictError('k');
    expect(Object.getOwnPropertySymbols(error)).toEqual([]);
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'StoreConflictError',
      code: 'STORE_CONFLICT',
      key: 'k',
    });
  });

  it('an engine run: a store whose conflicts come from another copy still means "busy", not a crash', async () => {
    const { StoreConflictError: Foreign } = await secondCopy();
    const store = memoryStore();
    const put = store.put.bind(store);
    store.put = async (key, value, options) => {
      try {
        return await put(key, value, options);
      } catch (error) {
        if (error instanceof StoreConflictError) throw new Foreign(error.key);
        throw error;
      }
    };
    await expectBlockedByLease(store, 'other-process');
  });
});

describe('needsSignIn: the one "sign in again" rule', () => {
  const signIn = SYNC_ERROR_CODES.filter((code) => needsSignIn(code));

  it('holds for refused credentials only, not for a token refused once or a pause', () => {
    expect(signIn).toEqual(['REAUTH_REQUIRED', 'INVALID_CREDENTIALS']);
    for (const value of [
      'AUTH_EXPIRED',
      'INVALID_TOKEN',
      'MFA_INVALID',
      'RATE_LIMITED',
      'reauth_required',
      undefined,
    ]) {
      expect(needsSignIn(value)).toBe(false);
    }
  });

  it('is what the doctor goes by, for every code', () => {
    const at = '2026-01-01T00:00:00.000Z';
    for (const code of SYNC_ERROR_CODES) {
      const withings = lastErrorCheck({ code, message: 'refused', at, side: 'withings' }, {});
      expect(withings.detail.startsWith('Withings refused the authorization'), code).toBe(needsSignIn(code));
      expect(
        garminProblem(code, 'refused')?.what.startsWith('Garmin refused the sign-in') ?? false,
        code,
      ).toBe(needsSignIn(code));
    }
  });
});
