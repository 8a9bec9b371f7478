// Micro-benchmark for @wg-sync/fit: encode time for 1 and 365 entries, and the cost of importing
// the package (Garmin's SDK profile is large). Reports numbers; it never fails on them.
// Run after `pnpm build`:  pnpm --filter @wg-sync/fit bench
import { execFileSync } from 'node:child_process';
import { encodeWeightFit } from '@wg-sync/fit';
import { Bench } from 'tinybench';

const start = Date.parse('2026-01-01T06:30:00Z');
const entry = (day) => ({
  timestamp: new Date(start + day * 86_400_000),
  weightKg: 80 + (day % 40) / 10,
  fatPercent: 21.5,
  hydrationPercent: 55.9,
  boneMassKg: 3.2,
  muscleMassKg: 60.1,
  bmi: 24.6,
});
const one = [entry(0)];
const year = Array.from({ length: 365 }, (_, day) => entry(day));

const bench = new Bench({ time: 1000 });
bench.add('encode 1 entry', () => encodeWeightFit(one));
bench.add('encode 365 entries', () => encodeWeightFit(year));
await bench.run();

const rows = bench.tasks.map((task) => {
  const { latency, throughput } = task.result;
  return {
    task: task.name,
    'mean ms': latency.mean.toFixed(3),
    'p99 ms': latency.p99.toFixed(3),
    'ops/s': Math.round(throughput.mean),
    samples: latency.samplesCount ?? task.runs,
  };
});

// Cold import in a fresh process each time, as a Lambda cold start would see it.
const script =
  "const t=performance.now();await import('@wg-sync/fit');process.stdout.write(String(performance.now()-t))";
const imports = Array.from({ length: 7 }, () =>
  Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: import.meta.dirname })),
).sort((a, b) => a - b);
rows.push({ task: 'import @wg-sync/fit (cold, median of 7)', 'mean ms': imports[3].toFixed(1) });

console.table(rows);
console.log(
  `encoded sizes: 1 entry ${encodeWeightFit(one).length} B, 365 entries ${encodeWeightFit(year).length} B`,
);
