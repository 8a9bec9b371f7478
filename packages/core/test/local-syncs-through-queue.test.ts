import { describe, expect, it } from 'vitest';
import type { SyncReport } from '../src/index.js';
import { harness, linkSecondAccount, minutesAgo, notificationRequest } from './harness.js';

type Line = { level: string; event: string; [field: string]: unknown };
const logged = (logs: string[], event: string) =>
  logs.map((l) => JSON.parse(l) as Line).filter((l) => l.event === event);

async function until(check: () => boolean | Promise<boolean>, ms = 8000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const notification = (userId: string) => {
  const now = Math.floor(Date.now() / 1000);
  return notificationRequest(`userid=${userId}&appli=1&startdate=${now - 600}&enddate=${now}`);
};

describe('local webhook syncs and manual syncs of several accounts are messages of the in-process queue', {
  timeout: 30_000,
}, () => {
  it('waits for its turn within queueConcurrency: a reconcile running in the only slot comes first', async () => {
    const h = await harness({ config: { queueConcurrency: 1 } });
    const bo = await linkSecondAccount(h);
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(4), weightKg: 72.4, notify: false });
    h.withings.latencyMs = 150; // Bo's reconcile holds the one slot for several calls
    await h.sync.work.queue.send([{ message: { v: 1, kind: 'reconcile', userId: bo.userId } }]);

    const background: Promise<unknown>[] = [];
    const response = await h.sync.handler(notification(h.userId), {
      waitUntil: (p) => void background.push(p),
    });
    expect(response.status).toBe(200);
    // The webhook's sync is not started beside the reconcile (as the coordinator alone would): it
    // waits in the queue.
    const size = () => (h.sync.work.queue as unknown as { size: { waiting: number; running: number } }).size;
    await until(() => size().waiting === 1);
    expect(size()).toEqual({ waiting: 1, running: 1 });

    const [report] = (await Promise.all(background)) as Array<SyncReport | undefined>;
    expect(report?.synced.map((s) => s.weightKg)).toEqual([72.4]);
    const completed = logged(h.logs, 'sync.completed').map((l) => `${l.trigger}:${l.userId}`);
    expect(completed).toEqual([`reconcile:${bo.userId}`, `webhook:${h.userId}`]);
    expect(h.garmin.weighIns(h.email)).toHaveLength(1);
  });

  it('a transient failure is tried again by the queue, so the weigh-in lands without another webhook', async () => {
    const h = await harness();
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(3), weightKg: 70.6, notify: false });
    // Every attempt of the first sync's upload (the client retries twice) meets a 503.
    h.garmin.faults.add({ kind: 'unavailable' }, 3, /upload/);
    const background: Promise<unknown>[] = [];
    await h.sync.handler(notification(h.userId), { waitUntil: (p) => void background.push(p) });

    // What waitUntil is handed is the first attempt's report, failure and all.
    const [first] = (await Promise.all(background)) as Array<SyncReport | undefined>;
    expect(first?.failed.map((f) => f.code)).toEqual(['UPSTREAM']);
    expect(h.garmin.weighIns(h.email)).toHaveLength(0);
    expect(logged(h.logs, 'work.failed')).toMatchObject([
      { level: 'warn', kind: 'webhook', userId: h.userId, code: 'UPSTREAM', retryable: true },
    ]);
    // The queue's second attempt, after its 1 s backoff.
    await until(() => h.garmin.weighIns(h.email).length === 1);
    expect(h.garmin.weighIns(h.email)[0]).toMatchObject({ weight: 70600 });
    expect(h.garmin.uploads()).toHaveLength(1);
    await until(async () => (await h.store.get(`pending/${h.userId}`)) === undefined);
  });

  it('sync.work.sendAndWait answers undefined for a queue that is not in-process, once it holds the message', async () => {
    const sent: unknown[] = [];
    const h = await harness({ config: { queue: { send: async (items) => void sent.push(...items) } } });
    const background: Promise<unknown>[] = [];
    await h.sync.handler(notification(h.userId), { waitUntil: (p) => void background.push(p) });
    expect(await Promise.all(background)).toEqual([undefined]);
    expect(sent).toMatchObject([{ message: { v: 1, kind: 'webhook', userId: h.userId } }]);
    expect(h.withings.requests).toHaveLength(0); // the queue's consumer syncs, not this process
  });
  it('a manual sync of several accounts runs them as manual messages, within queueConcurrency; one gone meanwhile reports its failure', async () => {
    const h = await harness({ config: { queueConcurrency: 1 } });
    const bo = await linkSecondAccount(h);
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(5), weightKg: 68.2, notify: false });
    h.withings.addWeighIn(bo.userId, { takenAt: minutesAgo(5), weightKg: 91.5, notify: false });
    h.withings.latencyMs = 60;
    const queue = h.sync.work.queue as unknown as { size: { waiting: number; running: number } };
    const manual = h.sync.syncManual({ days: 3 });
    // Accounts are listed in key order: the first runs, the other waits for the one slot. Its
    // account is deleted while it waits.
    const [first, second] = [h.userId, bo.userId].sort() as [string, string];
    await until(() => queue.size.running === 1 && queue.size.waiting === 1);
    await h.store.delete(`account/${second}`);
    const reports = await manual;
    const byUser = new Map(reports.map((r) => [r.userId, r]));
    expect(byUser.get(first)?.synced).toHaveLength(1);
    expect(byUser.get(second)).toMatchObject({ trigger: 'recent', synced: [] });
    expect(byUser.get(second)?.failed.map((f) => f.code)).toEqual(['ACCOUNT_NOT_FOUND']);
    expect(logged(h.logs, 'work.failed')).toMatchObject([
      { level: 'warn', kind: 'manual', userId: second, code: 'UNKNOWN_USER', retryable: true },
    ]);
  });
});
