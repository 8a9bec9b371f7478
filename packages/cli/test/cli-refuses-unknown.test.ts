import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CliWorld, cliWorld, GARMIN_EMAIL, linkAccount, run } from './cli.js';

/** Every state entry with its size and mtime: equal snapshots mean nothing was written. */
async function snapshot(world: CliWorld): Promise<string[]> {
  const dir = join(world.env.WG_SYNC_CONFIG_DIR as string, 'state');
  const files = await readdir(dir).catch(() => []);
  return Promise.all(
    files.sort().map(async (file) => {
      const s = await stat(join(dir, file));
      return `${file} ${s.size} ${s.mtimeMs}`;
    }),
  );
}

const sent = (world: CliWorld) => world.withings.requests.length + world.garmin.requests.length;

describe('wg-sync refuses what it does not understand, before anything is sent (exit 2)', () => {
  it('a misspelt flag, on every command: the nearest flag is suggested, no request, no store write', async () => {
    const world = await cliWorld();
    await linkAccount(world);
    world.withings.addWeighIn(world.userId, { takenAt: new Date(Date.now() - 60_000), weightKg: 72.5 });
    const table: Array<[string[], string, string]> = [
      [['withings', 'auth', '--prot', '0'], '--prot', '--port'],
      [['garmin', 'login', '--metod', 'mobile'], '--metod', '--method'],
      [['webhook', 'subscribe', '--forse'], '--forse', '--force'],
      [['webhook', 'list', '--jsno'], '--jsno', '--json'],
      [['webhook', 'revoke', 'https://sync.example.org', '--apli', '1'], '--apli', '--appli'],
      [['sync', '--dry-rn'], '--dry-rn', '--dry-run'],
      [['backfill', '--from', '2026-01-01', '--dyr-run'], '--dyr-run', '--dry-run'],
      [['doctor', '--jsn'], '--jsn', '--json'],
      [['accounts', 'list', '--jsn'], '--jsn', '--json'],
      [['accounts', '--jsn'], '--jsn', '--json'],
      [['accounts', 'unlink', world.userId, '--verbos'], '--verbos', '--verbose'],
      [['serve', '--prot', '0'], '--prot', '--port'],
      [['demo', '--jsn'], '--jsn', '--json'],
    ];
    for (const [args, typo, meant] of table) {
      const before = { sent: sent(world), state: await snapshot(world) };
      const result = await run(args, world.env);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toContain(`unknown option ${typo} (did you mean ${meant}?)`);
      expect(sent(world), args.join(' ')).toBe(before.sent);
      expect(await snapshot(world), args.join(' ')).toEqual(before.state);
    }
    expect(world.garmin.weighIns(GARMIN_EMAIL)).toEqual([]); // `sync --dry-rn` uploaded nothing
  });

  it.each([
    [['garmin', 'logn'], 'unknown command logn (did you mean login?)'],
    [['withings', 'auht'], 'unknown command auht (did you mean auth?)'],
    [['webhook', 'subscibe'], 'unknown command subscibe (did you mean subscribe?)'],
    [['accounts', 'unlnk', '1'], 'unknown command unlnk (did you mean unlink?)'],
    [['snyc'], 'unknown command snyc (did you mean sync?)'],
    [['garmin', 'logn', '--help'], 'unknown command logn (did you mean login?)'],
    [['sync', 'now'], 'wg-sync sync takes no arguments, but got now'],
    [['--store', 'memory', 'sync'], '--store must come after the command'],
    [['garmin'], 'wg-sync garmin needs a command: login'],
  ])('%o: "%s"', async (args, message) => {
    const world = await cliWorld();
    const result = await run(args, world.env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`wg-sync: ${message}`);
    expect(sent(world)).toBe(0);
  });

  it('the flags every command takes stay accepted by every command that opens the state', async () => {
    const world = await cliWorld();
    await writeFile(join(world.home, 'extra.env'), '# nothing\n');
    const global = [
      '--store',
      'memory',
      '--config-dir',
      join(world.home, 'c'),
      '--env-file',
      'extra.env',
      '--verbose',
    ];
    for (const command of [
      ['withings', 'auth'],
      ['garmin', 'login'],
      ['webhook', 'subscribe'],
      ['webhook', 'list'],
      ['webhook', 'revoke', 'https://sync.example.org'],
      ['sync'],
      ['backfill', '--from', '2026-01-01'],
      ['doctor'],
      ['accounts', 'list'],
      ['accounts', 'unlink', '1'],
      ['serve'],
    ]) {
      // The one unknown flag is the only complaint: the global ones were understood.
      const result = await run([...command, ...global, '--bogus'], world.env);
      expect(result.code, command.join(' ')).toBe(2);
      expect(result.stderr, command.join(' ')).toMatch(/^wg-sync: unknown option --bogus\n/);
    }
  });
});
