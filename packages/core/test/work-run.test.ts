import { describe, expect, it } from 'vitest';
import { inProcessQueue, type StateStore, type WorkMessage, type WorkOutcome } from '../src/index.js';
import { harness, linkSecondAccount, minutesAgo } from './harness.js';

type Line = { level: string; event: string; [field: string]: unknown };
const logged = (logs: string[], event: string) =>
  logs.map((l) => JSON.parse(l) as Line).filter((l) => l.event === event);

const notificationOf = (userId: string) => {
  const now = Math.floor(Date.now() / 1000);
  return { userId, appli: 1, start: now - 600, end: now };
};

describe('sync.work.run: one message, an outcome, never a rejection', { timeout: 30_000 }, () => {
  it('runs each kind; the same message again writes nothing twice', async () => {
    const h = await harness();
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(20), weightKg: 71.3 });
    const webhook: WorkMessage = {
      v: 1,
      kind: 'webhook',
      userId: h.userId,
      notification: notificationOf(h.userId),
    };

    const first = await h.sync.work.run(webhook);
    expect(first).toMatchObject({ ok: true, kind: 'webhook', userId: h.userId });
    expect(first.ok && first.reports[0]?.synced.map((s) => s.weightKg)).toEqual([71.3]);
    for (const message of [
      webhook,
      { v: 1, kind: 'reconcile', userId: h.userId },
      { v: 1, kind: 'manual', userId: h.userId, days: 30 },
    ] satisfies WorkMessage[]) {
      const again = await h.sync.work.run(message);
      expect(again).toMatchObject({ ok: true, kind: message.kind });
      expect(again.ok && again.reports[0]?.synced).toEqual([]);
    }
    expect(h.garmin.uploads()).toHaveLength(1);
  });

  it('a poison message is a typed failure: unknown user, corrupt account, not a message at all', async () => {
    const h = await harness();
    expect(await h.sync.work.run({ v: 1, kind: 'reconcile', userId: '99999999' })).toEqual({
      ok: false,
      kind: 'reconcile',
      userId: '99999999',
      code: 'UNKNOWN_USER',
      message: 'no account for user 99999999',
      retryable: true,
    });
    const bad = await h.sync.work.run({ v: 1, kind: 'manual', userId: h.userId, days: -1 });
    expect(bad).toMatchObject({ ok: false, kind: 'unknown', code: 'INVALID_WORK_MESSAGE', retryable: false });
    expect(await h.sync.work.run('reconcile' as unknown as WorkMessage)).toMatchObject({
      ok: false,
      code: 'INVALID_WORK_MESSAGE',
    });

    await h.store.put(`account/${h.userId}`, { linkedAt: 42 });
    const corrupt = await h.another().work.run({ v: 1, kind: 'reconcile', userId: h.userId });
    expect(corrupt).toMatchObject({ ok: false, code: 'ACCOUNT_CORRUPT', userId: h.userId });
    expect(logged(h.logs, 'work.failed').map((l) => [l.level, l.code])).toEqual([
      ['warn', 'UNKNOWN_USER'],
      ['warn', 'INVALID_WORK_MESSAGE'],
      ['warn', 'INVALID_WORK_MESSAGE'],
      ['warn', 'ACCOUNT_CORRUPT'],
    ]);
  });

  it('a lease held by another process and an upstream outage are retryable failures; a refused token is done', async () => {
    const h = await harness({ config: { leaseSeconds: 60 } });
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(5), weightKg: 66.6 });
    await h.store.put(`lock/${h.userId}`, { owner: 'another-process' }, { ttlSeconds: 60 });
    const busy = await h.sync.work.run({ v: 1, kind: 'reconcile', userId: h.userId });
    expect(busy).toMatchObject({ ok: false, code: 'STORE_CONFLICT', retryable: true });
    await h.store.delete(`lock/${h.userId}`);

    h.garmin.faults.add('unavailable', 20);
    const down = await h.sync.work.run({ v: 1, kind: 'manual', userId: h.userId });
    expect(down).toMatchObject({ ok: false, kind: 'manual', code: 'UPSTREAM', retryable: true });
    h.garmin.faults.clear();

    h.withings.revokeTokens(h.userId);
    await h.store.put(`withings/${h.userId}/tokens`, {
      ...(await h.store.get<Record<string, unknown>>(`withings/${h.userId}/tokens`))?.value,
      expiresAt: new Date(Date.now() - 60_000).toISOString(),
    });
    const refused = await h.sync.work.run({ v: 1, kind: 'manual', userId: h.userId });
    // The sync recorded and alerted it; delivering the message again cannot help.
    expect(refused).toMatchObject({ ok: true, kind: 'manual' });
    expect(refused.ok && refused.reports[0]?.failed.map((f) => f.code)).toContain('REAUTH_REQUIRED');
  });

  it('an unlinked account is skipped, not failed', async () => {
    const h = await harness();
    const bo = await linkSecondAccount(h);
    const record = await h.store.get<Record<string, unknown>>(`account/${bo.userId}`);
    await h.store.put(`account/${bo.userId}`, { ...record?.value, unlinkedAt: new Date().toISOString() });
    expect(await h.sync.work.run({ v: 1, kind: 'reconcile', userId: bo.userId })).toEqual({
      ok: true,
      kind: 'reconcile',
      userId: bo.userId,
      reports: [],
    });
  });

  it('createSync({ queue }) sends the due reconciles to that queue, which runs them through sync.work.run', async () => {
    const h = await harness();
    const bo = await linkSecondAccount(h);
    h.withings.addWeighIn(bo.userId, { takenAt: minutesAgo(9), weightKg: 58.2 });
    const outcomes: WorkOutcome[] = [];
    let sync: ReturnType<typeof h.another> | undefined;
    const queue = inProcessQueue({
      run: async (message) => {
        const outcome = await (sync as NonNullable<typeof sync>).work.run(message);
        outcomes.push(outcome);
        return outcome;
      },
    });
    sync = h.another({ queue, reconcileIntervalHours: 0.25 });
    expect(sync.work.queue).toBe(queue);
    // A 15-minute interval: every account's slot falls in the one window.
    const report = await sync.work.enqueueDueReconciles({ windowMs: 900_000 });
    expect(report).toMatchObject({ listed: 2, enqueued: 2 });
    await queue.drain();
    expect(outcomes.map((o) => [o.ok, o.userId]).sort()).toEqual(
      [
        [true, bo.userId],
        [true, h.userId],
      ].sort(),
    );
    expect(h.garmin.uploads()).toHaveLength(1);
  });
});

