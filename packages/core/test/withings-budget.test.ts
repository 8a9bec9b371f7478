import { createClock, type SimClock } from '@wg-sync/testkit';
import { describe, expect, it } from 'vitest';
import { WithingsBudget, WithingsBudgetError } from '../src/engine/withings-budget.js';
import { jsonLogger, memoryStore, type StateStore } from '../src/index.js';

const START = new Date('2031-04-02T09:00:00.000Z');

interface Deployment {
  clock: SimClock;
  store: StateStore;
  /** Every write to the store (`put`), by key. */
  writes: string[];
  logs: string[];
  /** What each simulated `sleep` waited. */
  slept: number[];
  /** One process's budget over the shared store. */
  process(perMinute?: number): WithingsBudget;
}

/** Processes on one store and one clock; `sleep` moves the clock instead of waiting. */
function deployment(perMinute = 10): Deployment {
  const clock = createClock(START);
  const inner = memoryStore({ now: () => clock.now() });
  const writes: string[] = [];
  const store: StateStore = {
    ...inner,
    get: (key) => inner.get(key),
    list: (prefix) => inner.list(prefix),
    delete: (key, options) => inner.delete(key, options),
    put: (key, value, options) => {
      writes.push(key);
      return inner.put(key, value, options);
    },
  };
  const logs: string[] = [];
  const slept: number[] = [];
  const log = jsonLogger({ level: 'debug', write: (line) => void logs.push(line) });
  const sleep = async (ms: number) => {
    slept.push(ms);
    clock.advance(ms);
  };
  return {
    clock,
    store,
    writes,
    logs,
    slept,
    process: (limit = perMinute) =>
      new WithingsBudget({ store, perMinute: limit, now: () => clock.now(), log, sleep }),
  };
}

/** Takes until refused; how many were granted, and the refusal. */
async function takeAll(budget: WithingsBudget, priority: 'interactive' | 'background', most = 1000) {
  for (let granted = 0; granted < most; granted += 1) {
    const refused = await budget.take(priority).then(
      () => undefined,
      (error: unknown) => error,
    );
    if (refused) return { granted, refused: refused as WithingsBudgetError };
  }
  return { granted: most, refused: undefined };
}

