import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliWorld, GARMIN_EMAIL, GARMIN_PASSWORD, linkAccount, linkedWorld, run } from './cli.js';

// The documented table (README "Exit codes"): 0 ok, 1 something failed, 2 usage or configuration,
// 3 sign in again, 4 upstream refused or unreachable, 5 state store. One table per code.

interface Case {
  name: string;
  /** Builds the world and says what to run. */
  setup(): Promise<{ args: string[]; env: Record<string, string>; stdin?: string }>;
  /** What stderr (and stdout) must say besides the exit code. */
  says?: RegExp[];
  saysNot?: RegExp[];
  /** stdout must be JSON. */
  json?: boolean;
}

async function check(code: number, c: Case): Promise<void> {
  const { args, env, stdin } = await c.setup();
  const started = Date.now();
  const result = await run(args, env, stdin);
  const output = `${result.stdout}\n${result.stderr}`;
  expect(result.code, output).toBe(code);
  for (const pattern of c.says ?? []) expect(output).toMatch(pattern);
  for (const pattern of c.saysNot ?? []) expect(output).not.toMatch(pattern);
  if (c.json) expect(() => JSON.parse(result.stdout)).not.toThrow();
  expect(Date.now() - started).toBeLessThan(15_000);
}

/** A port nothing listens on (Withings "unreachable"). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const stateFile = (env: Record<string, string>, key: string) =>
  join(env.WG_SYNC_CONFIG_DIR as string, 'state', `${key.replaceAll('/', '+')}.json`);

const synced = async () => {
  const world = await cliWorld();
  await linkAccount(world);
  world.withings.addWeighIn(world.userId, { takenAt: new Date(Date.now() - 120_000), weightKg: 70.2 });
  return world;
};

const withoutWithingsSecret = (env: Record<string, string>) => {
  const { WITHINGS_CLIENT_ID: _id, WITHINGS_CLIENT_SECRET: _secret, ...rest } = env;
  return rest;
};

describe('exit code 0: done, nothing failed', () => {
  it.each<Case>([
    {
      name: 'sync of a linked account',
      setup: async () => ({ args: ['sync'], env: (await synced()).env }),
      says: [/1 synced, 0 skipped, 0 failed/],
    },
    {
      name: 'accounts list needs no Withings client secret',
      setup: async () => {
        const world = await cliWorld();
        await linkAccount(world);
        return { args: ['accounts', 'list'], env: withoutWithingsSecret(world.env) };
      },
      says: [/linked .*withings ok, garmin ok/],
    },
    { name: 'help env', setup: async () => ({ args: ['help', 'env'], env: (await cliWorld()).env }) },
  ])('$name', (c) => check(0, c));
});

describe('exit code 1: done, but something failed', () => {
  it.each<Case>([
    {
      name: 'a sync whose upload Garmin did not store',
      setup: async () => {
        const world = await synced();
        world.garmin.faults.add('phantom-upload');
        return { args: ['sync'], env: world.env };
      },
      says: [/FAILED .* NOT_STORED/],
    },
    {
      name: 'doctor without any Withings credentials: a failed configuration check, the other checks run',
      setup: async () => ({ args: ['doctor'], env: withoutWithingsSecret((await cliWorld()).env) }),
      says: [
        /FAIL {2}configuration: WITHINGS_CLIENT_ID and WITHINGS_CLIENT_SECRET are not set/,
        /ok {4}state store/,
      ],
    },
    {
      name: 'doctor --json without credentials still prints JSON',
      setup: async () => ({ args: ['doctor', '--json'], env: withoutWithingsSecret((await cliWorld()).env) }),
      json: true,
      says: [/"name": "configuration",\s+"status": "fail"/],
    },
    {
      name: 'doctor --json with a malformed variable prints JSON too',
      setup: async () => ({
        args: ['doctor', '--json'],
        env: { ...(await cliWorld()).env, WG_SYNC_MAX_ENTRIES: 'abc' },
      }),
      json: true,
      says: [/WG_SYNC_MAX_ENTRIES must be a whole number/],
    },
  ])('$name', (c) => check(1, c));
});

describe('exit code 2: usage or configuration', () => {
  it.each<Case>([
    {
      name: 'backfill without --from',
      setup: async () => ({ args: ['backfill'], env: (await cliWorld()).env }),
      says: [/missing required option --from/],
    },
    {
      name: 'an enum value that is not allowed names the allowed ones',
      setup: async () => ({ args: ['garmin', 'login', '--method', 'sms'], env: (await cliWorld()).env }),
      says: [/--method sms is not one of the allowed values: mobile, browser, ticket, import/],
    },
    {
      name: 'a missing token file to import',
      setup: async () => ({
        args: ['garmin', 'login', '--method', 'import', 'nope.json'],
        env: (await linkedWorld()).env,
      }),
      says: [/cannot import nope\.json: there is no such file/],
      saysNot: [/ENOENT/],
    },
    {
      name: 'a file that is not a token file',
      setup: async () => {
        const world = await linkedWorld();
        await writeFile(join(world.home, 'bad.json'), '{"hello": "world"}');
        return { args: ['garmin', 'login', '--method', 'import', 'bad.json'], env: world.env };
      },
      says: [/bad\.json is not a Garmin token file/],
      saysNot: [/try again later/],
    },
    {
      name: 'a public URL over plain http',
      setup: async () => ({
        args: ['sync'],
        env: { ...(await cliWorld()).env, WG_SYNC_PUBLIC_URL: 'http://sync.example.org' },
      }),
      says: [/WG_SYNC_PUBLIC_URL must be an https URL/],
      saysNot: [/Invalid URL/],
    },
    {
      name: 'a number that is not one',
      setup: async () => ({ args: ['sync'], env: { ...(await cliWorld()).env, WG_SYNC_MAX_ENTRIES: 'abc' } }),
      says: [/WG_SYNC_MAX_ENTRIES must be a whole number/],
      saysNot: [/WG_SYNC_MAX_ENTRIES is required/],
    },
    {
      name: 'no browser at --executable-path: the CLI’s flag, not the library option',
      setup: async () => ({
        args: ['garmin', 'login', '--method', 'browser', '--executable-path', '/nonexistent/chromium'],
        env: (await linkedWorld()).env,
      }),
      says: [/no browser at --executable-path \/nonexistent\/chromium/, /fix: .*--executable-path/],
      saysNot: [/executablePath/],
    },
    {
      name: 'accounts unlink of an unknown id names its argument',
      setup: async () => ({ args: ['accounts', 'unlink', '4242'], env: (await linkedWorld()).env }),
      says: [/fix: wg-sync accounts unlink <userId>/],
      saysNot: [/--user/],
    },
  ])('$name', (c) => check(2, c));
});

describe('exit code 3: sign in again, on the side that refused', () => {
  it.each<Case>([
    {
      name: 'a wrong Garmin password: only wg-sync garmin login',
      setup: async () => {
        const world = await linkedWorld();
        return {
          args: ['garmin', 'login'],
          env: { ...world.env, GARMIN_EMAIL, GARMIN_PASSWORD: `${GARMIN_PASSWORD}-wrong` },
        };
      },
      says: [/INVALID_CREDENTIALS|password/i, /fix: .*wg-sync garmin login/],
      saysNot: [/withings auth/],
    },
    {
      name: 'Withings refuses the tokens during sync: only wg-sync withings auth',
      setup: async () => {
        const world = await synced();
        world.withings.revokeTokens(world.userId);
        return { args: ['sync'], env: world.env };
      },
      says: [/REAUTH_REQUIRED/, /fix: authorize again: wg-sync withings auth/],
      saysNot: [/garmin login/],
    },
  ])('$name', (c) => check(3, c));
});

describe('exit code 4: an upstream refused or could not be reached', () => {
  it.each<Case>([
    {
      name: 'Withings unreachable during sync',
      setup: async () => {
        const world = await synced();
        return {
          args: ['sync'],
          env: { ...world.env, WITHINGS_BASE_URL: `http://127.0.0.1:${await closedPort()}` },
        };
      },
      says: [/FAILED/, /fix: try again later/],
    },
    {
      name: 'Garmin unreachable during sync',
      setup: async () => {
        const world = await synced();
        return {
          args: ['sync'],
          env: { ...world.env, GARMIN_CONNECTAPI_URL: `http://127.0.0.1:${await closedPort()}` },
        };
      },
      says: [/FAILED/],
    },
  ])('$name', (c) => check(4, c));
});

describe('exit code 5: the state store failed', () => {
  it.each<Case>([
    {
      name: 'a corrupt cursor file (as a corrupt token file)',
      setup: async () => {
        const world = await synced();
        await run(['sync'], world.env);
        await writeFile(stateFile(world.env, `cursor/${world.userId}`), '{"version":', { mode: 0o600 });
        return { args: ['sync'], env: world.env };
      },
      says: [/STORE_CORRUPT/, /fix: fix or remove the entry named above/],
    },
    {
      name: 'a corrupt token file',
      setup: async () => {
        const world = await synced();
        await writeFile(stateFile(world.env, `withings/${world.userId}/tokens`), 'nope', { mode: 0o600 });
        return { args: ['sync'], env: world.env };
      },
      says: [/is corrupt/, /fix: fix or remove the entry named above/],
    },
    {
      name: 'an account entry of the wrong shape is corrupt, not "undefined linked undefined"',
      setup: async () => {
        const world = await cliWorld();
        await linkAccount(world);
        await writeFile(
          stateFile(world.env, `account/${world.userId}`),
          JSON.stringify({ version: 2, value: { id: world.userId } }),
          { mode: 0o600 },
        );
        return { args: ['accounts', 'list'], env: world.env };
      },
      says: [/state "account\/\d+" at .*account\+\d+\.json is corrupt \(not an account record/],
      saysNot: [/undefined/],
    },
    {
      name: '--store file: under a file, with the fix',
      setup: async () => ({ args: ['sync', '--store', 'file:/etc/passwd/x'], env: (await cliWorld()).env }),
      says: [/cannot create the state directory \/etc\/passwd\/x: ENOTDIR/, /fix: pass --store file:/],
    },
    {
      name: '--store file:/proc/nope ends at once instead of spinning',
      setup: async () => ({ args: ['sync', '--store', 'file:/proc/nope'], env: (await cliWorld()).env }),
      says: [/cannot create the state directory \/proc\/nope: ENOENT/],
    },
  ])('$name', (c) => check(5, c));
});
