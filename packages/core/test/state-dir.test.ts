import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultConfigDir, defaultStateDir, fileStore, loadConfigFromEnv } from '../src/index.js';

const base = { WITHINGS_CLIENT_ID: 'cid', WITHINGS_CLIENT_SECRET: 'super-secret-value-123' };
const dirs: string[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});
const scratch = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wg-sync-state-dir-'));
  dirs.push(dir);
  return dir;
};
/** Where a store writes: put one entry and list the directory it landed in. */
const landsIn = async (store: ReturnType<typeof fileStore>, dir: string) => {
  await store.put('probe', 1);
  return readdir(dir);
};

describe('one default state directory for the CLI and for code', () => {
  it('defaultStateDir: $WG_SYNC_CONFIG_DIR, else $XDG_CONFIG_HOME/wg-sync, else ~/.config/wg-sync; + /state', () => {
    expect(defaultStateDir({ WG_SYNC_CONFIG_DIR: '/srv/wg', XDG_CONFIG_HOME: '/x', HOME: '/h' })).toBe(
      '/srv/wg/state',
    );
    expect(defaultStateDir({ XDG_CONFIG_HOME: '/x', HOME: '/h' })).toBe('/x/wg-sync/state');
    expect(defaultStateDir({ HOME: '/home/ana' })).toBe('/home/ana/.config/wg-sync/state');
    expect(defaultConfigDir({ HOME: '/home/ana' })).toBe('/home/ana/.config/wg-sync');
  });

  it('loadConfigFromEnv without WG_SYNC_STATE_DIR keeps state where the CLI does', async () => {
    const home = await scratch();
    const cwd = await scratch();
    const config = loadConfigFromEnv({ ...base, HOME: home }, { cwd });
    expect(await landsIn(config.store, join(home, '.config', 'wg-sync', 'state'))).toContain('probe.json');
  });

  it('fileStore() without a directory is the same default', async () => {
    const root = await scratch();
    vi.stubEnv('WG_SYNC_CONFIG_DIR', root);
    expect(await landsIn(fileStore(), join(root, 'state'))).toContain('probe.json');
  });

  it('a ./.wg-sync of an earlier version is still used, with a warning saying how to move it', async () => {
    const home = await scratch();
    const cwd = await scratch();
    await mkdir(join(cwd, '.wg-sync'), { mode: 0o700 });
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((line) => {
      lines.push(String(line));
      return true;
    });
    const config = loadConfigFromEnv({ ...base, HOME: home }, { cwd });
    expect(await landsIn(config.store, join(cwd, '.wg-sync'))).toContain('probe.json');
    const warning = lines.map((l) => JSON.parse(l)).find((l) => l.event === 'config.state.legacy-dir');
    expect(warning).toMatchObject({ level: 'warn', dir: join(cwd, '.wg-sync') });
    expect(warning.message).toContain(
      `mv ${join(cwd, '.wg-sync')} ${join(home, '.config', 'wg-sync', 'state')}`,
    );
    expect(warning.message).toContain(`WG_SYNC_STATE_DIR=${join(cwd, '.wg-sync')}`);
  });

  it('WG_SYNC_STATE_DIR wins over both, and then nothing is said', async () => {
    const cwd = await scratch();
    const chosen = join(await scratch(), 'mine');
    await mkdir(join(cwd, '.wg-sync'));
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const config = loadConfigFromEnv({ ...base, WG_SYNC_STATE_DIR: chosen }, { cwd });
    expect(await landsIn(config.store, chosen)).toContain('probe.json');
    expect(write).not.toHaveBeenCalled();
  });
});
