import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * The usual Chrome and Chromium locations, in the order `@wg-sync/garmin`'s `garminBrowserLogin`
 * tries them (garmin's tests check the two lists are equal).
 */
export const SYSTEM_CHROMIUM_PATHS: readonly string[] = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
  'C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe',
];

/**
 * Flags for a test browser, whichever binary it is. `--no-sandbox`: tests run as root in CI, where
 * Chromium's sandbox refuses to start, and they only load pages from 127.0.0.1. The rest keep
 * Chromium off the network (a closed CI network refuses its background connections, many at a time).
 * `@sparticuz/chromium`'s own `args` are deliberately not used: they turn off web security and site
 * isolation, which would let a test pass that a real browser fails.
 */
export const TEST_CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where {@link testChromium} found its browser. */
export type TestChromiumSource = 'WG_SYNC_CHROMIUM' | 'system' | '@sparticuz/chromium';

/** A Chromium to hand to Playwright's `chromium.launch({ executablePath, args })`. */
export interface TestChromium {
  executablePath: string;
  /** {@link TEST_CHROMIUM_ARGS}. */
  args: string[];
  source: TestChromiumSource;
}

/** The part of `@sparticuz/chromium` that {@link testChromium} uses. */
export interface SparticuzChromium {
  /** The package's version: each version is unpacked once into its own folder. */
  version: string;
  /** Unpacks the browser into `os.tmpdir()` (its default) and resolves to the binary's path. */
  executablePath(): Promise<string>;
}

/** What {@link testChromium} looks at; each defaults to the real thing. */
export interface TestChromiumOptions {
  /** Default `process.env` (read: `WG_SYNC_CHROMIUM`; an empty value counts as unset). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Whether a browser file exists (default `fs.existsSync`). */
  exists?: (path: string) => boolean;
  /** Default {@link SYSTEM_CHROMIUM_PATHS}. */
  systemPaths?: readonly string[];
  /** Loads `@sparticuz/chromium` (default: the optional peer dependency, Linux x64 only). */
  loadSparticuz?: () => Promise<SparticuzChromium>;
  /** Where the npm browser is unpacked, one folder per version (default `os.tmpdir()`). */
  cacheRoot?: string;
}

/** What went wrong in {@link testChromium}. */
export type TestChromiumErrorCode =
  /** `WG_SYNC_CHROMIUM` names a path where nothing is. */
  | 'WG_SYNC_CHROMIUM_NOT_FOUND'
  /** No system browser, and `@sparticuz/chromium` is not installed or cannot run on this platform. */
  | 'NO_CHROMIUM'
  /** `@sparticuz/chromium` could not unpack its browser. */
  | 'UNPACK_FAILED';

/** Thrown by {@link testChromium}; `code` says which prerequisite is missing. */
export class TestChromiumError extends Error {
  readonly code: TestChromiumErrorCode;

