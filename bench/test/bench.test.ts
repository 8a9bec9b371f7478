import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const RUN = fileURLToPath(new URL('../run.mjs', import.meta.url));

// The bench's numbers are not asserted (a shared CI machine is no stopwatch); this proves that
// `pnpm bench` runs end to end and writes every measurement it promises.
it('runs in quick mode and writes every measurement', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wg-sync-bench-'));
  try {
    const out = join(dir, 'results.json');
    await promisify(execFile)(process.execPath, [RUN, '--quick', '--out', out], { timeout: 290_000 });
    const { results, targets } = JSON.parse(await readFile(out, 'utf8'));
    expect(Object.keys(results)).toEqual([
      'webhookSync',
      'twoDestinations',
      'withIntervals',
      'ack',
      'backfill365',
      'lambdaBundle',
      'expressThroughput',
      'memory',
      'scale',
    ]);
    expect(results.webhookSync.upstreamCalls).toBeGreaterThan(0);
    expect(results.webhookSync.upstreamCallsReported).toBe(results.webhookSync.upstreamCalls);
    // The second destination's list, write and read-back are counted, in the report as on the wire.
    expect(results.twoDestinations.upstreamCalls).toBe(results.webhookSync.upstreamCalls + 3);
    expect(results.twoDestinations.upstreamCallsReported).toBe(results.twoDestinations.upstreamCalls);
    // intervals.icu: the athlete and the days read together with Garmin's range, then one PUT that
    // echoes the day (its confirmation): 3 more calls, and no more round trips than Garmin alone.
    expect(results.withIntervals.upstreamCalls).toBe(results.webhookSync.upstreamCalls + 3);
    expect(results.withIntervals.upstreamCallsReported).toBe(results.withIntervals.upstreamCalls);
    expect(results.withIntervals.sequentialRoundTrips).toBe(results.webhookSync.sequentialRoundTrips);
    expect(results.ack.statuses).toEqual({ 200: results.ack.notifications * results.ack.bursts });
    expect(results.ack.floor.express.p99Ms).toBeGreaterThan(0);
    expect(results.ack.p99RatioToExpressFloor).toBeCloseTo(
      results.ack.p99Ms / results.ack.floor.express.p99Ms,
      1,
    );
    expect(results.ack.targetRatio).toBe(1.5);
    expect(results.webhookSync.wallRatioToLatencyFloor).toBeCloseTo(
      results.webhookSync.wallMsMedian / (3 * results.webhookSync.injectedLatencyMs),
      1,
    );
    expect(results.webhookSync.targetWallRatio).toBe(1.25);
    expect(results.backfill365.failed).toBe(0);
    expect(results.backfill365.synced).toBe(results.backfill365.weighIns);
    expect(results.backfill365.inGarmin).toBe(results.backfill365.weighIns);
    expect(results.lambdaBundle.error).toBeUndefined();
    const lambda = results.lambdaBundle;
    expect(lambda.runtime).toMatch(/^aws-lambda-ric \d+\.\d+\.\d+ on Node 22\./);
    expect(lambda.entryBytes).toBeGreaterThan(0);
    for (const name of ['bundle', 'helloWorld', 'dynamoOnly']) {
      expect(lambda[name].initMs, name).toHaveLength(lambda.runs);
      expect(lambda[name].initMsMedian, name).toBeGreaterThan(0);
    }
    expect(lambda.initRatioToDynamoOnly).toBeCloseTo(
      lambda.bundle.initMsMedian / lambda.dynamoOnly.initMsMedian,
      2,
    );
    expect(lambda.targetRatio).toBe(1.3);
    expect(lambda.withinTarget).toBe(lambda.initRatioToDynamoOnly <= 1.3);
    expect(results.expressThroughput.expressRps).toBeGreaterThan(0);
    expect(results.expressThroughput.bareNodeHttpRps).toBeGreaterThan(0);
    expect(results.expressThroughput.handWrittenRps).toBeGreaterThan(0);
    expect(results.expressThroughput.prototypeSwapRps).toBeGreaterThan(0);
    expect(results.memory.statuses).toEqual({ 200: results.memory.webhooks });
    expect(results.memory.heapUsedRatio).toBeGreaterThan(0);
    expect(results.scale.window.reconciled).toBe(results.scale.accounts);
    expect(results.scale.window.lostWeighInsFound).toBe(results.scale.window.lostWeighIns);
    expect(results.scale.cost.usd.total).toBeGreaterThan(0);
    for (const target of targets) expect(typeof target.met).toBe('boolean');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, 300_000);
