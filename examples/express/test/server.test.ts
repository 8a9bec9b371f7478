import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fileStore } from '@wg-sync/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { FORM, linkedWorld, minutesAgo, notification, onCleanup, until, type World } from './world.js';

const exampleDir = fileURLToPath(new URL('..', import.meta.url));
const server = join(exampleDir, 'dist', 'server.js');

beforeAll(() => {
  // The server runs as `node dist/server.js` on the built workspace packages; compile it from the
  // current source so this test never runs a stale copy.
  const adapterDist = fileURLToPath(
    new URL('../../../packages/adapter-express/dist/index.js', import.meta.url),
  );
  if (!existsSync(adapterDist))
    throw new Error('run `pnpm build` first: the example runs on the built packages');
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const build = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: exampleDir,
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(build.stdout + build.stderr).toBe('');
  expect(build.status).toBe(0);
}, 90_000);

interface Running {
  url: string;
  child: ChildProcess;
  /** Every stdout and stderr line so far. */
  output: string[];
  exited: Promise<number | null>;
}

/** Starts `node dist/server.js` with only the given environment and waits for its listening line. */
async function startServer(
  world: World,
  stateDir: string,
  env: Record<string, string> = {},
): Promise<Running> {
  const child = spawn(process.execPath, [server], {
    cwd: exampleDir,
    env: {
      PATH: process.env.PATH ?? '',
      WITHINGS_CLIENT_ID: world.withings.clientId,
      WITHINGS_CLIENT_SECRET: world.withings.clientSecret,
      WITHINGS_BASE_URL: world.withings.url,
      WG_SYNC_STATE_DIR: stateDir,
      HOST: '127.0.0.1',
      PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onCleanup(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const output: string[] = [];
  let listening: (url: string) => void = () => undefined;
  const url = new Promise<string>((resolve) => {
    listening = resolve;
  });
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (text: string) => {
      const lines = (rest + text).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        output.push(line);
        if (line.includes('"server.listening"')) listening(JSON.parse(line).url);
      }
    });
  }
  const started = await Promise.race([
    url,
    exited.then((code) => {
      throw new Error(`the server exited (${code}) before listening:\n${output.join('\n')}`);
    }),
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`no listening line in 10 s:\n${output.join('\n')}`)), 10_000),
    ),
  ]);
  return { url: started, child, output, exited };
}

async function stateDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'wg-sync-example-'));
  onCleanup(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'state');
}

const within = (ms: number) => ({ signal: AbortSignal.timeout(ms) });

describe('examples/express: the server as a real process', { timeout: 30_000 }, () => {
  it('serves /health, ignores a webhook for an unknown user, and exits 0 on SIGTERM', async () => {
    const world = await linkedWorld();
    const running = await startServer(world, await stateDir());
    expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const health = await fetch(`${running.url}/health`, within(5000));
    expect([health.status, await health.json()]).toEqual([200, { ok: true }]);
    const webhook = await fetch(`${running.url}/webhook/withings`, {
      method: 'POST',
      headers: FORM,
      body: notification('31337'),
      ...within(5000),
    });
    expect([webhook.status, await webhook.json()]).toEqual([200, { status: 'accepted' }]);
    expect(world.withings.requests).toHaveLength(0);

    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
    const events = running.output.map((line) => JSON.parse(line).event);
    expect(events).toEqual(expect.arrayContaining(['server.listening', 'server.stopping', 'server.stopped']));
    expect(running.output.join('\n')).not.toContain(world.withings.clientSecret);
  });

  it('on SIGTERM, lets a webhook sync that is still running finish before it exits', async () => {
    const dir = await stateDir();
    // Link the account in the state directory the server will use.
    const world = await linkedWorld({ store: fileStore(dir) });
    const running = await startServer(world, dir, {
      GARMIN_SSO_URL: world.garmin.urls.sso,
      GARMIN_DIAUTH_URL: world.garmin.urls.diauth,
      GARMIN_CONNECTAPI_URL: world.garmin.urls.connectapi,
      WG_SYNC_READBACK_DELAY_MS: '10',
    });
    world.withings.addWeighIn(world.userId, { takenAt: minutesAgo(2), weightKg: 81.6, notify: false });
    world.garmin.latencyMs = 800;
    const garminBefore = world.garmin.requests.length;

    const webhook = await fetch(`${running.url}/webhook/withings`, {
      method: 'POST',
      headers: FORM,
      body: notification(world.userId),
      ...within(5000),
    });
    expect(await webhook.json()).toEqual({ status: 'accepted' });
    // The sync is under way (Garmin has been called) and far from done when the signal comes.
    await until(() => world.garmin.requests.length > garminBefore);
    expect(world.garmin.uploads()).toHaveLength(0);
    running.child.kill('SIGTERM');

    expect(await running.exited).toBe(0);
    expect(world.garmin.uploads()).toHaveLength(1);
    expect(world.garmin.weighIns(world.email)).toMatchObject([{ weight: 81600 }]);
    const text = running.output.join('\n');
    for (const secret of [world.withings.clientSecret, ...world.garmin.secrets()])
      expect(text).not.toContain(secret);
  });
});
