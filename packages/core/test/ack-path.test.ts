import { describe, expect, it } from 'vitest';
import { LinkedAccounts } from '../src/engine/linked-accounts.js';
import { PendingWriter } from '../src/http/pending-writer.js';
import { WebhookDebounce } from '../src/http/webhook-debounce.js';
import { fileStore, memoryStore, type StateStore, silentLogger } from '../src/index.js';
import type { AccountRecord } from '../src/store/state.js';
import { harness, notificationRequest } from './harness.js';

const notification = (userId: string) => {
  const now = Math.floor(Date.now() / 1000);
  return `userid=${userId}&appli=1&startdate=${now - 300}&enddate=${now}`;
};
const deferred = { defer: async () => undefined };

/** Counts the store calls made per key prefix (`get:account`, `put:debounce` …), through to `store`. */
function counting(store: StateStore) {
  const calls = new Map<string, number>();
  const count = (op: string, key: string) => {
    const name = `${op}:${key.split('/')[0]}`;
    calls.set(name, (calls.get(name) ?? 0) + 1);
  };
  const counted: StateStore = {
    get: (key) => {
      count('get', key);
      return store.get(key);
    },
    put: (key, value, options) => {
      count('put', key);
      return store.put(key, value, options);
    },
    delete: (key, options) => {
      count('delete', key);
      return store.delete(key, options);
    },
    list: (prefix) => store.list(prefix),
  };
  return { store: counted, calls, of: (name: string) => calls.get(name) ?? 0 };
}

describe('the webhook ack path', () => {
  it('concurrent claims for one user take turns: one now, one later, no lost compare-and-swap', async () => {
    const counted = counting(memoryStore());
    const debounce = new WebhookDebounce(counted.store, 60_000, () => new Date(), silentLogger);
    const turns = await Promise.all(Array.from({ length: 10 }, () => debounce.claim('1001')));
    expect(turns.map((t) => t.kind).sort()).toEqual([
      'later',
      'none',
      'none',
      'none',
      'none',
      'none',
      'none',
      'none',
      'none',
      'now',
    ]);
    // Racing, the ten read the record at once and nine lost a compare-and-swap each (then read again):
    // 10 gets and 10+ puts. Taking turns: one read, the window's two writes, and the rest from memory.
    expect(counted.of('put:debounce')).toBe(2);
    expect(counted.of('get:debounce')).toBe(1);
  });

  it('a burst for a linked user reads its account once, and the next burst not at all', async () => {
    const h = await harness({ store: 'file' });
    const counted = counting(h.store);
    const sync = h.another({ store: counted.store });
    const burst = () =>
      Promise.all(
        Array.from({ length: 20 }, () => sync.handler(notificationRequest(notification(h.userId)), deferred)),
      );
    expect((await burst()).map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(counted.of('get:account')).toBe(1);
    await burst();
    expect(counted.of('get:account')).toBe(1);
    const pending = await h.store.get<{ count: number }>(`pending/${h.userId}`);
    expect(pending?.value.count).toBe(40);
  });

  it('stops acking a user as known as soon as this process unlinks them', async () => {
    const h = await harness({ store: 'file' });
    await h.sync.handler(notificationRequest(notification(h.userId)), deferred);
    expect(await h.store.get(`pending/${h.userId}`)).toBeDefined();
    await h.sync.accounts.unlink(h.userId);
    const answer = await h.sync.handler(notificationRequest(notification(h.userId)), deferred);
    expect(answer.status).toBe(200);
    // Remembered as linked, the webhook would write pending/<user> again for an account that is gone.
    expect(await h.store.get(`pending/${h.userId}`)).toBeUndefined();
    expect(h.logs.some((l) => l.includes('"webhook.ignored"') && l.includes('unknown user'))).toBe(true);
  });

  it('a pending record is on disk with every notification once the 200s are sent', async () => {
    const h = await harness({ store: 'file' });
    const counted = counting(h.store);
    const sync = h.another({ store: counted.store });
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => sync.handler(notificationRequest(notification(h.userId)), deferred)),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(50).fill(200));
    // A fresh store over the same directory: what a restarted process would find.
    const reread = await fileStore(h.stateDir as string).get<{ count: number }>(`pending/${h.userId}`);
    expect(reread?.value.count).toBe(50);
    // Batched per user: far fewer durable writes (one fsync each) than notifications.
    expect(counted.of('put:pending')).toBeLessThanOrEqual(3);
  });
});

