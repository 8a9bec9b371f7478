import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createSync, defaultStateDir, loadConfigFromEnv, silentLogger } from '@wg-sync/core';
import { describe, expect, it } from 'vitest';
import { cliWorld, GARMIN_EMAIL, linkAccount } from './cli.js';

describe('one default state location for the CLI and for code', () => {
  it('an account linked with the CLI (default directories) is the one loadConfigFromEnv() finds and syncs', async () => {
    const world = await cliWorld();
    // What a person has: HOME only, no WG_SYNC_CONFIG_DIR, no WG_SYNC_STATE_DIR.
    const { WG_SYNC_CONFIG_DIR: _dir, ...env } = world.env;
    await linkAccount({ ...world, env });
    const state = join(world.home, '.config', 'wg-sync', 'state');
    expect(existsSync(join(state, `account+${world.userId}.json`))).toBe(true);
    expect(defaultStateDir(env)).toBe(state);

    // The README's snippet, run from a project directory of its own.
    const project = join(world.home, 'project');
    await mkdir(project);
    const sync = createSync({ ...loadConfigFromEnv(env, { cwd: project }), logger: silentLogger });
    expect((await sync.accounts.list()).map((a) => a.userId)).toEqual([world.userId]);
    world.withings.addWeighIn(world.userId, { takenAt: new Date(Date.now() - 90_000), weightKg: 68.8 });
    const report = await sync.syncRecent();
    expect(report.failed).toEqual([]);
    expect(world.garmin.weighIns(GARMIN_EMAIL)).toHaveLength(1);
  });
});
