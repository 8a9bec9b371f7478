import { linkedWorld, minutesAgo, onCleanup } from '@wg-sync/test-support';
import { createClock, type SimClock } from '@wg-sync/testkit';
import { describe, expect, it } from 'vitest';
import { WithingsBudget } from '../src/engine/withings-budget.js';
import { createSync, type StateStore, type Sync, type SyncConfig, silentLogger } from '../src/index.js';

// A fixed instant, frozen: only the tests move it, so no budget window passes by itself.
const START = new Date('2031-06-09T10:00:00.000Z');

/** A deployment: the simulators, one store, and `engine()` for each further process. */
async function deployment(config: Partial<SyncConfig>, withings: Parameters<typeof linkedWorld>[0] = {}) {
  const clock: SimClock = createClock(START);
  const world = await linkedWorld({ clock, ...withings, config });
  const engine = (): Sync => {
    const other = createSync({ ...world.config });
    onCleanup(() => other.flush());
    return other;
  };
  let n = 0;
  /** A new weigh-in on the scale, 5 minutes and a kilo after the last (never a Garmin-side duplicate). */
  const weighIn = () => {
    n += 1;
    world.withings.addWeighIn(world.userId, { takenAt: minutesAgo(60 - 5 * n, clock), weightKg: 70 + n });
    return 70 + n;
  };
  const notification = () => ({
    userId: world.userId,
    appli: 1,
    startDate: new Date(clock.now().getTime() - 3_600_000),
    endDate: clock.now(),
  });
  return { world, clock, engine, weighIn, notification };
}

const synced = (world: { garmin: { weighIns(email: string): Array<{ weight: number }> }; email: string }) =>
  world.garmin.weighIns(world.email).map((w) => Math.round(w.weight / 100) / 10);

