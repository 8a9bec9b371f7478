// ack: how fast the webhook is acknowledged when many notifications arrive at once and the upstream
// APIs are slow (1 s per call). Withings drops subscriptions whose endpoint takes over 2 s, so the
// answer must never wait for Withings or Garmin. The deployment runs in a child process; this process
// only sends the notifications and times the answers, each on a connection of its own as Withings'
// deliveries come (node:http: fetch's own overhead at 200 concurrent requests would dominate the numbers).
import { fork } from 'node:child_process';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { percentile, round } from './world.mjs';

const WORLD = fileURLToPath(new URL('./ack-world.mjs', import.meta.url));
const UPSTREAM_LATENCY_MS = 1000;

export async function ack({ notifications, users }) {
  const child = fork(WORLD, [String(users), String(UPSTREAM_LATENCY_MS)], { stdio: 'inherit' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    const { callbackUrl, userIds } = await new Promise((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`the ack world exited with ${code}`)));
    });
    const now = Math.floor(Date.now() / 1000);
    const bodies = Array.from({ length: notifications }, (_, i) =>
      new URLSearchParams({
        userid: userIds[i % userIds.length],
        appli: '1',
        startdate: String(now - 3600 - i),
        enddate: String(now),
      }).toString(),
    );
    const statuses = new Map();
    const send = (body) =>
      new Promise((resolve, reject) => {
        const t0 = performance.now();
        const req = request(
          callbackUrl,
          {
            method: 'POST',
            agent: false,
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              'content-length': Buffer.byteLength(body),
            },
          },
          (res) => {
            res.resume();
            res.on('end', () => {
              statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
              resolve(performance.now() - t0);
            });
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    // Warm-up (JIT, first-use module loads on both sides), not counted.
    await Promise.all(bodies.slice(0, 10).map(send));
    statuses.clear();
    const latencies = await Promise.all(bodies.map(send));
    return {
      notifications,
      users,
      upstreamLatencyMs: UPSTREAM_LATENCY_MS,
      statuses: Object.fromEntries(statuses),
      p50Ms: round(percentile(latencies, 50)),
      p99Ms: round(percentile(latencies, 99)),
      maxMs: round(Math.max(...latencies)),
    };
  } finally {
    child.send('close');
    await exited;
  }
}
