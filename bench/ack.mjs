// ack: how fast the webhook is acknowledged when many notifications arrive at once and the upstream
// APIs are slow (1 s per call). Withings drops subscriptions whose endpoint takes over 2 s, so the
// answer must never wait for Withings or Garmin.
//
// The deployment runs in a child process; this process only sends the notifications and times the
// answers. Each notification comes on a connection of its own, as Withings' deliveries do, from a
// load generator kept as light as wrk's (raw sockets, a prepared request, the answer read just far
// enough to see it is whole): on two cores the load generator's own work is taken from the server.
// The same bursts go to two floors, servers that answer at once without doing anything: a bare
// node:http server and an empty Express app. Their p99 is what this machine can do at all.
import { fork } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { percentile, round } from './world.mjs';

const WORLD = fileURLToPath(new URL('./ack-world.mjs', import.meta.url));
const SIMS = fileURLToPath(new URL('./ack-sims.mjs', import.meta.url));
const FLOOR = fileURLToPath(new URL('./ack-floor.mjs', import.meta.url));
const UPSTREAM_LATENCY_MS = 1000;
const PAUSE_MS = 500;
/**
 * The target is relative to the empty Express app answering the same bursts in the same run: on a
 * shared 2-core machine the floor moves with the load, the share wg-sync adds on top of it does not.
 */
const TARGET_RATIO_TO_EXPRESS_FLOOR = 1.5;
const HEAD_END = Buffer.from('\r\n\r\n');

export async function ack({ notifications, users, bursts }) {
  const deployment = await withSimulators(users, (sims, setup) => {
    const world = start(WORLD, [], { setup });
    // Every burst meets a deployment with no sync running, as the single burst the target is about
    // does: between bursts the syncs the last one started finish (quickly, upstream at full speed).
    const settle = async () => {
      await sims.request({ latencyMs: 0 });
      await world.request('drain');
      await sims.request({ latencyMs: UPSTREAM_LATENCY_MS });
    };
    return measure(world, notifications, bursts, settle);
  });
  const nodeHttp = await measure(start(FLOOR, ['node-http', String(users)]), notifications, bursts);
  const express = await measure(start(FLOOR, ['express', String(users)]), notifications, bursts);
  const p99RatioToExpressFloor = round(deployment.p99Ms / express.p99Ms, 2);
  return {
    notifications,
    users,
    bursts,
    upstreamLatencyMs: UPSTREAM_LATENCY_MS,
    ...deployment,
    floor: {
      nodeHttp: { p50Ms: nodeHttp.p50Ms, p99Ms: nodeHttp.p99Ms },
      express: { p50Ms: express.p50Ms, p99Ms: express.p99Ms },
    },
    p99RatioToExpressFloor,
    targetRatio: TARGET_RATIO_TO_EXPRESS_FLOOR,
    withinTarget: p99RatioToExpressFloor <= TARGET_RATIO_TO_EXPRESS_FLOOR,
  };
}

/**
 * Runs `work` with both simulators up in a child process, slowed to 1 s per call while it runs (and
 * quick again at the end, so the syncs the bursts started can finish before everything closes).
 */
async function withSimulators(users, work) {
  const sims = start(SIMS, [String(users)]);
  try {
    const { setup } = await sims.ready;
    await sims.request({ latencyMs: UPSTREAM_LATENCY_MS });
    try {
      return await work(sims, setup);
    } finally {
      await sims.request({ latencyMs: 0 });
    }
  } finally {
    await sims.close();
  }
}

/**
 * A child process that sends one message when it is ready, answers requests and exits on 'close'.
 * `execArgv` are its Node flags (the memory bench's deployment needs `--expose-gc`).
 */
export function start(script, args, hello, { execArgv = process.execArgv } = {}) {
  // 'advanced' keeps the Dates in the tokens the simulators hand over.
  const child = fork(script, args, { stdio: 'inherit', serialization: 'advanced', execArgv });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const ready = new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  if (hello) child.send(hello, () => {}); // a failed start shows as `ready` rejecting on exit
  return {
    ready,
    request: (message) =>
      new Promise((resolve, reject) => {
        child.once('message', resolve);
        child.send(message, (error) => error && reject(error));
      }),
    close: async () => {
      // A child killed a moment ago can still look connected; a send to it then fails with EPIPE,
      // which without a callback is thrown as an uncaught 'error' event. Its exit is what counts.
      if (child.connected && !child.killed) child.send('close', () => {});
      await exited;
    },
    /** Ends a child that no longer answers (a bench past its deadline). */
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** Sends one warm-up burst and `bursts` measured ones to a started server, `settle()` before each. */
async function measure(server, notifications, bursts, settle = async () => {}) {
  try {
    const { callbackUrl, userIds } = await server.ready;
    const url = new URL(callbackUrl);
    const now = Math.floor(Date.now() / 1000);
    const requests = Array.from({ length: notifications }, (_, i) =>
      notificationRequest(url, userIds[i % userIds.length], { start: now - 3600 - i, end: now }),
    );
    const send = (bytes) => post(url, bytes);
    // Warm-up (JIT, first-use module loads on both sides), not counted.
    await Promise.all(requests.map(send));
    const statuses = {};
    const latencies = [];
    const burstP99Ms = [];
    for (let burst = 0; burst < bursts; burst += 1) {
      await settle();
      await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
      const answers = await Promise.all(requests.map(send));
      for (const { status } of answers) statuses[status] = (statuses[status] ?? 0) + 1;
      const times = answers.map((answer) => answer.ms);
      latencies.push(...times);
      burstP99Ms.push(round(percentile(times, 99)));
    }
    return {
      statuses,
      p50Ms: round(percentile(latencies, 50)),
      p99Ms: round(percentile(latencies, 99)),
      maxMs: round(Math.max(...latencies)),
      burstP99Ms,
    };
  } finally {
    await server.close();
  }
}

/** One request on a new connection: resolves with the status and the time until the whole answer came. */
export function post(url, bytes) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let received = Buffer.alloc(0);
    const socket = connect(Number(url.port), url.hostname, () => socket.write(bytes));
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer in 10 s')));
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      const headEnd = received.indexOf(HEAD_END);
      if (headEnd < 0) return;
      const head = received.subarray(0, headEnd).toString('latin1');
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (received.length < headEnd + HEAD_END.length + length) return;
      const ms = performance.now() - t0;
      socket.destroy();
      resolve({ status: Number(head.slice(9, 12)), ms });
    });
    socket.on('error', reject);
    socket.on('end', () => reject(new Error('the connection closed before a whole answer')));
  });
}

/**
 * A valid appli-1 notification for `userId` over `window` (epoch seconds), as the raw HTTP/1.1 bytes
 * Withings would POST to `url`, on a connection it closes.
 */
export function notificationRequest(url, userId, window) {
  const body = new URLSearchParams({
    userid: userId,
    appli: '1',
    startdate: String(window.start),
    enddate: String(window.end),
  }).toString();
  return Buffer.from(
    `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\n` +
      'Content-Type: application/x-www-form-urlencoded\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