describe('the Withings budget across engines (processes) over one store', () => {
  it('two engines share one budget: never more than perMinute calls in a minute; the sync past it sends nothing, and catches up once the minute passes', async () => {
    const d = await deployment(
      { withingsBudgetPerMinute: 4 },
      // The simulator enforces the same limit: had the engines overspent, it would have refused.
      { withings: { appRateLimit: { perMinute: 4 } } },
    );
    const engines = [d.world.sync, d.engine()];
    const expected: number[] = [];
    let refused: { engine: number; calls: number } | undefined;
    for (let i = 0; i < 8 && !refused; i += 1) {
      expected.push(d.weighIn());
      const before = d.world.withings.requests.length;
      const report = await engines[i % 2]?.syncRecent();
      if (report?.failed.some((f) => f.code === 'RATE_LIMITED')) {
        refused = { engine: i % 2, calls: d.world.withings.requests.length - before };
        expect(report.failed[0]?.message).toMatch(/application budget of 4 calls per minute is spent/);
      }
    }
    expect(refused).toMatchObject({ calls: 0 });
    expect(d.world.withings.requests.length).toBeLessThanOrEqual(4);
    expect(d.world.withings.rateStats).toEqual({
      refused: 0,
      peakPerMinute: d.world.withings.requests.length,
    });

    d.clock.advance(66_000);
    const catchUp = await engines[refused?.engine ?? 0]?.syncRecent();
    expect(catchUp?.failed).toEqual([]);
    expect(synced(d.world).sort()).toEqual(expected.sort());
  });

  it('a 601 one engine meets stops the other until wait_seconds pass (stored, logged at warn, in the status of every engine); then it syncs what it missed', async () => {
    const d = await deployment({});
    const other = d.engine();
    await other.syncRecent(); // the other process is warm: it holds a block of the budget
    expect(await other.status()).not.toHaveProperty('withingsBackoffUntil');
    const first = d.weighIn();
    d.world.withings.faults.add({ status: 601, waitSeconds: 30 }, 1, '/measure');
    const hit = await d.world.sync.syncNotification(d.notification());
    expect(hit.failed).toMatchObject([{ code: 'RATE_LIMITED', side: 'withings' }]);
    expect(d.world.logs.map((line) => JSON.parse(line))).toContainEqual(
      expect.objectContaining({ level: 'warn', event: 'withings.budget.backoff', waitSeconds: 30 }),
    );
    const stored = await d.world.store.get<{ backoffUntil: string }>('budget/withings');
    expect(stored?.value.backoffUntil).toBe(new Date(START.getTime() + 30_000).toISOString());
    expect((await other.status()).withingsBackoffUntil).toBe(stored?.value.backoffUntil);

    const calls = d.world.withings.requests.length;
    // 15 s left is more than a call waits (10 s): refused at once.
    d.clock.advance(15_000);
    const held = await other.syncNotification(d.notification());
    expect(held.failed).toMatchObject([{ code: 'RATE_LIMITED', side: 'withings' }]);
    expect(held.failed[0]?.message).toMatch(/backing off after a 601 for 15 s more/);
    expect(d.world.withings.requests.length).toBe(calls);

    d.clock.advance(15_000);
    expect(await d.world.sync.status()).not.toHaveProperty('withingsBackoffUntil');
    const after = await other.syncNotification(d.notification());
    expect(after.failed).toEqual([]);
    expect(synced(d.world)).toEqual([first]);
  });

  it("a work message the deployment's 601 backoff refused says how long to wait (retryAfterMs), so a queue does not spend its attempts before then", async () => {
    const d = await deployment({});
    const other = d.engine();
    d.weighIn();
    d.world.withings.faults.add({ status: 601, waitSeconds: 30 }, 1, '/measure');
    const manual = { v: 1, kind: 'manual', userId: d.world.userId, days: 2 } as const;
    expect(await d.world.sync.work.run(manual)).toMatchObject({
      ok: false,
      code: 'RATE_LIMITED',
      retryable: true,
      retryAfterMs: 30_000,
    });
    // Another process learns it from the store, refused without a call.
    d.clock.advance(12_000);
    expect(await other.work.run(manual)).toMatchObject({
      ok: false,
      code: 'RATE_LIMITED',
      retryAfterMs: 18_000,
    });
    d.clock.advance(18_000);
    const done = await other.work.run(manual);
    expect(done).toMatchObject({ ok: true });
    expect(done).not.toHaveProperty('retryAfterMs');
  });

  it('when the budget is tight a webhook sync still goes while a reconcile pass is held back, and nothing is lost', async () => {
    const d = await deployment({ withingsBudgetPerMinute: 10 });
    await d.world.sync.syncRecent(); // the account's first sync (height read) is behind us
    d.clock.advance(66_000);
    // Another process's reconcile passes have spent the background share (8 of 10).
    const elsewhere = new WithingsBudget({
      store: d.world.store as StateStore,
      perMinute: 10,
      now: () => d.clock.now(),
      log: silentLogger,
    });
    for (let i = 0; i < 8; i += 1) await elsewhere.take('background');
    const weight = d.weighIn();

    const reconcile = await d.world.sync.reconcile();
    expect(reconcile.failures).toContainEqual(expect.objectContaining({ code: 'RATE_LIMITED' }));
    expect(synced(d.world)).toEqual([]);

    const webhook = await d.world.sync.syncNotification(d.notification());
    expect(webhook.failed).toEqual([]);
    expect(synced(d.world)).toEqual([weight]);
  });

  it('a webhook sync with budget left sends exactly the Withings calls it sent before, the lease taken before the first of them', async () => {
    const d = await deployment({});
    const puts: Array<{ key: string; withingsCallsBefore: number }> = [];
    const inner = d.world.store;
    const put = inner.put.bind(inner);
    inner.put = (key, value, options) => {
      puts.push({ key, withingsCallsBefore: d.world.withings.requests.length });
      return put(key, value, options);
    };
    await d.world.sync.syncRecent();
    d.clock.advance(120_000);
    d.weighIn();
    const before = d.world.withings.requests.length;
    puts.length = 0;
    const report = await d.world.sync.syncNotification(d.notification());
    expect(report.failed).toEqual([]);
    expect(report.upstreamCalls.withings).toBe(1); // getmeas, as without a budget
    expect(d.world.withings.requests.length - before).toBe(1);
    const leases = puts.filter((p) => p.key === 'budget/withings');
    expect(leases).toEqual([{ key: 'budget/withings', withingsCallsBefore: before }]);
    // Back-to-back syncs spend ever larger blocks: far fewer budget writes than syncs.
    puts.length = 0;
    for (let i = 0; i < 6; i += 1) {
      d.weighIn();
      expect((await d.world.sync.syncNotification(d.notification())).failed).toEqual([]);
    }
    expect(puts.filter((p) => p.key === 'budget/withings').length).toBeLessThanOrEqual(3);
  });
});
