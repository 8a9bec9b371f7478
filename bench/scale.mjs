// scale: one deployment with 10 000 accounts (issue 19 §4). The scenario (scale-run.mjs) runs in a
// child process started with --expose-gc, on a virtual clock; this file starts it, turns what it
// counted into the figures and the cost, and runs standalone:
//
//   node bench/scale.mjs [--quick] [--out <file>]     (after pnpm build)
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { monthlyCost } from './scale-cost.mjs';
import { BUDGET_PER_MINUTE, LATENCY_MS } from './scale-run.mjs';
import { percentile, round } from './world.mjs';

const SELF = fileURLToPath(import.meta.url);
/** The scheduled invocation (listing + sends of one 15-minute window) for every account. */
export const ENQUEUE_TARGET_MS = 5000;
/** Webhook-to-verified p99 while the reconcile runs ÷ the same on an idle deployment. */
export const LATENCY_TARGET_RATIO = 1.5;

export const SIZES = {
  full: { accounts: 10_000, historyDays: 14, idleWebhooks: 200, loadedWebhooks: 1000, lostShare: 0.05 },
  quick: { accounts: 1000, historyDays: 14, idleWebhooks: 50, loadedWebhooks: 200, lostShare: 0.05 },
};

/** Runs the scenario in a child process and returns its figures; past `deadlineMs` the child is killed. */
export async function scale({ deadlineMs = 900_000, ...size } = SIZES.full) {
  const t0 = performance.now();
  const raw = await child(size, deadlineMs);
  return { ...summarize(raw), realSeconds: round((performance.now() - t0) / 1000) };
}

function child(size, deadlineMs) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--expose-gc', SELF, '--child', JSON.stringify(size)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.on('data', (chunk) => {
      out += chunk;
    });
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`scale: no result within ${deadlineMs} ms`));
    }, deadlineMs);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(JSON.parse(out));
      else reject(new Error(`scale: the scenario exited with ${code}`));
    });
  });
}

