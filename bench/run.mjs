// pnpm bench: measures what wg-sync promises about speed against the simulators with injected latency,
// prints a table and writes bench/results.json. Targets are reported, never asserted: numbers on a
// shared 2-core machine are not pass/fail material, trends are.
//
//   node bench/run.mjs [--quick] [--out <file>] [--only <bench>,…]   (after pnpm build; `pnpm bench` builds first)
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ack } from './ack.mjs';
import { backfill } from './backfill.mjs';
import { expressThroughput } from './express-throughput.mjs';
import { lambdaBundle } from './lambda-bundle.mjs';
import { memory } from './memory.mjs';
import { SIZES, scale, scaleRows } from './scale.mjs';
import { LATENCY_MS, SEQUENTIAL_ROUND_TRIPS_TARGET, webhookSync } from './webhook-sync.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick') || process.env.BENCH_QUICK === '1';
const outIndex = args.indexOf('--out');
const out = outIndex >= 0 ? args[outIndex + 1] : fileURLToPath(new URL('./results.json', import.meta.url));
const onlyIndex = args.indexOf('--only');
const only = onlyIndex >= 0 ? new Set(args[onlyIndex + 1].split(',')) : undefined;

const benches = {
  webhookSync: () => webhookSync({ runs: quick ? 2 : 10 }),
  twoDestinations: () => webhookSync({ runs: quick ? 2 : 10, secondDestination: 'service' }),
  withIntervals: () => webhookSync({ runs: quick ? 2 : 10, secondDestination: 'intervals' }),
  ack: () => ack({ notifications: quick ? 50 : 200, users: quick ? 5 : 20, bursts: quick ? 1 : 3 }),
  backfill365: () => backfill({ days: quick ? 60 : 365 }),
  lambdaBundle: () => lambdaBundle({ runs: quick ? 3 : 10 }),
  expressThroughput: () => expressThroughput({ seconds: quick ? 1 : 4 }),
  memory: () =>
    memory(
      quick
        ? { webhooks: 2000, users: 20, warmUp: 1000, every: 500 }
        : { webhooks: 10_000, users: 100, warmUp: 1000, every: 1000 },
    ),
  scale: () => scale(quick ? SIZES.quick : SIZES.full),
};
if (only) for (const name of only) if (!benches[name]) throw new Error(`run.mjs: no bench ${name}`);
const results = {};
for (const [name, run] of Object.entries(benches)) if (!only || only.has(name)) results[name] = await run();

