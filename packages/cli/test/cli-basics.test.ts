import { describe, expect, it } from 'vitest';
import { cliWorld, run } from './cli.js';

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

  it('reads configuration from ./.env and the config directory', async () => {
    const world = await cliWorld();
    const { writeFile, mkdir } = await import('node:fs/promises');
    const { WITHINGS_CLIENT_ID, WITHINGS_CLIENT_SECRET, ...rest } = world.env;
    await mkdir(rest.WG_SYNC_CONFIG_DIR as string, { recursive: true });
    await writeFile(`${rest.WG_SYNC_CONFIG_DIR}/config.env`, `WITHINGS_CLIENT_ID=${WITHINGS_CLIENT_ID}\n`);
    await writeFile(`${world.home}/.env`, `WITHINGS_CLIENT_SECRET=${WITHINGS_CLIENT_SECRET}\n`);
    const result = await run(['accounts', 'list'], rest);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/no account linked yet/);
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