/** The figures of issue 19 §4 from what the scenario counted. */
export function summarize(raw) {
  const { window: win, idle, accounts } = raw;
  const tickMs = win.ticks.map((t) => t.realMs + t.virtualMs);
  const mean = (values) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
  const idleP99 = percentile(idle.latenciesMs, 99);
  const loadedP99 = percentile(win.loadedLatenciesMs, 99);
  const webhooks = win.loadedLatenciesMs.length;
  const perWebhook = {
    cpuMs: idle.counts.cpuMs / idle.latenciesMs.length,
    rru: idle.counts.rru / idle.latenciesMs.length,
    wru: idle.counts.wru / idle.latenciesMs.length,
  };
  const ticksRealMs = win.ticks.reduce((sum, t) => sum + t.realMs, 0);
  const reconciles = Math.max(1, win.reconcileMs.length);
  const perReconcile = {
    cpuMs: Math.max(0, win.counts.cpuMs - webhooks * perWebhook.cpuMs - ticksRealMs) / reconciles,
    rru: (win.counts.rru - win.counts.listRru - webhooks * perWebhook.rru) / reconciles,
    wru: (win.counts.wru - webhooks * perWebhook.wru) / reconciles,
  };
  const memory = raw.memory;
  const cost = monthlyCost({
    accounts,
    stateBytesPerAccount: raw.stateBytesPerAccount,
    tick: {
      lambdaMs: mean(tickMs),
      invocations: 1,
      sqs: Math.ceil(mean(win.ticks.map((t) => t.enqueued)) / 10),
      rru: mean(win.ticks.map((t) => t.rru)),
      wru: 0,
    },
    // On SQS a message is received and deleted (one request each: at ~30 messages a minute a
    // receive seldom finds more than one); its send is the tick's.
    reconcile: {
      lambdaMs: mean(win.reconcileMs) + perReconcile.cpuMs,
      invocations: 1,
      sqs: 2,
      rru: perReconcile.rru,
      wru: perReconcile.wru,
    },
    // The ack (API Gateway → Lambda) sends it to SQS; the queue's Lambda syncs it.
    webhook: {
      lambdaMs: mean(idle.latenciesMs) + perWebhook.cpuMs,
      invocations: 2,
      sqs: 3,
      rru: perWebhook.rru,
      wru: perWebhook.wru,
      api: 1,
    },
  });
  return {
    accounts,
    latencyMs: LATENCY_MS,
    budgetPerMinute: BUDGET_PER_MINUTE,
    enqueue: {
      ticks: win.ticks.length,
      enqueued: win.ticks.reduce((sum, t) => sum + t.enqueued, 0),
      enqueuedPerTick: round(mean(win.ticks.map((t) => t.enqueued))),
      listedPerTick: Math.max(...win.ticks.map((t) => t.listed)),
      realMsMax: round(Math.max(...win.ticks.map((t) => t.realMs))),
      realMsMedian: round(
        percentile(
          win.ticks.map((t) => t.realMs),
          50,
        ),
      ),
      storeWaitMs: Math.max(...win.ticks.map((t) => t.virtualMs)),
      totalMsMax: round(Math.max(...tickMs)),
      targetMs: ENQUEUE_TARGET_MS,
      fullEnumeration: {
        accounts: raw.enumeration.accounts,
        realMs: round(raw.enumeration.realMs),
        storeWaitMs: raw.enumeration.virtualMs,
      },
    },
    window: {
      start: win.start,
      reconciled: win.reconciled,
      reconciledInWindow: win.reconciledInWindow,
      lateMsMax: win.lateMsMax,
      failures: win.failures.length + win.deadLetters.length,
      failureCodes: [...win.failures, ...win.deadLetters].slice(0, 10),
      drainedMsAfterWindow: win.overrunMs,
      reconcileMsMedian: round(percentile(win.reconcileMs, 50)),
      reconcileMsP99: round(percentile(win.reconcileMs, 99)),
      withingsCalls: win.withingsCalls,
      peakWithingsPerMinute: win.peakWithingsPerMinute,
      refused601: win.refused601,
      budgetRefusals: raw.logs.window?.warn['withings.budget.refused'] ?? 0,
      lostWeighIns: win.lost,
      lostWeighInsFound: win.lostFound,
      warnings: raw.logs.window?.warn ?? {},
      errors: raw.logs.window?.error ?? {},
    },
    webhooks: {
      idle: idle.latenciesMs.length,
      loaded: webhooks,
      idleP50Ms: percentile(idle.latenciesMs, 50),
      idleP99Ms: idleP99,
      loadedP50Ms: percentile(win.loadedLatenciesMs, 50),
      loadedP99Ms: loadedP99,
      p99Ratio: round(loadedP99 / idleP99, 2),
      targetRatio: LATENCY_TARGET_RATIO,
    },
    memory: {
      maxRssMiB: round(raw.maxRssMiB),
      samples: memory.map((s) => ({ ...s, rssMiB: round(s.rssMiB), heapUsedMiB: round(s.heapUsedMiB) })),
      rssMiBPer1000: round(slope(memory, 'rssMiB') * 1000, 2),
      heapUsedMiBPer1000: round(slope(memory, 'heapUsedMiB') * 1000, 2),
      stateBytesPerAccount: Math.round(raw.stateBytesPerAccount),
    },
    perOperation: {
      reconcile: { ...roundAll(perReconcile), waitMsMean: round(mean(win.reconcileMs)) },
      webhook: { ...roundAll(perWebhook), waitMsMean: round(mean(idle.latenciesMs)) },
      primingCpuMsPerAccount: round(raw.primingCpuMs / accounts),
    },
    cost,
    clockJumps: raw.clockJumps,
  };
}