describe('sync.reconcile(): accounts at once, the same report', { timeout: 30_000 }, () => {
  it('reconciles accounts concurrently (bounded) and reports them in listing order', async () => {
    const h = await harness();
    const others = [await linkSecondAccount(h)];
    h.withings.latencyMs = 25;
    // Leases held at once = accounts syncing at once.
    const held = new Set<string>();
    let peak = 0;
    const store: StateStore = {
      ...h.store,
      get: (key) => h.store.get(key),
      list: (prefix) => h.store.list(prefix),
      async put(key, value, options) {
        const version = await h.store.put(key, value, options);
        if (key.startsWith('lock/')) held.add(key);
        peak = Math.max(peak, held.size);
        return version;
      },
      async delete(key, options) {
        held.delete(key);
        return h.store.delete(key, options);
      },
    };
    if (h.store.listPage) store.listPage = h.store.listPage.bind(h.store);
    const report = await h.another({ store, queueConcurrency: 2 }).reconcile();
    expect(report.ok).toBe(true);
    expect(report.accounts.map((a) => a.userId)).toEqual([h.userId, ...others.map((o) => o.userId)].sort());
    expect(report.accounts.every((a) => a.report?.failed.length === 0)).toBe(true);
    expect(peak).toBe(2);
  });
});
