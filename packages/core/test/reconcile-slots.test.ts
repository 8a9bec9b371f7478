import { describe, expect, it } from 'vitest';
import {
  createSync,
  memoryStore,
  reconcileSlot,
  silentLogger,
  type WorkMessage,
  type WorkQueue,
} from '../src/index.js';

const HOUR_MS = 3_600_000;
const INTERVAL_MS = 6 * HOUR_MS;
const WINDOW_MS = 15 * 60_000;

/** A queue that only records what it is sent. */
function recordingQueue(): WorkQueue & {
  sent: Array<{ message: WorkMessage; delaySeconds?: number }>;
  batches: number[];
} {
  const sent: Array<{ message: WorkMessage; delaySeconds?: number }> = [];
  const batches: number[] = [];
  return {
    sent,
    batches,
    async send(items) {
      batches.push(items.length);
      sent.push(...items);
    },
  };
}

async function deployment(accounts: number, options: { unlinked?: number } = {}) {
  const store = memoryStore();
  for (let i = 0; i < accounts; i += 1) {
    const userId = String(10_000_000 + i * 7919);
    await store.put(`account/${userId}`, {
      userId,
      timeZone: null,
      linkedAt: '2026-01-01T00:00:00.000Z',
      ...(i < (options.unlinked ?? 0) ? { unlinkedAt: '2026-02-01T00:00:00.000Z' } : {}),
    });
  }
  const queue = recordingQueue();
  const sync = createSync({
    withings: { clientId: 'id', clientSecret: 'secret-0123456789' },
    store,
    queue,
    logger: silentLogger,
  });
  return { sync, queue, store };
}

describe('stable reconcile slots: one message per account per interval, spread flat', () => {
  it('reconcileSlot is stable, inside the interval, and spreads 10 000 accounts evenly', () => {
    expect(reconcileSlot('12345', INTERVAL_MS)).toBe(reconcileSlot('12345', INTERVAL_MS));
    const buckets = new Array<number>(24).fill(0);
    for (let i = 0; i < 10_000; i += 1) {
      const slot = reconcileSlot(String(30_000_000 + i), INTERVAL_MS);
      expect(slot).toBeGreaterThanOrEqual(0);
      expect(slot).toBeLessThan(INTERVAL_MS);
      buckets[Math.floor(slot / WINDOW_MS)] = (buckets[Math.floor(slot / WINDOW_MS)] ?? 0) + 1;
    }
    // 10 000 / 24 windows ≈ 417 each: no window holds a burst.
    for (const count of buckets) expect(count).toBeGreaterThan(417 * 0.8);
    for (const count of buckets) expect(count).toBeLessThan(417 * 1.2);
    expect(() => reconcileSlot('1', 0)).toThrow(RangeError);
  });

  it('ticks every 15 minutes (a few seconds early or late) enqueue each linked account exactly once per interval, at its slot', async () => {
    const { sync, queue } = await deployment(300, { unlinked: 20 });
    const start = Date.parse('2026-03-01T00:00:00.000Z');
    const jitter = [0, 4_000, -3_000, 11_000, -9_000, 1_000];
    const due = new Map<string, number>();
    let listed = 0;
    for (let tick = 0; tick < INTERVAL_MS / WINDOW_MS; tick += 1) {
      const now = start + tick * WINDOW_MS + (jitter[tick % jitter.length] ?? 0);
      const before = queue.sent.length;
      const report = await sync.work.enqueueDueReconciles({ now: new Date(now) });
      listed = report.listed;
      expect(report.enqueued).toBe(queue.sent.length - before);
      for (const { message, delaySeconds = 0 } of queue.sent.slice(before)) {
        expect(message.kind).toBe('reconcile');
        expect(delaySeconds).toBeGreaterThanOrEqual(0);
        expect(delaySeconds).toBeLessThanOrEqual(900);
        expect(due.has(message.userId), `${message.userId} enqueued twice`).toBe(false);
        due.set(message.userId, now + delaySeconds * 1000);
      }
    }
    expect(listed).toBe(300);
    expect(due.size).toBe(280); // every linked account, no unlinked one
    for (const [userId, at] of due) {
      // Delivered at its slot (to the second; a late tick delivers the slots it passed at once).
      const slot = reconcileSlot(userId, INTERVAL_MS);
      expect(Math.abs(((at - start) % INTERVAL_MS) - slot)).toBeLessThanOrEqual(11_000 + 1000);
    }
  });

  it('sends one batch per page of accounts, never all at once', async () => {
    const empty = await deployment(0);
    expect(await empty.sync.work.enqueueDueReconciles()).toMatchObject({ listed: 0, enqueued: 0 });
    expect(empty.queue.batches).toEqual([]);
    const { store, queue } = await deployment(250);
    // A 15-minute interval: every account is due in the one window.
    const quarterly = createSync({
      withings: { clientId: 'id', clientSecret: 'secret-0123456789' },
      store,
      queue,
      reconcileIntervalHours: 0.25,
      logger: silentLogger,
    });
    expect(await quarterly.work.enqueueDueReconciles()).toMatchObject({ listed: 250, enqueued: 250 });
    expect(queue.batches).toEqual([100, 100, 50]);
  });

  it('refuses a window longer than SQS can delay or than the interval', async () => {
    const { sync } = await deployment(1);
    await expect(sync.work.enqueueDueReconciles({ windowMs: 901_000 })).rejects.toThrow(RangeError);
    await expect(sync.work.enqueueDueReconciles({ windowMs: 0 })).rejects.toThrow(RangeError);
  });
});
