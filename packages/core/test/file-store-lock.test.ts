import { spawn } from 'node:child_process';
import { link, lstat, mkdir, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fileStore } from '../src/index.js';
import { breakStaleLock, type LockStep, lockFile } from '../src/store/lock-file.js';
import { tempDirEachTest } from './temp-dir.js';

let root: string;
let lock: string;
tempDirEachTest('wg-sync-lock-', (dir) => {
  root = dir;
  lock = join(root, 'k.json.lock');
});

const LONG_AGO = new Date(Date.now() - 60_000);

/** The lock a process left when it died a minute ago. */
async function plantStale(path: string, token = 'dead-holder'): Promise<void> {
  await writeFile(path, token, { mode: 0o600 });
  await utimes(path, LONG_AGO, LONG_AGO);
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const settled = async (promise: Promise<unknown>) => {
  let done = false;
  void promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  await new Promise((resolve) => setTimeout(resolve, 60));
  return done;
};

describe('lockFile: breaking a stale lock', () => {
  it('a breaker that saw the lock stale, then paused, does not delete the fresh lock taken meanwhile', async () => {
    await plantStale(lock);
    // B sees the stale lock and is descheduled right there, before it breaks it.
    const bSawStale = deferred();
    const resumeB = deferred();
    const bBroke = deferred<LockStep>();
    let paused = false;
    const b = lockFile(lock, {
      step: async (step) => {
        if (step === 'observed-stale' && !paused) {
          paused = true;
          bSawStale.resolve();
          await resumeB.promise;
        }
        if (step.startsWith('broke:')) bBroke.resolve(step);
      },
    });
    await bSawStale.promise;

    // A breaks the same stale lock and takes a fresh one.
    const releaseA = await lockFile(lock);
    const tokenA = await readFile(lock, 'utf8');
    expect(tokenA).not.toBe('dead-holder');

    // B resumes and breaks what it saw stale: A's fresh lock must survive, and B must keep waiting.
    resumeB.resolve();
    expect(await bBroke.promise).toBe('broke:kept');
    expect(await readFile(lock, 'utf8')).toBe(tokenA);
    expect(await settled(b)).toBe(false);

    await releaseA();
    const releaseB = await b;
    expect(await readFile(lock, 'utf8')).not.toBe(tokenA);
    await releaseB();
    expect(await readdir(root)).toEqual([]);
  });

  it('a fresh lock that replaced the stale one between the check and the rename is put back', async () => {
    await plantStale(lock);
    const outcome = await breakStaleLock(lock, {
      step: async (step) => {
        if (step !== 'before-rename') return;
        // Between the breaker's read and its rename, the stale lock is replaced by a live holder's.
        await rm(lock);
        await writeFile(lock, 'live-holder', { mode: 0o600 });
      },
    });
    expect(outcome).toBe('kept');
    expect(await readFile(lock, 'utf8')).toBe('live-holder');
    expect(await readdir(root)).toEqual(['k.json.lock']); // no grave, no mutex left
  });

  it('a holder whose stale lock was broken does not delete its successor’s lock on release', async () => {
    let clock = Date.now();
    const options = { now: () => clock };
    const releaseFrozen = await lockFile(lock, options);
    clock += 60_000; // the holder froze for a minute: its lock is stale now
    const releaseSuccessor = await lockFile(lock, options);
    const successor = await readFile(lock, 'utf8');

    await releaseFrozen(); // wakes up and releases
    expect(await readFile(lock, 'utf8')).toBe(successor);
    await releaseSuccessor();
    expect(await readdir(root)).toEqual([]);
  });

  it('a holder that was slow but not broken still removes its own lock the careful way', async () => {
    let clock = Date.now();
    const release = await lockFile(lock, { now: () => clock });
    clock += 8_000; // past half the stale time, not stale yet
    await release();
    expect(await readdir(root)).toEqual([]);
  });

  it('a breaker that died holding the breakers’ mutex does not wedge the lock', async () => {
    await plantStale(lock);
    await plantStale(`${lock}.breaking`, 'dead-breaker');
    const release = await lockFile(lock, { waitMs: 2_000 });
    expect(await readdir(root)).toEqual(['k.json.lock']);
    await release();
    expect(await readdir(root)).toEqual([]);
  });

  it('a lock file holds a token unique to the acquisition, is 0600, and leaves nothing after release', async () => {
    const release = await lockFile(lock);
    const token = await readFile(lock, 'utf8');
    expect(token).toMatch(new RegExp(`^${process.pid}-[0-9a-f-]{36}$`));
    expect((await lstat(lock)).mode & 0o777).toBe(0o600);
    await release();
    const again = await lockFile(lock);
    expect(await readFile(lock, 'utf8')).not.toBe(token);
    await again();
    expect(await readdir(root)).toEqual([]);
  });

  it('a fresh lock is waited for, not broken, and the wait is bounded', async () => {
    const release = await lockFile(lock);
    const token = await readFile(lock, 'utf8');
    await expect(lockFile(lock, { waitMs: 100 })).rejects.toThrow(`timed out waiting for lock ${lock}`);
    expect(await readFile(lock, 'utf8')).toBe(token);
    await release();
  });
});

const CORE = fileURLToPath(new URL('..', import.meta.url));
const WORKER = join(CORE, 'test/fixtures/cas-increments.mjs');

describe('fileStore: two processes breaking the same stale lock', () => {
  it('lose no compare-and-swap increment and leave no lock, mutex or grave behind', async () => {
    // The children run the built package (plain Node 20 cannot load the TypeScript source).
    const built = (await stat(join(CORE, 'dist/index.js'))).mtimeMs;
    const sources = await Promise.all(
      ['src/store/file-store.ts', 'src/store/lock-file.ts', 'src/store/fd.ts'].map(
        async (file) => (await stat(join(CORE, file))).mtimeMs,
      ),
    );
    expect(
      built >= Math.max(...sources),
      'packages/core/dist is older than src/store: run pnpm --filter @wg-sync/core run build',
    ).toBe(true);

    const dir = join(root, 'state');
    await mkdir(dir, { mode: 0o700 });
    await fileStore(dir).put('counter', 0);
    const counterLock = join(dir, 'counter.json.lock');
    await plantStale(counterLock);
    // Holders that freeze: a stale lock re-appears whenever the lock is free, for most of the run, so
    // both processes race to break stale locks many times, not once.
    const template = join(root, 'frozen-holder');
    await plantStale(template, 'frozen-holder');

    const processes = 2;
    const storesPerProcess = 3;
    const increments = 30; // per store
    const total = processes * storesPerProcess * increments;
    const startAt = Date.now() + 300;
    let progress = 0;
    const children = Array.from({ length: processes }, () => {
      const child = spawn(
        process.execPath,
        [WORKER, dir, 'counter', String(increments), String(storesPerProcess), String(startAt)],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => {
        progress += chunk.toString().split('\n').filter(Boolean).length;
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      return new Promise<{ code: number | null; stderr: string }>((resolve) => {
        child.on('exit', (code) => resolve({ code, stderr }));
      });
    });
    let planted = 0;
    const planter = (async () => {
      while (progress < total * 0.75) {
        try {
          await link(template, counterLock);
          planted += 1;
        } catch {
          // held (EEXIST): plant again once it is free
        }
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    })();

    const results = await Promise.all(children);
    await planter;
    expect(results).toEqual(Array.from({ length: processes }, () => ({ code: 0, stderr: '' })));
    expect(planted).toBeGreaterThan(0);
    expect((await fileStore(dir).get('counter'))?.value).toBe(total);
    expect(await readdir(dir)).toEqual(['counter.json']);
  }, 20_000);
});
