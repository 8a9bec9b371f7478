import { chmod, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliWorld, run } from './cli.js';

const modeOf = async (path: string) => ((await stat(path)).mode & 0o777).toString(8);

describe('wg-sync: the config directory is private', () => {
  it('a config directory left at 0755 (WG_SYNC_CONFIG_DIR) is 0700 after a command, its state too', async () => {
    const world = await cliWorld();
    const dir = world.env.WG_SYNC_CONFIG_DIR as string;
    await mkdir(dir, { mode: 0o755 });
    await chmod(dir, 0o755);
    const result = await run(['accounts', 'list'], world.env);
    expect(result.code, result.stderr).toBe(0);
    expect(await modeOf(dir)).toBe('700');
    expect(await modeOf(join(dir, 'state'))).toBe('700');
  });

  it('a fresh --config-dir is created 0700, whatever the store', async () => {
    const world = await cliWorld();
    const dir = join(world.home, 'elsewhere', 'wg-sync');
    const result = await run(['accounts', 'list', '--config-dir', dir, '--store', 'memory'], world.env);
    expect(result.code, result.stderr).toBe(0);
    expect(await modeOf(dir)).toBe('700');
  });
});
