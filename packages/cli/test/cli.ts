import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type GarminSim,
  type GarminSimOptions,
  startGarminSim,
  startWithingsSim,
  type WithingsSim,
} from '@wg-sync/testkit';
import { afterEach, expect } from 'vitest';

/** The built executable: CLI tests run it as a real process (`pnpm test` builds first). */
export const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run pnpm build first (pnpm test does)`);

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

export const GARMIN_EMAIL = 'ana@example.com';
export const GARMIN_PASSWORD = 'pw-ana-7c2e91';

export interface CliWorld {
  withings: WithingsSim;
  garmin: GarminSim;
  home: string;
  env: Record<string, string>;
  userId: string;
  /** WG_SYNC_WEBHOOK_SECRET in `env` (serve refuses to start without one). */
  webhookSecret: string;
}

/** Both simulators, an empty config directory, and the environment a user would set. */
export async function cliWorld(
  options: { mfa?: boolean; garmin?: Omit<GarminSimOptions, 'accounts'> } = {},
): Promise<CliWorld> {
  const withings = await startWithingsSim();
  const garmin = await startGarminSim({
    ...options.garmin,
    accounts: [
      {
        email: GARMIN_EMAIL,
        password: GARMIN_PASSWORD,
        mfa: options.mfa ?? false,
        timeZone: 'Europe/Berlin',
      },
    ],
  });
  const home = await mkdtemp(join(tmpdir(), 'wg-sync-cli-'));
  cleanups.push(
    () => withings.close(),
    () => garmin.close(),
    () => rm(home, { recursive: true, force: true }),
  );
  const webhookSecret = randomBytes(32).toString('hex');
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    WG_SYNC_CONFIG_DIR: join(home, 'config'),
    WG_SYNC_NO_OPEN: '1',
    WITHINGS_CLIENT_ID: withings.clientId,
    WITHINGS_CLIENT_SECRET: withings.clientSecret,
    WITHINGS_BASE_URL: withings.url,
    WITHINGS_ACCOUNT_URL: withings.url,
    GARMIN_SSO_URL: garmin.url,
    GARMIN_DIAUTH_URL: garmin.url,
    GARMIN_CONNECTAPI_URL: garmin.url,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    WG_SYNC_READBACK_DELAY_MS: '5',
    WG_SYNC_WEBHOOK_SECRET: webhookSecret,
  };
  return {
    withings,
    garmin,
    home,
    env,
    webhookSecret,
    userId: withings.addUser({ timeZone: 'Europe/Berlin' }),
  };
}

export interface Run {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  /** Resolves once `pattern` appears in stdout or stderr. */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpMatchArray>;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** Starts `wg-sync <args>` as a real process. */
export function start(args: string[], env: Record<string, string>, cwd?: string): Run {
  const child = spawn(process.execPath, [BIN, ...args], { env, cwd: cwd ?? env.HOME });
  let out = '';
  let err = '';
  const waiters: Array<() => void> = [];
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    for (const w of waiters) w();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
    for (const w of waiters) w();
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout: out, stderr: err })),
  );
  cleanups.push(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitFor(pattern, ms = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = `${out}\n${err}`.match(pattern);
          if (match) resolve(match);
        };
        waiters.push(check);
        check();
        setTimeout(
          () => reject(new Error(`timed out waiting for ${pattern}; stdout: ${out}; stderr: ${err}`)),
          ms,
        ).unref();
        void done.then(() =>
          setTimeout(
            () => reject(new Error(`process ended before ${pattern}; stdout: ${out}; stderr: ${err}`)),
            50,
          ),
        );
      });
    },
    done,
  };
}

/** Runs `wg-sync <args>` to completion (in `cwd`, default the world's home directory). */
export function run(args: string[], env: Record<string, string>, stdin?: string, cwd?: string) {
  const running = start(args, env, cwd);
  if (stdin !== undefined) running.child.stdin.end(stdin);
  else running.child.stdin.end();
  return running.done;
}

/** Links the simulated Withings user and Garmin account the way a user would (two commands). */
export async function linkAccount(world: CliWorld): Promise<void> {
  const code = world.withings.issueCode(world.userId, { redirectUri: 'https://example.org/cb' });
  const auth = await run(
    ['withings', 'auth', '--redirect-uri', 'https://example.org/cb', '--port', '0'],
    world.env,
    `${code}\n`,
  );
  if (auth.code !== 0) throw new Error(`withings auth failed: ${auth.stderr}`);
  const login = await run(['garmin', 'login'], { ...world.env, GARMIN_EMAIL, GARMIN_PASSWORD });
  if (login.code !== 0) throw new Error(`garmin login failed: ${login.stderr}`);
}

/** A {@link cliWorld} whose Withings account is authorized, so `garmin login` has someone to link to. */
export async function linkedWorld(options: Parameters<typeof cliWorld>[0] = {}): Promise<CliWorld> {
  const world = await cliWorld(options);
  const code = world.withings.issueCode(world.userId, { redirectUri: 'https://example.org/cb' });
  const auth = await run(
    ['withings', 'auth', '--redirect-uri', 'https://example.org/cb', '--port', '0'],
    world.env,
    `${code}\n`,
  );
  expect(auth.code).toBe(0);
  return world;
}
