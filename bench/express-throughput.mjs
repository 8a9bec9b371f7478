// expressThroughput: requests/s of ignored webhooks (a valid notification for an unknown user) through
// expressAdapter, and through a bare node:http server doing the same parse (the same engine handler
// behind the adapter's node:http converter, no Express): their ratio is what Express costs. For
// reference, a hand-written node:http server that parses the form itself (no Request/Response, no
// engine) shows what the Web-standard hub costs, and the bare server with nothing but Express's
// per-request prototype swap added shows what that one step of Express costs. Each server runs in its
// own process, driven in turn by the same keep-alive load loop.
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { round } from './world.mjs';

const SERVER = fileURLToPath(new URL('./throughput-server.mjs', import.meta.url));
const BODY = 'userid=99999999&appli=1&startdate=1764400000&enddate=1764403600';
const CONCURRENCY = 16;

async function startServer(mode) {
  const child = spawn(process.execPath, [SERVER, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    child.stdout.once('data', (chunk) => resolve(Number(String(chunk).trim())));
    child.once('exit', (code) => reject(new Error(`${mode} server exited with ${code}`)));
  });
  return {
    port,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}

function post(agent, port) {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/webhook/withings',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': BODY.length },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(BODY);
  });
}

async function load(port, ms) {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let count = 0;
  const until = performance.now() + ms;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until) {
        await post(agent, port);
        count += 1;
      }
    }),
  );
  agent.destroy();
  return count;
}

async function measure(mode, ms) {
  const server = await startServer(mode);
  try {
    await load(server.port, Math.min(300, ms / 4)); // warm-up: JIT, connections
    const t0 = performance.now();
    const count = await load(server.port, ms);
    return count / ((performance.now() - t0) / 1000);
  } finally {
    await server.stop();
  }
}

export async function expressThroughput({ seconds }) {
  const ms = seconds * 1000;
  // Alternate the servers twice and keep each one's best, so a noisy moment hurts neither alone.
  const best = { express: 0, 'node-http': 0, 'prototype-swap': 0, 'hand-written': 0 };
  for (let round_ = 0; round_ < 2; round_ += 1) {
    for (const mode of Object.keys(best)) best[mode] = Math.max(best[mode], await measure(mode, ms / 2));
  }
  return {
    concurrency: CONCURRENCY,
    seconds,
    expressRps: Math.round(best.express),
    bareNodeHttpRps: Math.round(best['node-http']),
    ratio: round(best.express / best['node-http'], 2),
    prototypeSwapRps: Math.round(best['prototype-swap']),
    prototypeSwapRatio: round(best['prototype-swap'] / best['node-http'], 2),
    handWrittenRps: Math.round(best['hand-written']),
    ratioToHandWritten: round(best.express / best['hand-written'], 2),
  };
}