/** Least-squares slope of `key` over `accounts`. */
function slope(samples, key) {
  if (samples.length < 2) return 0;
  const mx = samples.reduce((s, p) => s + p.accounts, 0) / samples.length;
  const my = samples.reduce((s, p) => s + p[key], 0) / samples.length;
  const num = samples.reduce((s, p) => s + (p.accounts - mx) * (p[key] - my), 0);
  const den = samples.reduce((s, p) => s + (p.accounts - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

const roundAll = (object) => Object.fromEntries(Object.entries(object).map(([k, v]) => [k, round(v, 2)]));

/** The table rows `run.mjs` prints: [bench, metric, value, target, check]. */
export function scaleRows(s, quick) {
  const e = s.enqueue;
  const w = s.window;
  const h = s.webhooks;
  return [
    [
      'scale',
      `scheduled invocation: list ${e.listedPerTick} accounts, enqueue ~${e.enqueuedPerTick} (worst of ${e.ticks}; CPU + ${LATENCY_MS.store} ms per store page)`,
      `${e.realMsMax} + ${e.storeWaitMs} = ${e.totalMsMax} ms`,
      `≤ ${ENQUEUE_TARGET_MS} ms`,
      () => e.totalMsMax <= ENQUEUE_TARGET_MS,
    ],
    [
      'scale',
      `full enumeration of ${e.fullEnumeration.accounts} accounts (listPages, CPU + store waits)`,
      `${e.fullEnumeration.realMs} + ${e.fullEnumeration.storeWaitMs} ms`,
      '',
      null,
    ],
    [
      'scale',
      `accounts reconciled before their next slot / in all (failed; worst slot-to-done; queue empty after the 6-hour window)`,
      `${w.reconciledInWindow} / ${w.reconciled} of ${s.accounts} (${w.failures} failed; ${round(w.lateMsMax / 1000)} s; +${round(w.drainedMsAfterWindow / 60_000)} min)`,
      'all, 0 failed',
      () => w.reconciledInWindow === s.accounts && w.failures === 0,
    ],
    [
      'scale',
      `peak Withings calls per minute (${w.withingsCalls} calls; 601s ${w.refused601}; held back ${w.budgetRefusals})`,
      w.peakWithingsPerMinute,
      `≤ ${BUDGET_PER_MINUTE}`,
      () => w.peakWithingsPerMinute <= BUDGET_PER_MINUTE,
    ],
    [
      'scale',
      `webhook-to-verified p50 / p99: idle (${h.idle}) / during the reconcile (${h.loaded})`,
      `${h.idleP50Ms} / ${h.idleP99Ms} ms, ${h.loadedP50Ms} / ${h.loadedP99Ms} ms`,
      '',
      null,
    ],
    [
      'scale',
      'webhook p99 during the reconcile ÷ idle',
      h.p99Ratio,
      quick ? '' : `≤ ${LATENCY_TARGET_RATIO}`,
      quick ? null : () => h.p99Ratio <= LATENCY_TARGET_RATIO,
    ],
    [
      'scale',
      `memory: peak RSS; after GC per 1 000 accounts RSS / heapUsed (engine, memory store, both simulators)`,
      `${s.memory.maxRssMiB} MiB; +${s.memory.rssMiBPer1000} / +${s.memory.heapUsedMiBPer1000} MiB`,
      '',
      null,
    ],
    [
      'scale',
      'AWS cost per 1 000 accounts per month (us-east-1, list prices)',
      `$${s.cost.usd.total.toFixed(2)}`,
      '',
      null,
    ],
  ];
}

if (process.argv[2] === '--child') {
  const { runScale } = await import('./scale-run.mjs');
  const result = await runScale(JSON.parse(process.argv[3]));
  process.stdout.write(JSON.stringify(result));
} else if (process.argv[1] === SELF) {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const outIndex = args.indexOf('--out');
  const result = await scale(quick ? SIZES.quick : SIZES.full);
  console.log(
    `\nwg-sync bench scale${quick ? ' (quick)' : ''} — Node ${process.version}, ${cpus().length} cores\n`,
  );
  console.table(
    scaleRows(result, quick).map(([bench, metric, value, target, check]) => ({
      bench,
      metric,
      value,
      target,
      met: check ? (check() ? 'yes' : 'NO') : '',
    })),
  );
  console.log(`\ncost arithmetic (prices ${result.cost.prices.asOf}):`);
  for (const line of result.cost.lines) console.log(`  ${line}`);
  if (outIndex >= 0) writeFileSync(args[outIndex + 1], `${JSON.stringify(result, null, 2)}\n`);
}