  constructor(code: TestChromiumErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * The Chromium for browser tests, so they pass on a machine with no browser installed: the path in
 * `WG_SYNC_CHROMIUM` if set, else the first of {@link SYSTEM_CHROMIUM_PATHS} that exists (the browser
 * the product itself would start), else the one inside the npm package `@sparticuz/chromium`
 * (an optional peer dependency: add it to your devDependencies; about 65 MB, Linux x64). The npm
 * browser is unpacked once per version into `<tmpdir>/wg-sync-chromium-<version>/` (about 190 MB,
 * 2–15 s); parallel test workers may unpack at the same time, and the first complete copy wins.
 * Never falls back silently: a `WG_SYNC_CHROMIUM` that points nowhere is an error.
 *
 * @throws {@link TestChromiumError}
 *
 * @example
 * ```ts
 * import { testChromium } from '@wg-sync/testkit';
 * import { chromium } from 'playwright-core';
 *
 * const { executablePath, args } = await testChromium();
 * const browser = await chromium.launch({ executablePath, args, headless: true });
 * ```
 */
export async function testChromium(options: TestChromiumOptions = {}): Promise<TestChromium> {
  const env = options.env ?? process.env;
  const exists = options.exists ?? existsSync;
  const args = [...TEST_CHROMIUM_ARGS];
  const fromEnv = env.WG_SYNC_CHROMIUM;
  if (fromEnv) {
    if (!exists(fromEnv)) {
      throw new TestChromiumError(
        'WG_SYNC_CHROMIUM_NOT_FOUND',
        `WG_SYNC_CHROMIUM is ${fromEnv}, but there is no file there: fix the path or unset it`,
      );
    }
    return { executablePath: fromEnv, args, source: 'WG_SYNC_CHROMIUM' };
  }
  const system = (options.systemPaths ?? SYSTEM_CHROMIUM_PATHS).find((path) => exists(path));
  if (system) return { executablePath: system, args, source: 'system' };
  const sparticuz = await (options.loadSparticuz ?? loadSparticuz)();
  const executablePath = await unpackOnce(sparticuz, options.cacheRoot ?? tmpdir());
  return { executablePath, args, source: '@sparticuz/chromium' };
}

const unpacking = new Map<string, Promise<string>>();

/** One unpacking per folder per process; a failed one may be retried. */
function unpackOnce(sparticuz: SparticuzChromium, cacheRoot: string): Promise<string> {
  const cache = join(cacheRoot, `wg-sync-chromium-${sparticuz.version.replace(/[^\w.-]/g, '_')}`);
  let pending = unpacking.get(cache);
  if (!pending) {
    pending = unpack(sparticuz, cacheRoot, cache);
    unpacking.set(cache, pending);
    pending.catch(() => unpacking.delete(cache));
  }
  return pending;
}

/**
 * `@sparticuz/chromium` unpacks into `os.tmpdir()` and trusts any file already there, so a second
 * worker would start a half-written binary, and a killed run would leave one for good. So each
 * unpacking goes to a scratch folder and is renamed into place only when complete: the binary under
 * `cache` exists only whole.
 */
async function unpack(sparticuz: SparticuzChromium, cacheRoot: string, cache: string): Promise<string> {
  const binary = join(cache, 'chromium');
  if (existsSync(binary)) return binary;
  const scratch = mkdtempSync(join(cacheRoot, 'wg-sync-chromium-unpacking-'));
  try {
    // It reads tmpdir() synchronously, before its first await, so TMPDIR is back before other code runs.
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = scratch;
    let unpacked: Promise<string>;
    try {
      unpacked = sparticuz.executablePath();
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
    const path = await unpacked;
    if (path !== join(scratch, 'chromium')) {
      throw new Error(`it unpacked to ${path}, not into ${scratch}`);
    }
    try {
      renameSync(scratch, cache);
    } catch (error) {
      if (!existsSync(binary)) throw error;
      // another worker got there first with a complete copy
    }
    return binary;
  } catch (error) {
    throw new TestChromiumError(
      'UNPACK_FAILED',
      `@sparticuz/chromium ${sparticuz.version} could not unpack its browser: ${firstLine(error)}`,
      { cause: error },
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function loadSparticuz(): Promise<SparticuzChromium> {
  const none = 'no Chromium found: set WG_SYNC_CHROMIUM to a Chromium or Chrome, install one';
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new TestChromiumError(
      'NO_CHROMIUM',
      `${none} (the npm package @sparticuz/chromium runs on Linux x64 only, this is ${process.platform} ${process.arch})`,
    );
  }
  try {
    const module = await import('@sparticuz/chromium');
    const require = createRequire(import.meta.url);
    return { version: packageVersion(require.resolve('@sparticuz/chromium')), ...bind(module.default) };
  } catch (error) {
    throw new TestChromiumError(
      'NO_CHROMIUM',
      `${none}, or add the dev dependency @sparticuz/chromium (it ships one): ${firstLine(error)}`,
      { cause: error },
    );
  }
}

function bind(chromium: { executablePath(input?: string): Promise<string> }) {
  return { executablePath: () => chromium.executablePath() };
}

/** The version in the nearest package.json above the entry file (its `exports` hide package.json). */
function packageVersion(entry: string): string {
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (manifest.name === '@sparticuz/chromium' && manifest.version) return manifest.version;
  }
  throw new Error(`no package.json of @sparticuz/chromium above ${entry}`);
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n', 1)[0] ?? '';
}
