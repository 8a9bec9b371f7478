import { describe, expect, it } from 'vitest';
import { SyncCoordinator } from '../src/engine/coordinator.js';
import { emptyReport } from '../src/engine/run.js';
import { memoryStore, type StateStore } from '../src/index.js';

const request = { userId: '1001', trigger: 'webhook' as const, dryRun: false, maxEntries: 100 };
const report = (synced: number) => ({
  ...emptyReport(request, new Date(0), false),
  synced: Array.from({ length: synced }, (_, i) => ({ groupId: i }) as never),
});

/** A memory store whose release of the sync lease waits until `release()` is called. */
function storeWithHeldRelease(): { store: StateStore; released: Promise<void>; release(): void } {
  const inner = memoryStore();
  let release = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let entered: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    entered = resolve;
  });
  const store: StateStore = {
    get: (key) => inner.get(key),
    put: (key, value, options) => inner.put(key, value, options),
    list: (prefix) => inner.list(prefix),
    async delete(key, options) {
      if (key.startsWith('lock/')) {
        entered();
        await gate;
      }
      return inner.delete(key, options);
    },
  };
  return { store, released, release };
}

describe('SyncCoordinator: a trigger is never answered by a sync that did not fetch for it', () => {
  it('a trigger during the sync joins it and makes it fetch once more', async () => {
    const coordinator = new SyncCoordinator(memoryStore(), 60);
    let runs = 0;
    let joined: Promise<unknown> | undefined;
    const first = coordinator.run(
      '1001',
      async () => {
        runs += 1;
        if (runs === 1)
          joined = coordinator.run(
            '1001',
            async () => report(9),
            () => report(0),
          );
        return report(1);
      },
      () => report(0),
    );
    await first;
    await joined;
    expect(runs).toBe(2);
  });

  it('a trigger while the last sync only releases its lease runs a sync of its own', async () => {
    const { store, released, release } = storeWithHeldRelease();
    const coordinator = new SyncCoordinator(store, 60);
    const executed: string[] = [];
    const first = coordinator.run(
      '1001',
      async () => {
        executed.push('first');
        return report(1);
      },
      () => report(0),
    );
    await released; // the first sync has fetched for the last time and is deleting its lease
    const second = coordinator.run(
      '1001',
      async () => {
        executed.push('second');
        return report(1);
      },
      () => report(0),
    );
    release();
    await first;
    const answer = await second;
    expect(executed).toEqual(['first', 'second']);
    expect(answer.coalesced).toBeFalsy();
  });

  it('a trigger that joins a sync at its cap of rounds gets a sync of its own', async () => {
    const coordinator = new SyncCoordinator(memoryStore(), 60);
    let runs = 0;
    let lastJoined: Promise<unknown> | undefined;
    const execute = async () => {
      runs += 1;
      // Every fetch sees a new trigger join, as a webhook right after each report does.
      if (runs <= 5) lastJoined = coordinator.run('1001', execute, () => report(0));
      return report(1);
    };
    await coordinator.run('1001', execute, () => report(0));
    expect(runs).toBe(4); // the first fetch and three more rounds, the cap
    await lastJoined;
    expect(runs).toBe(6); // the trigger that came after the last round ran (and one more joined it)
  });
});
