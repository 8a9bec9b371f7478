import { expect, it } from 'vitest';
import { memory, slope } from '../memory.mjs';

// The memory bench's numbers are not asserted either; this proves that a tiny run goes through the
// real webhook path (every notification acknowledged, every round's weigh-ins uploaded to Garmin)
// and reports every figure as a number, sampled after the warm-up and after each round.
it('runs a tiny memory bench and reports every figure', async () => {
  const result = await memory({ webhooks: 120, users: 3, warmUp: 40, every: 40, deadlineMs: 100_000 });
  expect(result.statuses).toEqual({ 200: 120 });
  expect(result.rounds).toBe(3);
  expect(result.uploads).toBe(3 * 3);
  expect(result.samples.map((s: { webhooks: number }) => s.webhooks)).toEqual([40, 80, 120]);
  for (const sample of result.samples) {
    expect(sample.rssMiB).toBeGreaterThan(sample.heapUsedMiB);
    expect(sample.heapUsedMiB).toBeGreaterThan(1);
  }
  for (const key of [
    'warmUpRssMiB',
    'finalRssMiB',
    'rssGrowthMiB',
    'rssGrowthMiBPer1000',
    'warmUpHeapUsedMiB',
    'finalHeapUsedMiB',
    'heapUsedGrowthMiBPer1000',
    'heapUsedRatio',
  ])
    expect(Number.isFinite(result[key]), key).toBe(true);
  expect(result.warmUpRssMiB).toBe(result.samples[0].rssMiB);
  expect(result.finalHeapUsedMiB).toBe(result.samples[2].heapUsedMiB);
  expect(result.heapUsedRatio).toBeCloseTo(result.finalHeapUsedMiB / result.warmUpHeapUsedMiB, 2);
  expect(result.targetRatio).toBe(1.1);
  expect(result.withinTarget).toBe(result.heapUsedRatio <= 1.1);
}, 120_000);

it('fails past its deadline instead of waiting for ever', async () => {
  await expect(memory({ webhooks: 100_000, users: 1, warmUp: 50, every: 50, deadlineMs: 1 })).rejects.toThrow(
    /no result within 1 ms/,
  );
}, 60_000);

it('growth per webhook is the least-squares slope, not the last step', () => {
  const samples = [
    { webhooks: 1000, heapUsedMiB: 20 },
    { webhooks: 2000, heapUsedMiB: 23 },
    { webhooks: 3000, heapUsedMiB: 22 },
  ];
  expect(slope(samples, 'heapUsedMiB') * 1000).toBeCloseTo(1, 10);
  expect(slope(samples.slice(0, 1), 'heapUsedMiB')).toBe(0);
});
