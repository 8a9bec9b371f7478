import { describe, expect, it } from 'vitest';
import { StoreConflictError } from '../errors.js';
import type { StateStore } from '../store/state-store.js';
import { listPageContract } from './list-page-contract.js';

/** What the contract hands your store factory: the clock TTL expiry must follow. */
export interface StateStoreContractContext {
  now: () => Date;
}

/**
 * Registers the test suite every {@link StateStore} must pass (vitest): reads, versioned
 * compare-and-swap, deletes, prefix listing, paginated listing (`listPage`, or `list()` cut into
 * pages by `listPages` when the store has no `listPage`), TTL expiry and concurrent CAS races.
 * Call it inside a test file with a factory that returns a fresh, empty store using the given clock.
 *
 * @example
 * ```ts
 * // my-store.test.ts
 * import { runStateStoreContract } from '@wg-sync/core/testing';
 * runStateStoreContract('redisStore', async ({ now }) => redisStore({ url, prefix: crypto.randomUUID(), now }));
 * ```
 */
export function runStateStoreContract(
  name: string,
  makeStore: (context: StateStoreContractContext) => StateStore | Promise<StateStore>,
): void {
  let clock = Date.parse('2026-11-20T06:00:00Z');
  const context: StateStoreContractContext = { now: () => new Date(clock) };
  const fresh = async () => {
    clock = Date.parse('2026-11-20T06:00:00Z');
    return makeStore(context);
  };
  const conflict = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StoreConflictError);
  };

  describe(`StateStore contract: ${name}`, () => {
    it('reads nothing for a missing key', async () => {
      const store = await fresh();
      expect(await store.get('withings/1/tokens')).toBeUndefined();
    });

    it('writes and reads JSON values with a version', async () => {
      const store = await fresh();
      const value = { a: 1, nested: { list: [1, 'two', null, true] }, text: 'Grüße ✓' };
      const version = await store.put('account/1', value);
      expect(Number.isSafeInteger(version) && version > 0).toBe(true);
      expect(await store.get('account/1')).toEqual({ value, version });
    });

    it('gives every write a new version', async () => {
      const store = await fresh();
      const v1 = await store.put('k', 1);
      const v2 = await store.put('k', 2);
      expect(v2).not.toBe(v1);
      expect(await store.get('k')).toEqual({ value: 2, version: v2 });
    });

    it('compare-and-swap: the expected version wins, any other is a StoreConflictError', async () => {
      const store = await fresh();
      const v1 = await store.put('k', 'first');
      const v2 = await store.put('k', 'second', { ifVersion: v1 });
      await conflict(store.put('k', 'stale', { ifVersion: v1 }));
      expect(await store.get('k')).toEqual({ value: 'second', version: v2 });
    });

    it('ifVersion null creates only when the key is absent', async () => {
      const store = await fresh();
      await store.put('k', 'created', { ifVersion: null });
      await conflict(store.put('k', 'again', { ifVersion: null }));
      await conflict(store.put('missing', 'x', { ifVersion: 12345 }));
      expect((await store.get('k'))?.value).toBe('created');
      expect(await store.get('missing')).toBeUndefined();
    });

    it('deletes, with an optional version check', async () => {
      const store = await fresh();
      const v1 = await store.put('k', 1);
      await conflict(store.delete('k', { ifVersion: v1 + 1 }));
      expect(await store.get('k')).toBeDefined();
      await store.delete('k', { ifVersion: v1 });
      expect(await store.get('k')).toBeUndefined();
      await store.delete('k');
      await conflict(store.delete('k', { ifVersion: v1 }));
    });

    it('never reuses a version after delete and recreate', async () => {
      const store = await fresh();
      const v1 = await store.put('lock/1', 'holder-a');
      await store.delete('lock/1');
      const v2 = await store.put('lock/1', 'holder-b', { ifVersion: null });
      expect(v2).not.toBe(v1);
      await conflict(store.delete('lock/1', { ifVersion: v1 }));
    });

    it('lists entries by prefix, sorted by key', async () => {
      const store = await fresh();
      await store.put('ledger/1/b', 2);
      await store.put('ledger/1/a', 1);
      await store.put('ledger/10/a', 3);
      await store.put('account/1', 0);
      const listed = await store.list('ledger/1/');
      expect(listed.map(({ key, value }) => [key, value])).toEqual([
        ['ledger/1/a', 1],
        ['ledger/1/b', 2],
      ]);
      expect(listed.every((entry) => Number.isSafeInteger(entry.version))).toBe(true);
      expect(await store.list('nothing/')).toEqual([]);
    });

    it('treats expired entries as absent', async () => {
      const store = await fresh();
      await store.put('lock/1', 'a', { ttlSeconds: 30 });
      await store.put('keep', 'b');
      clock += 29_000;
      expect((await store.get('lock/1'))?.value).toBe('a');
      clock += 2_000;
      expect(await store.get('lock/1')).toBeUndefined();
      expect((await store.list('')).map((e) => e.key)).toEqual(['keep']);
      await store.put('lock/1', 'b', { ifVersion: null });
      expect((await store.get('lock/1'))?.value).toBe('b');
    });

    it('refuses keys that are not plain paths', async () => {
      const store = await fresh();
      for (const key of ['', '../etc/passwd', 'a//b', '/abs', 'a/../b', 'sp ace', 'a\nb']) {
        await expect(store.put(key, 1)).rejects.toThrow(TypeError);
        await expect(store.get(key)).rejects.toThrow(TypeError);
      }
    });

    it('concurrent compare-and-swap on one version: exactly one writer wins', async () => {
      const store = await fresh();
      const v1 = await store.put('withings/1/tokens', { n: 0 });
      const results = await Promise.allSettled(
        Array.from({ length: 12 }, (_, i) => store.put('withings/1/tokens', { n: i + 1 }, { ifVersion: v1 })),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r) => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost.every((r) => (r as PromiseRejectedResult).reason instanceof StoreConflictError)).toBe(true);
      const winner = (won[0] as PromiseFulfilledResult<number>).value;
      expect((await store.get('withings/1/tokens'))?.version).toBe(winner);
    });

    it('concurrent creates: exactly one creates the key', async () => {
      const store = await fresh();
      const results = await Promise.allSettled(
        Array.from({ length: 12 }, (_, i) =>
          store.put('lock/7', { holder: i }, { ifVersion: null, ttlSeconds: 60 }),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    });

    it('read-modify-write with retry on conflict loses no update', async () => {
      const store = await fresh();
      await store.put('counter', 0);
      // Bounded: a store that answers every put with a conflict fails here instead of hanging.
      const increment = async () => {
        for (let attempt = 0; attempt < 100; attempt += 1) {
          const current = await store.get<number>('counter');
          try {
            await store.put('counter', (current?.value ?? 0) + 1, { ifVersion: current?.version ?? null });
            return;
          } catch (error) {
            if (!(error instanceof StoreConflictError)) throw error;
          }
        }
        throw new Error('100 conflicts in a row for one increment: the store never lets a put through');
      };
      await Promise.all(Array.from({ length: 10 }, increment));
      expect((await store.get('counter'))?.value).toBe(10);
    });

    listPageContract({
      fresh,
      advance: (ms) => {
        clock += ms;
      },
    });
  });
}
