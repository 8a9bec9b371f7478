import { expect, it } from 'vitest';
import { scale } from '../scale.mjs';

// The scale bench's numbers are not asserted (its --quick size takes about 30 s, too long for the
// suite); this proves that a tiny run goes through the whole scenario on the virtual clock: every
// account reconciled once in the window through the queue, the weigh-ins whose webhook never came
// found by it, every webhook synced and verified, and every figure and the cost written out.
it('runs a tiny scale bench: every account reconciled, nothing lost, every figure reported', async () => {
  const s = await scale({
    accounts: 40,
    historyDays: 3,
    idleWebhooks: 4,
    loadedWebhooks: 8,
    lostShare: 0.1,
    deadlineMs: 100_000,
  });
  expect(s.window.reconciled).toBe(40);
  expect(s.window.reconciledInWindow).toBe(40);
  expect(s.window.failures).toBe(0);
  expect(s.window.lostWeighIns).toBe(4);
  expect(s.window.lostWeighInsFound).toBe(4);
  expect(s.enqueue.ticks).toBe(24);
  expect(s.enqueue.listedPerTick).toBe(40);
  // One message per account over the 24 ticks of the interval.
  expect(s.enqueue.enqueued).toBe(40);
  expect(s.enqueue.fullEnumeration.accounts).toBe(40);
  expect(s.webhooks.idle).toBe(4);
  expect(s.webhooks.loaded).toBe(8);
  // At least the injected latency of a verified write: getmeas ∥ range read, upload, read-back (3 × 200 ms).
  expect(s.webhooks.idleP50Ms).toBeGreaterThanOrEqual(600);
  expect(s.window.peakWithingsPerMinute).toBeGreaterThan(0);
  expect(s.window.peakWithingsPerMinute).toBeLessThanOrEqual(s.budgetPerMinute);
  expect(s.memory.samples.length).toBeGreaterThan(1);
  expect(s.cost.memoryMb).toBe(512);
  expect(s.cost.usd.total).toBeCloseTo(
    s.cost.usd.lambda + s.cost.usd.sqs + s.cost.usd.dynamo + s.cost.usd.api,
    3,
  );
  expect(s.cost.lines.at(-1)).toMatch(/^total per 1 000 accounts per month: .* = \$\d/);
}, 120_000);
