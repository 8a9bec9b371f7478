import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startHttpServer } from '@wg-sync/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { cliWorld, GARMIN_EMAIL, linkAccount, run } from './cli.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe('wg-sync: help, usage and configuration errors', () => {
  it('--help lists every command and documents the exit codes', async () => {
    const { env } = await cliWorld();
    const help = await run(['--help'], env);
    expect(help.code).toBe(0);
    for (const command of [
      'withings',
      'garmin',
      'webhook',
      'sync',
      'backfill',
      'serve',
      'doctor',
      'accounts',
      'demo',
    ]) {
      expect(help.stdout).toContain(command);
    }
    expect(help.stdout).toMatch(/Exit codes: 0 ok, 1 something failed, 2 usage/);
  });

  it('every command has --help', async () => {
    const { env } = await cliWorld();
    for (const args of [
      ['withings', 'auth'],
      ['garmin', 'login'],
      ['webhook', 'subscribe'],
      ['sync'],
      ['backfill'],
      ['doctor'],
      ['accounts', 'list'],
      ['serve'],
      ['demo'],
    ]) {
      const help = await run([...args, '--help'], env);
      expect(help.code, args.join(' ')).toBe(0);
      expect(help.stdout).toMatch(/USAGE/);
    }
  });

  it('no arguments, or an unknown command, is a usage error (exit 2)', async () => {
    const { env } = await cliWorld();
    expect((await run([], env)).code).toBe(2);
    const unknown = await run(['frobnicate'], env);
    expect(unknown.code).toBe(2);
  });

  it('missing configuration is one line naming every variable, plus the fix (exit 2)', async () => {
    const { env } = await cliWorld();
    const { WITHINGS_CLIENT_ID: _id, WITHINGS_CLIENT_SECRET: _secret, ...rest } = env;
    const result = await run(['sync'], rest);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/WITHINGS_CLIENT_ID is required; WITHINGS_CLIENT_SECRET is required/);
    expect(result.stderr).toMatch(/fix: set the variables/);
  });

  it('reads configuration from the config directory and from --env-file', async () => {
    const world = await cliWorld();
    const { WITHINGS_CLIENT_ID, WITHINGS_CLIENT_SECRET, ...rest } = world.env;
    await mkdir(rest.WG_SYNC_CONFIG_DIR as string, { recursive: true });
    await writeFile(`${rest.WG_SYNC_CONFIG_DIR}/config.env`, `WITHINGS_CLIENT_ID=${WITHINGS_CLIENT_ID}\n`);
    await writeFile(`${world.home}/wg.env`, `WITHINGS_CLIENT_SECRET=${WITHINGS_CLIENT_SECRET}\n`);
    const result = await run(['accounts', 'list', '--env-file', 'wg.env'], rest);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/no account linked yet/);
  });

  it('a ./.env planted in the working directory is not read; a notice says how to use it', async () => {
    const world = await cliWorld();
    await linkAccount(world);
    const capture = await startHttpServer(() => new Response('{}', { status: 500 }));
    closers.push(() => capture.close());
    // The simulators come from config.env (the lowest precedence), the planted file would override them.
    const { WITHINGS_BASE_URL, GARMIN_CONNECTAPI_URL, ...env } = world.env;
    await writeFile(
      join(env.WG_SYNC_CONFIG_DIR as string, 'config.env'),
      `WITHINGS_BASE_URL=${WITHINGS_BASE_URL}\nGARMIN_CONNECTAPI_URL=${GARMIN_CONNECTAPI_URL}\n`,
    );
    const repo = join(world.home, 'cloned-repo');
    await mkdir(repo);
    await writeFile(
      join(repo, '.env'),
      `WITHINGS_BASE_URL=${capture.url}\nGARMIN_CONNECTAPI_URL=${capture.url}\n`,
    );
    world.withings.addWeighIn(world.userId, { takenAt: new Date(Date.now() - 60_000), weightKg: 72.5 });

    const ignored = await run(['sync'], env, undefined, repo);
    expect(ignored.code, ignored.stderr).toBe(0);
    expect(capture.requests).toEqual([]);
    expect(world.garmin.weighIns(GARMIN_EMAIL)).toHaveLength(1);
    expect(ignored.stderr).toMatch(/^wg-sync: note: \.\/\.env was ignored .*--env-file \.env$/m);
    expect(ignored.stderr).not.toContain(capture.url);

    // Named on purpose, it is read (and wins over config.env).
    const named = await run(['sync', '--env-file', '.env'], env, undefined, repo);
    expect(named.code).not.toBe(0);
    expect(capture.requests.length).toBeGreaterThan(0);
    expect(named.stderr).not.toMatch(/\.env was ignored/);
  });

  it('says on stderr, once per variable, where upstream overrides send the tokens (host only)', async () => {
    const world = await cliWorld();
    const result = await run(['accounts', 'list'], {
      ...world.env,
      GARMIN_CONNECTAPI_URL: `${world.garmin.url}/some/prefix`,
    });
    expect(result.code, result.stderr).toBe(0);
    const warnings = result.stderr.split('\n').filter((line) => line.startsWith('wg-sync: warning:'));
    expect(warnings).toEqual([
      `wg-sync: warning: WITHINGS_BASE_URL points Withings calls (and your tokens) at ${world.withings.url}`,
      `wg-sync: warning: GARMIN_SSO_URL points Garmin sign-ins (and your password) at ${world.garmin.url}`,
      `wg-sync: warning: GARMIN_DIAUTH_URL points Garmin token exchanges (and your tokens) at ${world.garmin.url}`,
      `wg-sync: warning: GARMIN_CONNECTAPI_URL points Garmin Connect calls (and your tokens) at ${world.garmin.url}`,
      `wg-sync: warning: WITHINGS_ACCOUNT_URL points the Withings consent page (where you sign in) at ${world.withings.url}`,
    ]);
    expect(result.stdout).not.toMatch(/warning/);
  });

  it('an upstream override over plain http to another host is refused with the fix (exit 2)', async () => {
    const world = await cliWorld();
    const result = await run(['accounts', 'list'], {
      ...world.env,
      WITHINGS_BASE_URL: 'http://capture.example.org:8080',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^wg-sync: configuration: WITHINGS_BASE_URL must be an https URL \(plain http only for 127\.0\.0\.1 \/ localhost\)\n {2}fix: WITHINGS_BASE_URL moves where wg-sync sends tokens and passwords .*unset it/m,
    );
    const account = await run(['accounts', 'list'], {
      ...world.env,
      WITHINGS_ACCOUNT_URL: 'http://login.example.org',
    });
    expect(account.code).toBe(2);
    expect(account.stderr).toMatch(/WITHINGS_ACCOUNT_URL must be an https URL[\s\S]*fix: .*unset it/);
  });

  it('an unknown --store kind is a usage error', async () => {
    const { env } = await cliWorld();
    const result = await run(['sync', '--store', 'redis:x'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown --store/);
  });

  it('sync with nothing linked says what to do', async () => {
    const { env } = await cliWorld();
    const result = await run(['sync'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/wg-sync withings auth/);
  });
});
