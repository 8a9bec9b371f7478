import { expect, it } from 'vitest';
import { listPages } from '../store/list-pages.js';
import type { ListPage, StateStore } from '../store/state-store.js';

/** The contract's fresh store and its clock, as `runStateStoreContract` holds them. */
export interface ListPageContractContext {
  fresh(): Promise<StateStore>;
  advance(ms: number): void;
}

async function walk(store: StateStore, prefix: string, limit?: number): Promise<ListPage[]> {
  const pages: ListPage[] = [];
  for await (const page of listPages(store, prefix, limit === undefined ? {} : { limit })) pages.push(page);
  return pages;
}

const keysOf = (pages: ListPage[]) => pages.flatMap((page) => page.entries.map((entry) => entry.key));

/** A page without `cursor` is the last one, and only the last one. */
function expectCursorsOnAllButLast(pages: ListPage[]): void {
  expect(pages.map((page) => page.cursor !== undefined)).toEqual(pages.map((_, i) => i < pages.length - 1));
}

/**
 * The paginated-listing part of the contract: `listPage` when the store has it, else `list()` cut
 * into pages by `listPages` (both must give the same walk).
 */
export function listPageContract({ fresh, advance }: ListPageContractContext): void {
  it('pages through a prefix: every key once, sorted, at most limit per page, no cursor on the last', async () => {
    const store = await fresh();
    const expected = Array.from({ length: 23 }, (_, i) => `ledger/7/${String(9000 - i * 7)}`).sort();
    for (const key of expected) await store.put(key, { key });
    for (const other of ['ledger/70/1', 'ledger/7', 'account/7', 'ledger/6/1']) await store.put(other, 0);
    const pages = await walk(store, 'ledger/7/', 5);
    expect(pages.every((page) => page.entries.length <= 5)).toBe(true);
    expect(keysOf(pages)).toEqual(expected);
    expectCursorsOnAllButLast(pages);
    for (const { key, value, version } of pages.flatMap((page) => page.entries)) {
      expect(await store.get(key)).toEqual({ value, version });
    }
    expect(keysOf(await walk(store, 'ledger/7/'))).toEqual(expected);
  });

  it('gives pages of 100 entries unless told otherwise', async () => {
    const store = await fresh();
    for (let i = 0; i < 101; i += 1) await store.put(`account/${String(i).padStart(3, '0')}`, i);
    const pages = await walk(store, 'account/');
    expect(pages.map((page) => page.entries.length)).toEqual([100, 1]);
    expect(pages[1]?.entries[0]).toMatchObject({ key: 'account/100', value: 100 });
  });

  it('lists prefixes that end inside a segment, and the empty prefix, across first segments', async () => {
    const store = await fresh();
    const all = ['acc', 'account/1', 'account/2', 'accx/1', 'b/1', 'ledger/1/a', 'ledger/10/a', 'ledger/2/a'];
    for (const key of [...all].reverse()) await store.put(key, key);
    expect(keysOf(await walk(store, '', 3))).toEqual(all);
    expect(keysOf(await walk(store, 'acc', 2))).toEqual(['acc', 'account/1', 'account/2', 'accx/1']);
    expect(keysOf(await walk(store, 'ledger/1', 1))).toEqual(['ledger/1/a', 'ledger/10/a']);
    expect(keysOf(await walk(store, 'account/', 1000))).toEqual(['account/1', 'account/2']);
  });

  it('a key live for the whole walk appears exactly once while others are written and deleted', async () => {
    const store = await fresh();
    const initial = Array.from({ length: 20 }, (_, i) => `account/${String(i).padStart(2, '0')}`);
    for (const key of initial) await store.put(key, 'v1');
    const seen: string[] = [];
    let round = 0;
    for await (const page of listPages(store, 'account/', { limit: 4 })) {
      seen.push(...page.entries.map((entry) => entry.key));
      round += 1;
      // Between pages: delete two not yet listed, create one before and one after the cursor,
      // and rewrite one already listed and one still to come.
      await store.delete(`account/${String(4 + round * 3).padStart(2, '0')}`);
      await store.put(`account/0${round}x`, 'new');
      await store.put(`account/1${round}x`, 'new');
      await store.put(initial[0] as string, `v${round + 1}`);
      await store.put(initial[18] as string, `v${round + 1}`);
    }
    const deleted = new Set(
      Array.from({ length: round }, (_, i) => `account/${String(7 + i * 3).padStart(2, '0')}`),
    );
    expect(new Set(seen).size).toBe(seen.length);
    for (const key of initial.filter((k) => !deleted.has(k))) expect(seen).toContain(key);
    expect([...seen].sort()).toEqual(seen);
  });

  it('leaves out expired entries', async () => {
    const store = await fresh();
    await store.put('lock/a', 1, { ttlSeconds: 30 });
    await store.put('lock/b', 2);
    await store.put('lock/c', 3, { ttlSeconds: 30 });
    advance(31_000);
    const pages = await walk(store, 'lock/', 1);
    expect(keysOf(pages)).toEqual(['lock/b']);
    expect(pages.at(-1)?.cursor).toBeUndefined();
  });

  it('gives one empty page for a prefix with nothing under it', async () => {
    const store = await fresh();
    await store.put('account/1', 1);
    expect(await walk(store, 'nothing/')).toEqual([{ entries: [] }]);
  });

  it('refuses a limit outside 1–1000, and (listPage) a cursor no page of the prefix gave', async () => {
    const store = await fresh();
    await store.put('account/1', 1);
    for (const limit of [0, 1001, 2.5, Number.NaN]) {
      await expect(walk(store, 'account/', limit)).rejects.toThrow(RangeError);
      if (store.listPage) await expect(store.listPage('account/', { limit })).rejects.toThrow(RangeError);
    }
    if (store.listPage) {
      for (const cursor of ['ledger/1/a', '../x', '']) {
        const listed = store.listPage('account/', { cursor });
        await expect(listed).rejects.toThrow(TypeError);
      }
      const first = await store.listPage('account/', { limit: 1 });
      expect(first).toMatchObject({ entries: [{ key: 'account/1', value: 1 }] });
    }
  });
}
