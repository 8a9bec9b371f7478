// pnpm bench: measures what wg-sync promises about speed against the simulators with injected latency,
// prints a table and writes bench/results.json. Targets are reported, never asserted: numbers on a
// shared 2-core machine are not pass/fail material, trends are.
//
//   node bench/run.mjs [--quick] [--out <file>]      (after pnpm build; `pnpm bench` builds first)
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ack } from './ack.mjs';
import { backfill } from './backfill.mjs';
import { expressThroughput } from './express-throughput.mjs';
import { lambdaBundle } from './lambda-bundle.mjs';
import { webhookSync } from './webhook-sync.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick') || process.env.BENCH_QUICK === '1';
const outIndex = args.indexOf('--out');
const out = outIndex >= 0 ? args[outIndex + 1] : fileURLToPath(new URL('./results.json', import.meta.url));

const results = {
  webhookSync: await webhookSync({ runs: quick ? 2 : 10 }),
  ack: await ack({ notifications: quick ? 50 : 200, users: quick ? 5 : 20, bursts: quick ? 1 : 3 }),
  backfill365: await backfill({ days: quick ? 60 : 365 }),
  lambdaBundle: await lambdaBundle({ runs: quick ? 3 : 10 }),
  expressThroughput: await expressThroughput({ seconds: quick ? 1 : 4 }),
};

const kb = (bytes) => (bytes === undefined ? 'n/a' : `${Math.round(bytes / 1024)} KiB`);
const rows = [
  ['webhookSync', 'upstream calls per webhook sync', results.webhookSync.upstreamCalls, '≤ 4', (v) => v <= 4],
  ['webhookSync', 'sequential round trips', results.webhookSync.sequentialRoundTrips, '≤ 3', (v) => v <= 3],
  ['webhookSync', 'wall time, 50 ms per call (median)', `${results.webhookSync.wallMsMedian} ms`, '', null],
  [
    'ack',
    `p50, ${results.ack.bursts} × ${results.ack.notifications} concurrent webhooks for ${results.ack.users} users, upstream 1 s`,
    `${results.ack.p50Ms} ms`,
    '',
    null,
  ],
  // Targets hold for the full sizes only: 50 webhooks are not 200, and one second is no throughput run.
  ['ack', 'p99', results.ack.p99Ms, quick ? '' : '≤ 50 ms', quick ? null : (v) => v <= 50],
  [
    'ack',
    'floor p99: bare node:http / empty Express app, same bursts',
    `${results.ack.floor.nodeHttp.p99Ms} ms / ${results.ack.floor.express.p99Ms} ms`,
    '',
    null,
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
  [
    'expressThroughput',
    'requests/s: express / bare node:http, same handler',
    `${results.expressThroughput.expressRps} / ${results.expressThroughput.bareNodeHttpRps}`,
    '',
    null,
  ],
  [
    'expressThroughput',
    'ratio',
    results.expressThroughput.ratio,
    quick ? '' : '≥ 0.7',
    quick ? null : (v) => v >= 0.7,
  ],
  [
    'expressThroughput',
    "for reference: bare node:http + Express's prototype swap only / bare",
    `${results.expressThroughput.prototypeSwapRps} / ${results.expressThroughput.bareNodeHttpRps} = ${results.expressThroughput.prototypeSwapRatio}`,
    '',
    null,
  ],
  [
    'expressThroughput',
    'for reference: express / hand-written node:http',
    `${results.expressThroughput.expressRps} / ${results.expressThroughput.handWrittenRps} = ${results.expressThroughput.ratioToHandWritten}`,
    '',
    null,
  ],
];
const targets = rows
  .filter((row) => row[4])
  .map(([bench, metric, value, target, check]) => ({ bench, metric, value, target, met: check(value) }));

console.log(`\nwg-sync bench${quick ? ' (quick)' : ''} — Node ${process.version}, ${cpus().length} cores\n`);
console.table(
  rows.map(([bench, metric, value, target, check]) => ({
    bench,
    metric,
    value: typeof value === 'number' && (target.endsWith('ms') || bench === 'ack') ? `${value} ms` : value,
    target,
    met: check ? (check(value) ? 'yes' : 'NO') : '',
  })),
);
writeFileSync(
  out,
  `${JSON.stringify({ generatedAt: new Date().toISOString(), quick, node: process.version, cores: cpus().length, results, targets }, null, 2)}\n`,
);
console.log(`results: ${out}`);
