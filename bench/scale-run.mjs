// The scale bench's scenario, run in a process of its own (`scale.mjs` spawns it with --expose-gc):
// `accounts` linked accounts with a weigh-in history, against both simulators on 127.0.0.1, on a
// virtual clock (scale-clock.mjs). Phases:
//   1. setup: Withings users and Garmin accounts, tokens issued by the simulators, accounts linked,
//      `historyDays` daily weigh-ins in Withings and (synced before) in Garmin;
//   2. priming: every account's first reconcile (subscribes its webhook, first sync), through the
//      Withings budget, so the window below sees the steady state (cursors, subscriptions);
//   3. idle: `idleWebhooks` webhooks, 30 s apart, nothing else running;
//   4. the 6-hour window: the 15-minute tick (`enqueueDueReconciles`) 24 times, every account's
//      reconcile at its slot through the in-process queue, `loadedWebhooks` webhooks spread over it,
//      and weigh-ins of `lostShare` of the accounts whose webhook never came (reconcile must find them).
import { createServer } from 'node:http';
import { createSync, inProcessQueue, listPages, memoryStore, reconcileSlot } from '@wg-sync/core';
import { startGarminSim, startWithingsSim } from '@wg-sync/testkit';
import { virtualTime } from './scale-clock.mjs';
import { countedStore, latentFetch, peakPerMinute } from './scale-counted.mjs';

const TIME_ZONE = 'Europe/Berlin';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const INTERVAL = 6 * HOUR;
/** Injected before every upstream call (issue 19 §4), and before every store operation (DynamoDB's order). */
export const LATENCY_MS = { withings: 150, garmin: 200, store: 5 };
export const BUDGET_PER_MINUTE = 120;
const SECRET = 'scale-bench-webhook-secret-6f1c2a9e4b7d3058';
const START = Date.parse('2026-11-30T00:00:00Z');

