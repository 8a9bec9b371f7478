// memory: whether the deployment keeps memory it should let go of, over many webhooks. The ack
// bench's world (the engine on a file store behind `wg-sync serve`'s Express server, simulators in a
// process of their own) takes `webhooks` valid notifications spread over `users` linked users, in
// rounds of `every`: before each round every user gets one new weigh-in, then the round's
// notifications arrive (each on a connection of its own, `CONCURRENCY` at a time, as Withings
// delivers them), then the syncs they started finish. After the warm-up and after every round the
// deployment, started with --expose-gc, reports its memory after full collections.
//
// The target is on heapUsed after GC: it counts what JavaScript still references, so a leak shows
// there byte for byte, while RSS also holds what V8 and the allocator keep for reuse (reported, not
// judged). Between warm-up and the end the heap may grow by `HEAP_TARGET_RATIO`: on a heap of about
// 20 MiB that is 2 MiB over 9 000 webhooks, about 220 bytes each, so retaining one request, response
// or report per webhook (kilobytes) crosses it several times over, while the heap's drift from
// sample to sample after warm-up (code V8 optimises later, its caches) measured ±0.4 MiB, 2 %.
import { fileURLToPath } from 'node:url';
import { notificationRequest, post, start } from './ack.mjs';
import { round } from './world.mjs';

const WORLD = fileURLToPath(new URL('./ack-world.mjs', import.meta.url));
const SIMS = fileURLToPath(new URL('./ack-sims.mjs', import.meta.url));
const CONCURRENCY = 20;
/** Final heapUsed ÷ heapUsed after warm-up, both after full GCs. */
const HEAP_TARGET_RATIO = 1.1;
const MIB = 1024 * 1024;

/**
 * @param {{ webhooks: number, users: number, warmUp: number, every: number, deadlineMs?: number }} options
 *   `warmUp` and `webhooks` are multiples of `every`; past `deadlineMs` the children are killed.
 */
export async function memory({ webhooks, users, warmUp, every, deadlineMs = 300_000 }) {
  if (warmUp % every !== 0 || webhooks % every !== 0 || webhooks <= warmUp)
    throw new Error('memory: webhooks and warmUp must be multiples of every, and webhooks > warmUp');
  const sims = start(SIMS, [String(users)]);
  let world;
  let deadline;
  let late = false;
  const expired = new Promise((_, reject) => {
    deadline = setTimeout(() => {
      late = true;
      world?.kill();
      sims.kill();
      reject(new Error(`memory: no result within ${deadlineMs} ms`));
    }, deadlineMs);
  });
  try {
    return await Promise.race([
      expired,
      (async () => {
        const { setup } = await sims.ready;
        if (late) return undefined; // killed while it started: no deployment to leave behind
        world = start(WORLD, [], { setup }, { execArgv: [...process.execArgv, '--expose-gc'] });
        return run(sims, world, { webhooks, users, warmUp, every });
      })(),
    ]);
  } finally {
    clearTimeout(deadline);
    await Promise.all([world?.close(), sims.close()]);
  }
}

async function run(sims, world, { webhooks, users, warmUp, every }) {
  const t0 = performance.now();
  const { callbackUrl, userIds } = await world.ready;
  const url = new URL(callbackUrl);
  const statuses = {};
  const samples = [];
  for (let sent = 0, r = 0; sent < webhooks; r += 1) {
    await sims.request({ weighIns: r });
    const now = Math.floor(Date.now() / 1000);
    const requests = Array.from({ length: every }, (_, i) =>
      notificationRequest(url, userIds[(sent + i) % users], { start: now - 60, end: now }),
    );
    for (const { status } of await pool(requests, (bytes) => post(url, bytes), CONCURRENCY))
      statuses[status] = (statuses[status] ?? 0) + 1;
    sent += every;
    await world.request('drain');
    if (sent < warmUp) continue;
    const usage = await world.request('sample');
    if (usage.error) throw new Error(`memory: ${usage.error}`);
    samples.push({
      webhooks: sent,
      rssMiB: round(usage.rss / MIB, 2),
      heapUsedMiB: round(usage.heapUsed / MIB, 2),
    });
  }
  const { uploads } = await sims.request('uploads');
  const [first, last] = [samples[0], samples.at(-1)];
  const perThousand = (key) => round(slope(samples, key) * 1000, 3);
  const heapUsedRatio = round(last.heapUsedMiB / first.heapUsedMiB, 3);
  return {
    webhooks,
    users,
    warmUp,
    every,
    statuses,
    // One per user and round when every round's weigh-ins reached Garmin: the syncs did their work.
    uploads,
    rounds: webhooks / every,
    wallMs: round(performance.now() - t0),
    warmUpRssMiB: first.rssMiB,
    finalRssMiB: last.rssMiB,
    rssGrowthMiB: round(last.rssMiB - first.rssMiB, 2),
    rssGrowthMiBPer1000: perThousand('rssMiB'),
    warmUpHeapUsedMiB: first.heapUsedMiB,
    finalHeapUsedMiB: last.heapUsedMiB,
    heapUsedGrowthMiBPer1000: perThousand('heapUsedMiB'),
    heapUsedRatio,
    targetRatio: HEAP_TARGET_RATIO,
    withinTarget: heapUsedRatio <= HEAP_TARGET_RATIO,
    samples,
  };
}

/** Runs `work` on every item, at most `limit` at once; the results in the items' order. */
async function pool(items, work, limit) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Least-squares slope of `key` over `webhooks` (MiB per webhook); 0 with a single sample. */
export function slope(samples, key) {
  if (samples.length < 2) return 0;
  const n = samples.length;
  const mx = samples.reduce((sum, s) => sum + s.webhooks, 0) / n;
  const my = samples.reduce((sum, s) => sum + s[key], 0) / n;
  let num = 0;
  let den = 0;
  for (const s of samples) {
    num += (s.webhooks - mx) * (s[key] - my);
    den += (s.webhooks - mx) ** 2;
  }
  return num / den;
}
