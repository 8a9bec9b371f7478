import { utimesSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileStore, StoreError } from '../src/index.js';
import { lockFile } from '../src/store/lock-file.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** Settles `promise` or fails after `ms`: the bug these tests pin is a loop that never settles. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms),
    ),
  ]);
}

describe('the file store gives up instead of retrying forever', () => {
  // Node's mkdir({ recursive: true }) loops on ENOENT when the parent exists but refuses new entries.
  it.each([
    ['/proc/wg-sync-nope', /cannot create the state directory \/proc\/wg-sync-nope: ENOENT/],
    ['/proc/wg-sync-nope/deeper/state', /cannot create the state directory .*: ENOENT/],
    [
      '/etc/passwd/state',
      /cannot create the state directory \/etc\/passwd\/state: ENOTDIR \(a part of the path is a file/,
    ],
  ])('a state directory that cannot be created (%s) is a StoreError at once', async (dir, message) => {
    const started = Date.now();
    const error = await within(
      fileStore(dir)
        .get('cursor/1')
        .catch((e: unknown) => e),
      5000,
    );
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE', message: expect.stringMatching(message) });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('creates every missing level of a deep directory (what recursive mkdir did)', async () => {
    const root = await mkdtemp(join(tmpdir(), 'wg-sync-deep-'));
    dirs.push(root);
    const store = fileStore(join(root, 'a', 'b', 'c'));
    await store.put('k', 1);
    expect((await store.get('k'))?.value).toBe(1);
  });

  it('a lock that keeps reappearing stale (broken, then planted again) times out at waitMs', async () => {
    const root = await mkdtemp(join(tmpdir(), 'wg-sync-lock-loop-'));
    dirs.push(root);
    const path = join(root, 'k.json.lock');
    const old = new Date(Date.now() - 60_000);
    const plantStale = () => {
      writeFileSync(path, 'someone', { mode: 0o600 });
      utimesSync(path, old, old);
    };
    plantStale();
    // Every break succeeds and every retry finds a stale lock again: the retry path that skipped
    // the deadline check spun here forever.
    const error = await within(
      lockFile(path, {
        waitMs: 200,
        step: (step) => {
          if (step === 'broke:removed') plantStale();
        },
      }).catch((e: unknown) => e),
      5000,
    );
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toMatch(/timed out waiting for lock/);
  });
});