export async function runScale({ accounts, historyDays, idleWebhooks, loadedWebhooks, lostShare }) {
  const time = virtualTime(START);
  const head = await headServer(time);
  const withings = await startWithingsSim({ appRateLimit: { perMinute: BUDGET_PER_MINUTE } });
  const emails = Array.from({ length: accounts }, (_, i) => `scale${i}@example.com`);
  const garmin = await startGarminSim({
    accounts: emails.map((email, i) => ({
      email,
      password: `pw-scale-${i}-0123456789`,
      timeZone: TIME_ZONE,
    })),
  });
  const w = { calls: [], phase: 'setup', logs: {} };
  const store = countedStore(memoryStore(), { sleep: time.sleep, latencyMs: LATENCY_MS.store });
  const timings = {
    reconcileMs: [],
    reconciled: new Set(),
    inWindow: 0,
    lateMs: [],
    failures: [],
    deadLetters: [],
  };
  const logger = countingLogger(w);
  let sync;
  const queue = inProcessQueue({
    run: async (message) => {
      const t0 = Date.now();
      const outcome = await sync.work.run(message);
      if (message.kind === 'reconcile' && w.phase === 'window') {
        timings.reconcileMs.push(Date.now() - t0);
        if (outcome.ok) timings.reconciled.add(message.userId);
        // An account is due again at its slot in the next interval: done before then, it went no
        // longer than the interval without a reconcile (a slot at 5:59 finishes after 6:00, in time).
        const slot = w.windowStart + reconcileSlot(message.userId, INTERVAL);
        timings.lateMs.push(Date.now() - slot);
        if (outcome.ok && Date.now() < slot + INTERVAL) timings.inWindow += 1;
        for (const report of outcome.ok ? outcome.reports : [])
          for (const f of report.failed) timings.failures.push(`${message.userId}:${f.code}`);
      }
      return outcome;
    },
    concurrency: 4,
    log: logger,
    onDeadLetter: ({ message, outcome }) => timings.deadLetters.push(`${message.userId}:${outcome.code}`),
  });
  sync = createSync({
    withings: { clientId: withings.clientId, clientSecret: withings.clientSecret, baseUrl: withings.url },
    garmin: { urls: garmin.urls },
    store,
    publicUrl: head.url,
    webhookSecret: SECRET,
    logger,
    fetch: latentFetch({
      io: time.io,
      sleep: time.sleep,
      latencyMs: (url) => (url.startsWith(withings.url) ? LATENCY_MS.withings : LATENCY_MS.garmin),
      onCall: (url) => w.phase === 'window' && url.startsWith(withings.url) && w.calls.push(Date.now()),
    }),
    // As the webhookSync bench: the simulator files uploads at once, so read-back's first 1.5 s pause
    // would only add a constant to both latencies compared below.
    readBack: { attempts: 3, delayMs: 0 },
    withingsBudgetPerMinute: BUDGET_PER_MINUTE,
    queue,
    reconcileIntervalHours: INTERVAL / HOUR,
  });

  const people = await setup({ sync, store, withings, garmin, emails, historyDays });
  await subscribe({ sync, time, people, callbackUrl: `${head.url}/webhook/withings/${SECRET}` });
  const memory = [];
  const cpu0 = process.cpuUsage();
  w.phase = 'priming';
  await prime({ sync, time, people, memory });
  const primingCpuMs = cpuMs(cpu0);
  truncate(withings, garmin);

  const webhook = webhookSender({ sync, withings });
  let next = 0;
  const pick = () => people[(next++ * 7919) % people.length];

  // A first webhook loads what only uploads use (the FIT encoder's chunk): real file reads the virtual
  // clock does not see, so it is not measured.
  await webhook(people.at(-1));
  // 3. idle
  store.reset();
  const idleCpu0 = process.cpuUsage();
  const idleStart = Date.now() + 2 * MINUTE;
  const idle = await Promise.all(
    Array.from({ length: idleWebhooks }, (_, i) => at(idleStart + i * 30_000, () => webhook(pick()))),
  );
  const idleCounts = { ...store.counts, cpuMs: cpuMs(idleCpu0) };
  truncate(withings, garmin);

  // 4. the window, at the next interval's start after the lost weigh-ins had an hour to arrive
  const windowStart = Math.ceil((Date.now() + HOUR) / INTERVAL) * INTERVAL;
  const lost = people.filter((_, i) => i % Math.round(1 / lostShare) === 1);
  await at(windowStart - HOUR, () => {
    for (const p of lost) p.lostGrams = addWeighIn(withings, p, Date.now() - 10 * MINUTE, 1);
  });
  await at(windowStart, () => undefined);
  store.reset();
  w.phase = 'window';
  w.windowStart = windowStart;
  const refused0 = withings.rateStats.refused;
  const windowCpu0 = process.cpuUsage();
  const ticks = [];
  const ticking = (async () => {
    for (let k = 0; k < INTERVAL / (15 * MINUTE); k += 1) {
      await at(windowStart + k * 15 * MINUTE, () => undefined);
      const before = { ...store.counts };
      const t0 = Date.now();
      const r0 = performance.now();
      const report = await sync.work.enqueueDueReconciles();
      ticks.push({
        ...report,
        realMs: performance.now() - r0,
        virtualMs: Date.now() - t0,
        listPages: store.counts.listPage - before.listPage,
        rru: store.counts.listRru - before.listRru,
      });
      truncate(withings, garmin);
    }
  })();
  const loaded = await Promise.all(
    Array.from({ length: loadedWebhooks }, (_, i) =>
      at(windowStart + ((i + 0.5) * INTERVAL) / loadedWebhooks, () => webhook(pick())),
    ),
  );
  await ticking;
  await at(windowStart + INTERVAL, () => undefined);
  const windowEndedAt = Date.now();
  await queue.drain();
  const drainedAt = Date.now();
  const windowCounts = { ...store.counts, cpuMs: cpuMs(windowCpu0) };
  w.phase = 'done';
  const lostFound = lost.filter((p) => garmin.weighIns(p.email).some((g) => g.weight === p.lostGrams)).length;

  // A full enumeration of the accounts, as listPages gives them (what a tick reads).
  const e0 = performance.now();
  const v0 = Date.now();
  let enumerated = 0;
  for await (const page of listPages(store, 'account/')) enumerated += page.entries.length;
  const enumeration = { accounts: enumerated, realMs: performance.now() - e0, virtualMs: Date.now() - v0 };
  const stateBytes = (await store.list('')).reduce(
    (sum, e) => sum + e.key.length + JSON.stringify(e.value).length,
    0,
  );
  const result = {
    accounts,
    historyDays,
    lostShare,
    primingCpuMs,
    memory,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    stateBytesPerAccount: stateBytes / accounts,
    idle: { latenciesMs: idle, counts: idleCounts },
    window: {
      start: new Date(windowStart).toISOString(),
      overrunMs: drainedAt - windowEndedAt,
      reconciled: timings.reconciled.size,
      reconciledInWindow: timings.inWindow,
      lateMsMax: Math.max(0, ...timings.lateMs),
      failures: timings.failures,
      deadLetters: timings.deadLetters,
      reconcileMs: timings.reconcileMs,
      withingsCalls: w.calls.length,
      peakWithingsPerMinute: peakPerMinute(w.calls),
      refused601: withings.rateStats.refused - refused0,
      ticks,
      loadedLatenciesMs: loaded,
      counts: windowCounts,
      lost: lost.length,
      lostFound,
    },
    enumeration,
    logs: w.logs,
    clockJumps: time.jumps,
  };
  await time.stop();
  await Promise.all([withings.close(), garmin.close(), new Promise((resolve) => head.server.close(resolve))]);
  return result;
}