describe('the Withings application budget', () => {
  it('is shared by every process over the store: no more than perMinute calls in 60 s, whoever makes them', async () => {
    const d = deployment(10);
    const [a, b, c] = [d.process(), d.process(), d.process()];
    let granted = 0;
    // Interleaved, as concurrent Lambdas would be.
    for (let round = 0; round < 4; round += 1) {
      for (const p of [a, b, c]) {
        const ok = await p.take('interactive').then(
          () => true,
          () => false,
        );
        if (ok) granted += 1;
      }
    }
    expect(granted).toBeLessThanOrEqual(10);
    const refused = await takeAll(c, 'interactive');
    expect(granted + refused.granted).toBe(10);
    expect(refused.refused).toBeInstanceOf(WithingsBudgetError);
    expect(refused.refused).toMatchObject({ code: 'RATE_LIMITED', reason: 'exhausted' });
    // Waiting 65 s is over the 10 s a call may wait: refused at once, nothing slept.
    expect(refused.refused?.retryAfterMs).toBeGreaterThan(10_000);
    expect(d.slept).toEqual([]);
    d.clock.advance(refused.refused?.retryAfterMs ?? 0);
    await expect(a.take('interactive')).resolves.toBeUndefined();
  });

  it('leases blocks: a busy process writes the store far less often than once per call', async () => {
    const d = deployment(120);
    const p = d.process();
    let calls = 0;
    // A minute of steady use: two calls a second.
    for (let second = 0; second < 60; second += 1) {
      for (let i = 0; i < 2; i += 1) {
        await p.take('interactive');
        calls += 1;
      }
      d.clock.advance(1000);
    }
    expect(calls).toBe(120);
    const budgetWrites = d.writes.filter((key) => key === 'budget/withings').length;
    expect(budgetWrites).toBeLessThanOrEqual(calls / 4);
    // Concurrent calls of one process share one lease.
    const before = d.writes.length;
    d.clock.advance(65_000);
    await Promise.all(Array.from({ length: 6 }, () => p.take('interactive')));
    expect(d.writes.length - before).toBe(1);
  });

  it("a sync's lease swaps on the record as this process left it, without reading it first; another process's lease in between is read and counted", async () => {
    const d = deployment(10);
    let reads = 0;
    const get = d.store.get.bind(d.store);
    d.store.get = (key) => {
      reads += 1;
      return get(key);
    };
    const here = d.process();
    const elsewhere = d.process();
    await here.prepare('interactive', 3); // first sync: read, then lease
    expect(reads).toBe(1);
    d.clock.advance(6_000); // its block is over (5 s): the next sync leases again
    await here.prepare('interactive', 3);
    expect(reads).toBe(1); // swapped on what it wrote
    d.clock.advance(6_000);
    await expect(takeAll(elsewhere, 'interactive', 4)).resolves.toMatchObject({ granted: 4 });
    const readsBefore = reads;
    d.clock.advance(6_000);
    await here.prepare('interactive', 3); // the swap fails on elsewhere's version: it reads, then leases
    expect(reads).toBe(readsBefore + 1);
    // Nothing was swapped over: every lease either process took is in the record (1 call each here).
    const leases = (await get<{ leases: Array<{ id: string }> }>('budget/withings'))?.value.leases ?? [];
    expect(leases).toHaveLength(2 + 4 + 1);
    expect(new Set(leases.map((l) => l.id.split('-').slice(0, 2).join('-'))).size).toBe(2);
    // Once its record has outlived its time to live, a lease expects no record at all: no read either.
    d.clock.advance(120_000);
    const readsThen = reads;
    await here.prepare('interactive', 3);
    expect(reads).toBe(readsThen);
    expect((await get<{ leases: unknown[] }>('budget/withings'))?.value.leases).toHaveLength(1);
  });

  it('keeps a share for people: reconcile passes and backfills stop at 80%, webhook and manual syncs go on', async () => {
    const d = deployment(10);
    const reconcile = d.process();
    const webhook = d.process();
    const background = await takeAll(reconcile, 'background');
    expect(background.granted).toBe(8);
    expect(background.refused).toMatchObject({ reason: 'exhausted' });
    expect(background.refused?.message).toMatch(/80% of it for reconcile passes and backfills/);
    const interactive = await takeAll(webhook, 'interactive');
    expect(interactive.granted).toBe(2);
  });

  it('never spends a block leased for people on background calls, and counts it against their share', async () => {
    const d = deployment(100);
    const p = d.process();
    await p.prepare('interactive', 5); // a webhook sync starting: 5 calls leased, none spent yet
    await expect(takeAll(p, 'background')).resolves.toMatchObject({ granted: 80 - 5 });
    const writes = d.writes.length;
    for (let i = 0; i < 5; i += 1) await p.take('interactive');
    expect(d.writes.length).toBe(writes);
  });

  it('a 601 one process met backs every process off until its wait_seconds pass, then calls go again', async () => {
    const d = deployment(120);
    const a = d.process();
    const b = d.process();
    await b.take('interactive'); // b holds a block with calls left
    await a.take('interactive');
    await a.backOff(30_000);
    await expect(a.take('interactive')).rejects.toMatchObject({ code: 'RATE_LIMITED', reason: 'backoff' });
    // b learns it from the store at the start of its next sync, although its block has calls left.
    await b.prepare('interactive');
    const refused = await b.take('interactive').catch((error: unknown) => error as WithingsBudgetError);
    expect(refused).toMatchObject({ code: 'RATE_LIMITED', reason: 'backoff', retryAfterMs: 30_000 });
    expect(refused?.message).toMatch(/backing off after a 601 for 30 s more/);
    // A process started later sees it too.
    await expect(d.process().take('background')).rejects.toMatchObject({ reason: 'backoff' });
    expect(d.logs.map((l) => JSON.parse(l))).toContainEqual(
      expect.objectContaining({ level: 'warn', event: 'withings.budget.backoff', waitSeconds: 30 }),
    );
    d.clock.advance(30_000);
    await expect(b.take('interactive')).resolves.toBeUndefined();
    await expect(d.process().take('background')).resolves.toBeUndefined();
    expect(d.slept).toEqual([]);
  });

  it('waits out a short backoff or a slot freed within 10 s instead of failing', async () => {
    const d = deployment(3);
    const p = d.process();
    await p.backOff(4_000);
    await p.take('interactive');
    expect(d.slept).toEqual([4_000]);
    await p.take('interactive');
    await p.take('interactive');
    d.clock.advance(58_000); // the first lease (at 4 s) stops counting 65 s after it was taken
    await p.take('interactive');
    expect(d.slept).toEqual([4_000, 7_000]);
  });

  it('a later backoff never shortens a longer one already stored', async () => {
    const d = deployment(120);
    const a = d.process();
    const b = d.process();
    await a.backOff(60_000);
    await b.backOff(5_000);
    d.clock.advance(10_000);
    await expect(d.process().take('interactive')).rejects.toMatchObject({ reason: 'backoff' });
    const stored = await d.store.get<{ backoffUntil: string }>('budget/withings');
    expect(stored?.value.backoffUntil).toBe(new Date(START.getTime() + 60_000).toISOString());
  });

  it('reads a damaged or unknown record tolerantly and writes a good one over it', async () => {
    for (const damaged of [
      'not an object',
      { v: 2, leases: 'many', backoffUntil: 'soon' },
      { leases: [{ id: 7, at: 'x', calls: -1 }, null] },
    ]) {
      const d = deployment(5);
      await d.store.put('budget/withings', damaged);
      const p = d.process();
      await expect(takeAll(p, 'interactive')).resolves.toMatchObject({ granted: 5 });
      const stored = await d.store.get<{ v: number; leases: unknown[] }>('budget/withings');
      expect(stored?.value.v).toBe(1);
      expect(stored?.value.leases.length).toBeGreaterThan(0);
    }
  });
});
