import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type SparticuzChromium,
  SYSTEM_CHROMIUM_PATHS,
  TEST_CHROMIUM_ARGS,
  TestChromiumError,
  testChromium,
} from '../src/index.js';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});
function scratchRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'wg-sync-test-chromium-'));
  roots.push(root);
  return root;
}

/** A stand-in for @sparticuz/chromium: like the real one, it writes `chromium` into os.tmpdir(). */
function fakeSparticuz(version: string, calls: string[]): SparticuzChromium {
  return {
    version,
    executablePath() {
      const dir = tmpdir(); // read synchronously, as the real package does
      calls.push(dir);
      return new Promise((resolve) =>
        setTimeout(() => {
          writeFileSync(join(dir, 'chromium'), `binary ${version}`);
          resolve(join(dir, 'chromium'));
        }, 20),
      );
    },
  };
}

const nothing = () => false;

describe('testChromium picks the browser for tests', () => {
  it('WG_SYNC_CHROMIUM wins over everything, with the test flags', async () => {
    const found = await testChromium({
      env: { WG_SYNC_CHROMIUM: '/opt/my/chrome' },
      exists: (path) => path === '/opt/my/chrome' || path === '/usr/bin/chromium',
      loadSparticuz: () => Promise.reject(new Error('must not be loaded')),
    });
    expect(found).toEqual({
      executablePath: '/opt/my/chrome',
      args: [...TEST_CHROMIUM_ARGS],
      source: 'WG_SYNC_CHROMIUM',
    });
  });

  it('a WG_SYNC_CHROMIUM that points nowhere is an error, never a silent fallback', async () => {
    const error = await testChromium({
      env: { WG_SYNC_CHROMIUM: '/no/such/chrome' },
      exists: (path) => path === '/usr/bin/chromium',
    }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(TestChromiumError);
    expect((error as TestChromiumError).code).toBe('WG_SYNC_CHROMIUM_NOT_FOUND');
    expect((error as Error).message).toContain('/no/such/chrome');
  });

  it('an empty WG_SYNC_CHROMIUM counts as unset; then the first system browser that exists', async () => {
    const found = await testChromium({
      env: { WG_SYNC_CHROMIUM: '' },
      exists: (path) => path === '/usr/bin/google-chrome' || path === '/snap/bin/chromium',
    });
    expect(found).toMatchObject({ executablePath: '/usr/bin/google-chrome', source: 'system' });
    expect(SYSTEM_CHROMIUM_PATHS.indexOf('/usr/bin/google-chrome')).toBeLessThan(
      SYSTEM_CHROMIUM_PATHS.indexOf('/snap/bin/chromium'),
    );
  });

  it('no system browser: unpacks the npm one once per version into its own folder, whole', async () => {
    const cacheRoot = scratchRoot();
    const calls: string[] = [];
    const loadSparticuz = async () => fakeSparticuz('143.0.4', calls);
    const options = { env: {}, exists: nothing, systemPaths: [], loadSparticuz, cacheRoot };
    // Two at once (parallel tests in one worker) and one after: one unpacking.
    const [first, second] = await Promise.all([testChromium(options), testChromium(options)]);
    const third = await testChromium(options);
    const binary = join(cacheRoot, 'wg-sync-chromium-143.0.4', 'chromium');
    for (const found of [first, second, third]) {
      expect(found).toEqual({
        executablePath: binary,
        args: [...TEST_CHROMIUM_ARGS],
        source: '@sparticuz/chromium',
      });
    }
    expect(calls).toHaveLength(1);
    expect(calls[0]).not.toBe(tmpdir()); // into a scratch folder, not the shared tmpdir
    expect(readFileSync(binary, 'utf8')).toBe('binary 143.0.4');
    expect(tmpdir()).not.toBe(calls[0]); // TMPDIR is restored
    // no scratch folder left behind
    expect(readdirSync(cacheRoot)).toEqual(['wg-sync-chromium-143.0.4']);
  });

  it('a folder left by another worker or an earlier run is used as it is', async () => {
    const cacheRoot = scratchRoot();
    mkdirSync(join(cacheRoot, 'wg-sync-chromium-150.0.0'));
    writeFileSync(join(cacheRoot, 'wg-sync-chromium-150.0.0', 'chromium'), 'earlier');
    const calls: string[] = [];
    const found = await testChromium({
      env: {},
      exists: nothing,
      systemPaths: [],
      loadSparticuz: async () => fakeSparticuz('150.0.0', calls),
      cacheRoot,
    });
    expect(found.executablePath).toBe(join(cacheRoot, 'wg-sync-chromium-150.0.0', 'chromium'));
    expect(calls).toHaveLength(0);
  });

  it('an unpacking that fails is UNPACK_FAILED, leaves nothing half-written, and may be retried', async () => {
    const cacheRoot = scratchRoot();
    let fail = true;
    const calls: string[] = [];
    const flaky: SparticuzChromium = {
      version: '151.0.0',
      executablePath() {
        if (fail) {
          const dir = tmpdir();
          writeFileSync(join(dir, 'chromium'), 'half');
          return Promise.reject(new Error('ENOSPC: no space left on device\nstack…'));
        }
        return fakeSparticuz('151.0.0', calls).executablePath();
      },
    };
    const options = {
      env: {},
      exists: nothing,
      systemPaths: [],
      loadSparticuz: async () => flaky,
      cacheRoot,
    };
    const error = await testChromium(options).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(TestChromiumError);
    expect((error as TestChromiumError).code).toBe('UNPACK_FAILED');
    expect((error as Error).message).toBe(
      '@sparticuz/chromium 151.0.0 could not unpack its browser: ENOSPC: no space left on device',
    );
    expect(readdirSync(cacheRoot)).toEqual([]);
    fail = false;
    const found = await testChromium(options);
    expect(existsSync(found.executablePath)).toBe(true);
  });

  it('no system browser and no npm browser: NO_CHROMIUM says every way to get one', async () => {
    const error = await testChromium({
      env: {},
      exists: nothing,
      systemPaths: [],
      loadSparticuz: () =>
        Promise.reject(new TestChromiumError('NO_CHROMIUM', 'no Chromium found: set WG_SYNC_CHROMIUM …')),
    }).catch((thrown: unknown) => thrown);
    expect((error as TestChromiumError).code).toBe('NO_CHROMIUM');
  });

  it('the real @sparticuz/chromium (this repo’s dev dependency) unpacks a browser that exists', async () => {
    // The default loader and cache: the same copy the browser tests start, so unpacked once per machine.
    const found = await testChromium({ env: {}, exists: nothing, systemPaths: [] });
    expect(found.source).toBe('@sparticuz/chromium');
    expect(found.executablePath).toMatch(/wg-sync-chromium-1\d\d\.[\d.]+\/chromium$/);
    expect(Number(/wg-sync-chromium-(\d+)/.exec(found.executablePath)?.[1])).toBeGreaterThanOrEqual(143);
    expect(existsSync(found.executablePath)).toBe(true);
  }, 60_000);
});