const kb = (bytes) => (bytes === undefined ? 'n/a' : `${Math.round(bytes / 1024)} KiB`);
const signed = (value) => (value >= 0 ? `+${value}` : `${value}`);
const {
  webhookSync: sync,
  twoDestinations: two,
  withIntervals,
  ack: acks,
  expressThroughput: express,
  memory: mem,
} = results;
// Targets are ratios measured in one run (or counts), so the machine's load cancels out. Those that
// hold for the full sizes only are left out of --quick: 50 webhooks are not 200, one second is no
// throughput run, 1 000 webhooks after warm-up are not 9 000.
const allRows = () => [
  [
    'webhookSync',
    'upstream calls per webhook sync, read-back included',
    sync.upstreamCalls,
    '≤ 4',
    (v) => v <= 4,
  ],
  [
    'webhookSync',
    'sequential round trips, read-back included',
    sync.sequentialRoundTrips,
    `≤ ${SEQUENTIAL_ROUND_TRIPS_TARGET}`,
    (v) => v <= SEQUENTIAL_ROUND_TRIPS_TARGET,
  ],
  [
    'webhookSync',
    `wall time, ${LATENCY_MS} ms per call (median of ${sync.runs})`,
    `${sync.wallMsMedian} ms`,
    '',
    null,
  ],
  [
    'webhookSync',
    `wall ÷ (${SEQUENTIAL_ROUND_TRIPS_TARGET} round trips × ${LATENCY_MS} ms)`,
    sync.wallRatioToLatencyFloor,
    `≤ ${sync.targetWallRatio}`,
    (v) => v <= sync.targetWallRatio,
  ],
  [
    'twoDestinations',
    'upstream calls with a second destination beside Garmin (Withings 1, Garmin 3, it 3)',
    two.upstreamCalls,
    '≤ 4 + 3',
    (v) => v <= 7,
  ],
  [
    'twoDestinations',
    'sequential round trips with both destinations: unchanged',
    two.sequentialRoundTrips,
    `≤ ${SEQUENTIAL_ROUND_TRIPS_TARGET}`,
    (v) => v <= SEQUENTIAL_ROUND_TRIPS_TARGET,
  ],
  [
    'withIntervals',
    'upstream calls with intervals.icu beside Garmin (athlete ∥ wellness read, one PUT)',
    withIntervals.upstreamCalls,
    '≤ 4 + 3',
    (v) => v <= 7,
  ],
  [
    'withIntervals',
    'sequential round trips with Garmin and intervals.icu: unchanged',
    withIntervals.sequentialRoundTrips,
    `≤ ${SEQUENTIAL_ROUND_TRIPS_TARGET}`,
    (v) => v <= SEQUENTIAL_ROUND_TRIPS_TARGET,
  ],
  [
    'ack',
    `p50 / p99, ${acks.bursts} × ${acks.notifications} concurrent webhooks for ${acks.users} users, upstream 1 s`,
    `${acks.p50Ms} ms / ${acks.p99Ms} ms`,
    '',
    null,
  ],
  [
    'ack',
    'floor p99: bare node:http / empty Express app, same bursts',
    `${acks.floor.nodeHttp.p99Ms} ms / ${acks.floor.express.p99Ms} ms`,
    '',
    null,
  ],
  [
    'ack',
    'p99 ÷ empty-Express floor p99',
    acks.p99RatioToExpressFloor,
    quick ? '' : `≤ ${acks.targetRatio}`,
    quick ? null : (v) => v <= acks.targetRatio,
  ],
  [
    'backfill365',
    `uploads for ${results.backfill365.weighIns} daily weigh-ins`,
    results.backfill365.uploadCalls,
    quick ? '' : '≤ 10',
    quick ? null : (v) => v <= 10,
  ],
  ['backfill365', 'wall time', `${results.backfill365.wallMs} ms`, '', null],
  [
    'lambdaBundle',
    'handler bundle (entry / whole artifact)',
    `${kb(results.lambdaBundle.entryBytes)} / ${kb(results.lambdaBundle.artifactBytes)}`,
    '',
    null,
  ],
  [
    'lambdaBundle',
    `init to the first /next (median of ${results.lambdaBundle.runs}): bundle / hello world / DynamoDBClient only`,
    `${results.lambdaBundle.bundle?.initMsMedian} / ${results.lambdaBundle.helloWorld?.initMsMedian} / ${results.lambdaBundle.dynamoOnly?.initMsMedian} ms`,
    '',
    null,
  ],
  [
    'lambdaBundle',
    'init ratio: bundle / DynamoDBClient only',
    results.lambdaBundle.initRatioToDynamoOnly,
    `≤ ${results.lambdaBundle.targetRatio}`,
    (v) => v <= results.lambdaBundle.targetRatio,
  ],
  // For reference only: this ratio is Express's cost, not wg-sync's.
  [
    'expressThroughput',
    'requests/s: express / bare node:http, same handler (reference)',
    `${express.expressRps} / ${express.bareNodeHttpRps} = ${express.ratio}`,
    '',
    null,
  ],
  [
    'expressThroughput',
    "bare node:http + Express's prototype swap only / bare (reference)",
    `${express.prototypeSwapRps} / ${express.bareNodeHttpRps} = ${express.prototypeSwapRatio}`,
    '',
    null,
  ],
  [
    'expressThroughput',
    'express / hand-written node:http (reference)',
    `${express.expressRps} / ${express.handWrittenRps} = ${express.ratioToHandWritten}`,
    '',
    null,
  ],
  [
    'memory',
    `RSS after GC, ${mem.webhooks} webhooks for ${mem.users} users: after ${mem.warmUp} / at the end`,
    `${mem.warmUpRssMiB} / ${mem.finalRssMiB} MiB (${signed(mem.rssGrowthMiB)} MiB, ${signed(mem.rssGrowthMiBPer1000)} per 1 000)`,
    '',
    null,
  ],
  [
    'memory',
    `heapUsed after GC: after ${mem.warmUp} / at the end`,
    `${mem.warmUpHeapUsedMiB} / ${mem.finalHeapUsedMiB} MiB (${signed(mem.heapUsedGrowthMiBPer1000)} MiB per 1 000)`,
    '',
    null,
  ],
  [
    'memory',
    'heapUsed ratio: at the end ÷ after warm-up',
    mem.heapUsedRatio,
    quick ? '' : `≤ ${mem.targetRatio}`,
    quick ? null : (v) => v <= mem.targetRatio,
  ],
];
// The rows before scale's read one another's results: with --only they are printed only when all of
// those benches ran; otherwise what ran is printed as it was measured.
const allRan = Object.keys(benches).every((name) => name === 'scale' || name in results);
const rows = [...(allRan ? allRows() : []), ...(results.scale ? scaleRows(results.scale, quick) : [])];
if (!allRan)
  for (const [name, result] of Object.entries(results))
    if (name !== 'scale') console.log(`${name}: ${JSON.stringify(result)}`);
const targets = rows
  .filter((row) => row[4])
  .map(([bench, metric, value, target, check]) => ({ bench, metric, value, target, met: check(value) }));

console.log(`\nwg-sync bench${quick ? ' (quick)' : ''} — Node ${process.version}, ${cpus().length} cores\n`);
if (rows.length > 0)
  console.table(
    rows.map(([bench, metric, value, target, check]) => ({
      bench,
      metric,
      value,
      target,
      met: check ? (check(value) ? 'yes' : 'NO') : '',
    })),
  );
writeFileSync(
  out,
  `${JSON.stringify({ generatedAt: new Date().toISOString(), quick, node: process.version, cores: cpus().length, results, targets }, null, 2)}\n`,
);
if (results.scale) {
  console.log(`\nscale: AWS cost arithmetic (prices ${results.scale.cost.prices.asOf}):`);
  for (const line of results.scale.cost.lines) console.log(`  ${line}`);
}
console.log(`results: ${out}`);
