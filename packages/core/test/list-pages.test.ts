import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createSync,
  fileStore,
  listPages,
  memoryStore,
  type StateStore,
  StoreCorruptError,
  StoreError,
  silentLogger,
} from '../src/index.js';
import { checkedStore } from '../src/store/state-shapes.js';
import { runStateStoreContract } from '../src/testing/index.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A store as users wrote them before `listPage` existed: the four methods only. */
function withoutListPage(store: StateStore): StateStore {
  return {
    get: (key) => store.get(key),
    put: (key, value, options) => store.put(key, value, options),
    delete: (key, options) => store.delete(key, options),
    list: (prefix) => store.list(prefix),
  };
}

runStateStoreContract('a store without listPage (listPages cuts list() into pages)', ({ now }) =>
  withoutListPage(memoryStore({ now })),
);

/** `store`, counting `list` and `listPage` calls by prefix. */
function counted(store: StateStore) {
  const calls: string[] = [];
  const spied: StateStore = {
    ...withoutListPage(store),
    list: (prefix) => {
      calls.push(`list ${prefix}`);
      return store.list(prefix);
    },
    listPage: (prefix, options) => {
      calls.push(`listPage ${prefix}`);
      return (store.listPage as NonNullable<StateStore['listPage']>)(prefix, options);
    },
  };
  return { store: spied, calls };
}

async function accountsIn(store: StateStore, count: number, unlinked: (i: number) => boolean = () => false) {
  for (let i = 0; i < count; i += 1) {
    const userId = String(37_000_000 + i);
    await store.put(`account/${userId}`, {
      userId,
      timeZone: 'Europe/Berlin',
      linkedAt: '2026-11-01T07:00:00.000Z',
      ...(unlinked(i) ? { unlinkedAt: '2026-11-02T07:00:00.000Z' } : {}),
    });
  }
}

describe('listPages', () => {
  it('every built-in store pages itself, and the engine wrappers keep listPage', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wg-sync-pages-'));
    dirs.push(dir);
    for (const store of [memoryStore(), fileStore(join(dir, 'state'))]) {
      expect(typeof store.listPage).toBe('function');
      expect(typeof checkedStore(store).listPage).toBe('function');
    }
    expect(checkedStore(withoutListPage(memoryStore())).listPage).toBeUndefined();
  });

  it('refuses a store whose listPage answers with the cursor it was given (it would loop forever)', async () => {
    const inner = memoryStore();
    await inner.put('account/1', 1);
    await inner.put('account/2', 2);
    const stuck: StateStore = {
      ...withoutListPage(inner),
      listPage: async () => ({ entries: [], cursor: 'account/1' }),
    };
    const walk = async () => {
      for await (const _ of listPages(stuck, 'account/')) {
        // drain
      }
    };
    await expect(walk()).rejects.toBeInstanceOf(StoreError);
  });

  it('through checkedStore, a page holding an account of the wrong shape is a StoreCorruptError', async () => {
    const inner = memoryStore();
    await inner.put('account/1', {
      userId: '1',
      timeZone: 'Europe/Berlin',
      linkedAt: '2026-11-01T07:00:00Z',
    });
    await inner.put('account/2', { userId: 2 });
    const pages = listPages(checkedStore(inner), 'account/', { limit: 1 });
    expect((await pages.next()).value?.entries).toHaveLength(1);
    await expect(pages.next()).rejects.toBeInstanceOf(StoreCorruptError);
  });
});

describe('the engine lists accounts a page at a time', () => {
  it('accounts.list(), status() and the manual sync of every account read pages, never list("account/")', async () => {
    const { store, calls } = counted(memoryStore());
    await accountsIn(store, 230, (i) => i % 50 === 0);
    const sync = createSync({ withings: { clientId: 'c', clientSecret: 's' }, store, logger: silentLogger });
    const listed = await sync.accounts.list();
    expect(listed).toHaveLength(230);
    expect(listed.map((a) => a.userId)).toEqual([...listed.map((a) => a.userId)].sort());
    const report = await sync.status();
    expect(report.accounts).toHaveLength(230);
    expect(report.accounts.filter((a) => a.unlinkedAt)).toHaveLength(5);
    expect(calls.filter((c) => c === 'list account/')).toEqual([]);
    // 230 accounts in pages of 100: three listPage calls for each listing.
    expect(calls.filter((c) => c === 'listPage account/')).toHaveLength(6);
  });

  it('syncRecent without a userId names every linked account when there are several, across pages', async () => {
    const { store, calls } = counted(memoryStore());
    await accountsIn(store, 120, (i) => i !== 3 && i !== 117);
    const sync = createSync({ withings: { clientId: 'c', clientSecret: 's' }, store, logger: silentLogger });
    await expect(sync.syncRecent()).rejects.toMatchObject({
      code: 'USER_ID_REQUIRED',
      userIds: ['37000003', '37000117'],
    });
    expect(calls).toEqual(['listPage account/', 'listPage account/']);
  });
});