describe('LinkedAccounts', () => {
  const linked: AccountRecord = { userId: '7', timeZone: null, linkedAt: '2026-01-01T00:00:00.000Z' };

  it('trusts a linked answer for the TTL only, and never remembers an unlinked or unknown user', async () => {
    const store = memoryStore();
    const counted = counting(store);
    let now = 0;
    const accounts = new LinkedAccounts(
      (key) => counted.store.get(key),
      () => now,
      1000,
    );
    expect(await accounts.get('7')).toBeUndefined();
    expect(await accounts.get('7')).toBeUndefined();
    expect(counted.of('get:account')).toBe(2);
    await store.put('account/7', linked);
    await accounts.get('7');
    await accounts.get('7');
    expect(counted.of('get:account')).toBe(3);
    // Unlinked by another process: seen once the TTL is over.
    await store.put('account/7', { ...linked, unlinkedAt: '2026-01-02T00:00:00.000Z' });
    now = 999;
    expect((await accounts.get('7'))?.value.unlinkedAt).toBeUndefined();
    now = 1001;
    expect((await accounts.get('7'))?.value.unlinkedAt).toBeDefined();
    expect((await accounts.get('7'))?.value.unlinkedAt).toBeDefined();
    expect(counted.of('get:account')).toBe(5);
  });

  it('forgets a user whose account is written through its store, even while a lookup is reading', async () => {
    const inner = memoryStore();
    await inner.put('account/7', linked);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let slow = false;
    const accounts = new LinkedAccounts(async (key) => {
      const value = await inner.get(key);
      if (slow) await gate;
      return value as never;
    });
    const store = accounts.watch(inner);
    await accounts.get('7'); // remembered
    await store.delete('account/7');
    expect(await accounts.get('7')).toBeUndefined();
    // A lookup that read the old record before a write must not put it back after.
    await inner.put('account/7', linked);
    slow = true;
    const reading = accounts.get('7');
    await store.put('account/7', { ...linked, unlinkedAt: '2026-01-02T00:00:00.000Z' });
    release();
    expect((await reading)?.value.unlinkedAt).toBeUndefined();
    slow = false;
    expect((await accounts.get('7'))?.value.unlinkedAt).toBeDefined();
  });
});

/** `store` with each put of a `pending/` key held back `ms`: writes stay in flight while more arrive. */
function slowPendingPuts(store: StateStore, ms: number): StateStore {
  return {
    ...store,
    get: (key) => store.get(key),
    put: async (key, value, options) => {
      if (key.startsWith('pending/')) await new Promise((resolve) => setTimeout(resolve, ms));
      return store.put(key, value, options);
    },
  };
}

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('PendingWriter', () => {
  it('a write that follows one in flight starts from what that one wrote, and the first assumes no record: no read at all', async () => {
    const counted = counting(slowPendingPuts(memoryStore(), 20));
    const writer = new PendingWriter(counted.store);
    const first = writer.record('7', 100, 'a');
    await tick(2); // the first batch is being written; these two wait for it as the next batch
    const next = [writer.record('7', 90, 'b'), writer.record('7', 110, 'c')];
    await Promise.all([first, ...next]);
    expect(counted.of('put:pending')).toBe(2);
    expect(counted.of('get:pending')).toBe(0);
    expect((await counted.store.get('pending/7'))?.value).toMatchObject({ count: 3, since: 90, lastAt: 'c' });
  });

  it('a first write that finds a record left behind (its sync failed) reads it and adds to it', async () => {
    const counted = counting(memoryStore());
    await counted.store.put('pending/7', { since: 50, count: 2, firstAt: 'earlier', lastAt: 'earlier' });
    const writer = new PendingWriter(counted.store);
    await writer.record('7', 100, 'now');
    expect((await counted.store.get('pending/7'))?.value).toEqual({
      since: 50,
      count: 3,
      firstAt: 'earlier',
      lastAt: 'now',
    });
    // The swap on "no record" failed, then one read and one write.
    expect(counted.of('put:pending')).toBe(3);
  });

  it('loses no notification when another writer changed the record in between (the swap fails, it reads again)', async () => {
    const shared = memoryStore();
    const here = new PendingWriter(slowPendingPuts(shared, 20));
    const elsewhere = new PendingWriter(slowPendingPuts(shared, 5));
    const first = here.record('7', 100, 'a');
    await tick(2);
    const following = here.record('7', 100, 'b');
    await Promise.all([first, elsewhere.record('7', 100, 'x'), elsewhere.record('7', 100, 'y')]);
    await following;
    expect((await shared.get<{ count: number }>('pending/7'))?.value.count).toBe(4);
  });
});

describe('the webhook answer', () => {
  it('with waitUntil, waits for the durable record only: the debounce claim and its sync go on after it', async () => {
    const h = await harness({ store: 'file' });
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const store: StateStore = {
      ...h.store,
      get: (key) => h.store.get(key),
      put: async (key, value, options) => {
        if (key.startsWith('debounce/')) await held;
        return h.store.put(key, value, options);
      },
    };
    const sync = h.another({ store });
    const running: Promise<unknown>[] = [];
    const answer = await sync.handler(notificationRequest(notification(h.userId)), {
      waitUntil: (promise) => void running.push(promise),
    });
    expect(answer.status).toBe(200);
    expect((await h.store.get<{ count: number }>(`pending/${h.userId}`))?.value.count).toBe(1);
    expect(await h.store.get(`debounce/${h.userId}`)).toBeUndefined();
    release();
    // The window's first notification: its sync ran in the background, and waitUntil had it.
    const [report] = (await Promise.all(running)) as Array<{ trigger?: string } | undefined>;
    expect(report?.trigger).toBe('webhook');
    expect(await h.store.get(`debounce/${h.userId}`)).toBeDefined();
  });
});
