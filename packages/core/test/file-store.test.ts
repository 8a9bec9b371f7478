import { lstat, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileStore, StoreConflictError, StoreCorruptError, StoreError } from '../src/index.js';
import { harness, minutesAgo } from './harness.js';
import { tempDirEachTest } from './temp-dir.js';

let root: string;
tempDirEachTest('wg-sync-file-store-', (dir) => {
  root = dir;
});

describe('fileStore', () => {
  it('keeps one file per key, 0600, in a 0700 directory, with no temporary files left', async () => {
    const dir = join(root, 'state');
    const store = fileStore(dir);
    await store.put('withings/37012345/tokens', { refreshToken: 'x' });
    await store.put('ledger/37012345/6120000101', { at: 1 });
    expect((await lstat(dir)).mode & 0o777).toBe(0o700);
    const files = (await readdir(dir)).sort();
    expect(files).toEqual(['ledger+37012345+6120000101.json', 'withings+37012345+tokens.json']);
    for (const file of files) expect((await lstat(join(dir, file))).mode & 0o777).toBe(0o600);
  });

  it('a corrupt file is a StoreCorruptError naming the path, and is left as it was', async () => {
    const dir = join(root, 'state');
    const store = fileStore(dir);
    await store.put('account/1', { ok: true });
    const path = join(dir, 'account+1.json');
    await writeFile(path, '{"version":3,"value":{"ok":tr');
    const error = await store.get('account/1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreCorruptError);
    expect((error as StoreCorruptError).location).toBe(path);
    expect((error as Error).message).toContain(path);
    await expect(store.put('account/1', { reset: true })).rejects.toBeInstanceOf(StoreCorruptError);
    await expect(store.list('account/')).rejects.toBeInstanceOf(StoreCorruptError);
    expect(await readFile(path, 'utf8')).toBe('{"version":3,"value":{"ok":tr');
  });

  it('a JSON file that is not a state entry is corrupt too', async () => {
    const dir = join(root, 'state');
    const store = fileStore(dir);
    await store.put('k', 1);
    await writeFile(join(dir, 'k.json'), '[1,2,3]');
    await expect(store.get('k')).rejects.toBeInstanceOf(StoreCorruptError);
  });

  it('refuses to read or replace a symlink', async () => {
    const dir = join(root, 'state');
    const store = fileStore(dir);
    await store.put('k', 1);
    await writeFile(join(root, 'elsewhere.json'), JSON.stringify({ version: 1, value: 'stolen' }));
    await symlink(join(root, 'elsewhere.json'), join(dir, 'evil.json'));
    await expect(store.get('evil')).rejects.toBeInstanceOf(StoreError);
    await expect(store.put('evil', 2)).rejects.toBeInstanceOf(StoreError);
    expect(JSON.parse(await readFile(join(root, 'elsewhere.json'), 'utf8')).value).toBe('stolen');
  });

  it('refuses a state directory that is a symlink', async () => {
    const real = join(root, 'real');
    await fileStore(real).put('k', 1);
    await symlink(real, join(root, 'link'));
    await expect(fileStore(join(root, 'link')).get('k')).rejects.toBeInstanceOf(StoreError);
  });

  it('compare-and-swap holds between two store instances on one directory (as two processes)', async () => {
    const dir = join(root, 'state');
    const [a, b] = [fileStore(dir), fileStore(dir)];
    const v1 = await a.put('withings/1/tokens', 'initial');
    const results = await Promise.allSettled([
      ...Array.from({ length: 6 }, () => a.put('withings/1/tokens', 'from-a', { ifVersion: v1 })),
      ...Array.from({ length: 6 }, () => b.put('withings/1/tokens', 'from-b', { ifVersion: v1 })),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(
      results
        .filter((r) => r.status === 'rejected')
        .every((r) => (r as PromiseRejectedResult).reason instanceof StoreConflictError),
    ).toBe(true);
    expect(await readdir(dir)).toEqual(['withings+1+tokens.json']);
  });

  it('breaks a lock file left by a crashed process once it is stale', async () => {
    const dir = join(root, 'state');
    const store = fileStore(dir);
    await store.put('k', 1);
    const lock = join(dir, 'k.json.lock');
    await writeFile(lock, '99999');
    const old = new Date(Date.now() - 60_000);
    const { utimes } = await import('node:fs/promises');
    await utimes(lock, old, old);
    await store.put('k', 2);
    expect((await store.get('k'))?.value).toBe(2);
  });

  it('survives a new instance reading what an earlier one wrote', async () => {
    const dir = join(root, 'state');
    const version = await fileStore(dir).put('cursor/1', { lastUpdate: 1741600000 });
    expect(await fileStore(dir).get('cursor/1')).toEqual({ value: { lastUpdate: 1741600000 }, version });
  });
});

describe('a corrupt state file during a sync', () => {
  it('is reported as a failure and by doctor, and nothing is reset', async () => {
    const h = await harness({ store: 'file' });
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(10), weightKg: 70 });
    await h.sync.syncRecent();
    const corrupted = join(h.stateDir ?? '', `cursor+${h.userId}.json`);
    await writeFile(corrupted, '{"version":');
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(5), weightKg: 70.5 });
    const report = await h.sync.syncRecent();
    expect(report.failed).toMatchObject([
      { code: 'STORE_CORRUPT', message: expect.stringContaining(corrupted) },
    ]);
    expect(await readFile(corrupted, 'utf8')).toBe('{"version":');
    const doctor = await h.sync.doctor();
    expect(doctor.ok).toBe(false);
    expect(doctor.accounts[0]?.checks).toMatchObject([{ name: 'state', status: 'fail' }]);
    // the person fixes the file: syncing resumes, nothing was lost
    await rm(corrupted);
    expect((await h.sync.syncRecent()).synced.map((s) => s.weightKg)).toEqual([70.5]);
  });
});