/** Users, tokens, links and history; the store's latency is off meanwhile (not measured). */
async function setup({ sync, store, withings, garmin, emails, historyDays }) {
  store.latency = false;
  const people = emails.map((email, i) => ({ email, i, userId: withings.addUser({ timeZone: TIME_ZONE }) }));
  for (let i = 0; i < people.length; i += 50)
    await Promise.all(
      people.slice(i, i + 50).map((p) =>
        sync.accounts.link({
          withings: withings.issueTokens(p.userId),
          garmin: garmin.issueTokens(p.email),
          timeZone: TIME_ZONE,
        }),
      ),
    );
  for (const p of people)
    for (let d = historyDays; d >= 1; d -= 1) {
      const takenAt = START - d * DAY + 7 * HOUR + (p.i % 600) * 1000;
      const weightKg = 60 + (p.i % 40) + ((d * 37) % 10) / 10;
      withings.addWeighIn(p.userId, {
        takenAt: new Date(takenAt),
        weightKg,
        fatPercent: 21,
        notify: false,
        arrivedAt: new Date(takenAt + MINUTE),
      });
      garmin.addWeighIn(p.email, { timestamp: new Date(takenAt), weightKg, fatPercent: 21 });
    }
  store.latency = true;
  store.reset();
  return people;
}

/**
 * Every account's webhook subscription, as `wg-sync` makes it when an account is linked (without it
 * the first reconcile re-subscribes each one and says so in a warning and an alert).
 */
async function subscribe({ sync, time, people, callbackUrl }) {
  const one = async (p) => {
    for (;;) {
      try {
        const client = await sync.withingsClient(p.userId);
        return await client.notify.subscribe({ callbackUrl, appli: 1, comment: 'wg-sync' });
      } catch (error) {
        // The Withings budget held the call back: wait as it says, as a person would.
        if (error?.code !== 'RATE_LIMITED') throw error;
        await time.sleep(error.retryAfterMs ?? 10_000);
      }
    }
  };
  for (let i = 0; i < people.length; i += 4) await Promise.all(people.slice(i, i + 4).map(one));
}

/** Every account's first reconcile, 2 at a time, through the budget; RSS and heap after GC every tenth. */
async function prime({ sync, time, people, memory }) {
  let done = 0;
  let finished = 0;
  const every = Math.max(10, Math.round(people.length / 10));
  const worker = async () => {
    for (let p = people[done]; done < people.length; p = people[done]) {
      done += 1;
      for (let attempt = 1; ; attempt += 1) {
        const outcome = await sync.work.run({ v: 1, kind: 'reconcile', userId: p.userId });
        if (outcome.ok && outcome.reports.every((r) => r.failed.length === 0)) break;
        if (attempt === 10) throw new Error(`scale: priming ${p.userId} kept failing`);
        await time.sleep(30_000);
      }
      finished += 1;
      if (finished % every === 0) memory.push(sample(finished));
    }
  };
  await Promise.all(Array.from({ length: 2 }, worker));
}

function sample(accounts) {
  globalThis.gc?.();
  globalThis.gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  return { accounts, rssMiB: rss / 2 ** 20, heapUsedMiB: heapUsed / 2 ** 20 };
}

/** Puts a new weigh-in on the scale (no notification); its weight tells it apart in Garmin. */
function addWeighIn(withings, person, takenAt, salt) {
  const weightKg = 100 + (person.i % 50) + salt / 10;
  withings.addWeighIn(person.userId, { takenAt: new Date(takenAt), weightKg, fatPercent: 22, notify: false });
  return Math.round(weightKg * 1000);
}

/**
 * A webhook as Withings sends it, to the engine's handler; resolves with the ms to the verified sync,
 * whose report is the one the ack hands to `waitUntil`.
 */
function webhookSender({ sync, withings }) {
  let salt = 2;
  return async (person) => {
    const now = Date.now();
    salt += 1;
    addWeighIn(withings, person, now - 30_000, salt % 9);
    let synced;
    const t0 = Date.now();
    const body = new URLSearchParams({
      userid: person.userId,
      appli: '1',
      startdate: String(Math.floor((now - 40_000) / 1000)),
      enddate: String(Math.floor(now / 1000)),
    });
    const response = await sync.handler(
      new Request(`http://127.0.0.1/webhook/withings/${SECRET}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      }),
      {
        waitUntil: (promise) => {
          synced = promise;
        },
      },
    );
    if (response.status !== 200) throw new Error(`scale: webhook answered ${response.status}`);
    const report = await synced;
    if (!report || report.synced.length === 0) throw new Error('scale: the webhook synced nothing');
    if (report.failed.length > 0) throw new Error(`scale: webhook sync failed ${report.failed[0].code}`);
    return Date.now() - t0;
  };
}

/** Runs `task` at virtual instant `when` (now if past). */
function at(when, task) {
  return new Promise((resolve, reject) =>
    setTimeout(() => Promise.resolve().then(task).then(resolve, reject), Math.max(0, when - Date.now())),
  );
}

/** The public URL Withings checks with HEAD when the engine subscribes a webhook. */
async function headServer(time) {
  const server = createServer((_req, res) => res.writeHead(200).end());
  await time.io(() => new Promise((resolve) => server.listen(0, '127.0.0.1', resolve)));
  return { server, url: `http://127.0.0.1:${server.address().port}` };
}

/** The simulators' request logs grow with every call: dropped between phases (counts are kept here). */
function truncate(withings, garmin) {
  withings.requests.length = 0;
  garmin.requests.length = 0;
}

/** Counts warn and error lines by phase and event (`logs.window.warn['withings.budget.refused']`). */
function countingLogger(w) {
  const count = (level) => (event) => {
    w.logs[w.phase] ??= { warn: {}, error: {} };
    const phase = w.logs[w.phase];
    phase[level][event] = (phase[level][event] ?? 0) + 1;
  };
  return {
    debug() {},
    info() {},
    warn: count('warn'),
    error: count('error'),
    isLevelEnabled: (level) => level === 'warn' || level === 'error',
  };
}

function cpuMs(since) {
  const { user, system } = process.cpuUsage(since);
  return (user + system) / 1000;
}
