import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type GarminSim,
  startGarminSim,
  startWithingsSim,
  type WithingsSim,
} from '../../packages/testkit/src/index.js';

// wg-sync the way a user gets it: every package packed (`pnpm pack`, as `pnpm publish` would), the
// tarballs `npm install`ed into an empty app (third-party dependencies come from the npm registry),
// and the root README's "Use it from code" block run from there against the simulators, as ESM and as
// CJS, then type-checked with moduleResolution node10 and nodenext. About 1–2 minutes, most of it
// `npm install` (the first run on a machine fills the npm cache). Needs `pnpm build` (`pnpm test` does).
const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

const EMAIL = 'ana@example.com';
const PASSWORD = 'pw-ana-5d81c3';
const REDIRECT_URI = 'https://sync.example.org/withings/callback';

const packageDirs = readdirSync(join(root, 'packages')).filter((dir) => {
  const file = join(root, 'packages', dir, 'package.json');
  return existsSync(file) && !JSON.parse(readFileSync(file, 'utf8')).private;
});

/** The ```ts block after the `use-from-code` marker in the root README. */
function readmeSnippet(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = /<!-- use-from-code[^>]*-->\s*```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error('README.md: no ```ts block after <!-- use-from-code … -->');
  return block;
}

/** TypeScript to JavaScript, imports kept as written (as `tsc` with verbatimModuleSyntax emits them). */
const stripTypes = (code: string) =>
  ts.transpileModule(code, {
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      verbatimModuleSyntax: true,
    },
  }).outputText;

/** The snippet as a CommonJS script: `import { a } from 'x'` → `require`, the rest in an async function. */
function asCommonJs(code: string): string {
  const lines = code.split('\n');
  const imports = lines.filter((line) => line.startsWith('import '));
  const body = lines.filter((line) => !line.startsWith('import ')).join('\n');
  const requires = imports.map((line) => {
    const match = /^import \{ ([^}]+) \} from '([^']+)';$/.exec(line);
    if (!match) throw new Error(`cannot turn into require: ${line}`);
    return `const { ${match[1]} } = require('${match[2]}');`;
  });
  return `${requires.join('\n')}\n(async () => {\n${body}\n})().catch((error) => {\n  console.error(error);\n  process.exitCode = 1;\n});\n`;
}

/**
 * Preloaded into every process of the app (`node --require`): the README's code talks to Withings and
 * Garmin by their real names; this sends those requests to the simulators instead, the way a proxy
 * would, and refuses anything else that is not on this machine.
 */
const REDIRECT = `'use strict';
const targets = JSON.parse(process.env.SIM_TARGETS);
const realFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  for (const [from, to] of Object.entries(targets)) {
    if (url === from || url.startsWith(from + '/')) {
      const moved = to + url.slice(from.length);
      return realFetch(typeof input === 'string' || input instanceof URL ? moved : new Request(moved, input), init);
    }
  }
  if (!/^http:\\/\\/127\\.0\\.0\\.1[:/]/.test(url)) return Promise.reject(new Error('not on this machine: ' + url));
  return realFetch(input, init);
};
`;

/** Links the person the way the README's comment says, with the packages installed in the app. */
const LINK = `import { createSync, fileStore, silentLogger } from '@wg-sync/core';
import { garminLogin } from '@wg-sync/garmin';
import { withingsOAuth } from '@wg-sync/withings';

const { WITHINGS_CLIENT_ID: clientId, WITHINGS_CLIENT_SECRET: clientSecret, CODE: code, REDIRECT_URI: redirectUri } = process.env;
const sync = createSync({ withings: { clientId, clientSecret }, store: fileStore(), logger: silentLogger });
const account = await sync.accounts.link({
  withings: await withingsOAuth.exchangeCode({ clientId, clientSecret, code, redirectUri }),
  garmin: await garminLogin({ email: process.env.GARMIN_EMAIL, password: process.env.GARMIN_PASSWORD }),
});
console.log(account.userId);
`;

let dir: string;
let app: string;
let withings: WithingsSim;
let garmin: GarminSim;
let env: Record<string, string>;
let userId: string;

async function node(args: string[], extra: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, args, {
      cwd: app,
      env: { ...env, ...extra },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

beforeAll(async () => {
  for (const pkg of packageDirs)
    if (!existsSync(join(root, 'packages', pkg, 'dist', 'index.js')))
      throw new Error(`packages/${pkg}/dist is missing: run pnpm build first (pnpm test does)`);
  dir = await mkdtemp(join(tmpdir(), 'wg-sync-installed-'));
  app = join(dir, 'app');
  const tarballs = join(dir, 'tarballs');
  await mkdir(app);
  for (const pkg of packageDirs)
    await run('pnpm', ['pack', '--pack-destination', tarballs], {
      cwd: join(root, 'packages', pkg),
      timeout: 60_000,
    });
  await writeFile(
    join(app, 'package.json'),
    `${JSON.stringify({ name: 'app', version: '1.0.0', private: true })}\n`,
  );
  const files = readdirSync(tarballs).map((file) => join(tarballs, file));
  expect(files).toHaveLength(packageDirs.length);
  // @types/express: what a TypeScript user of the Express adapter installs too (its README says so).
  const installs = [...files, '@types/express@5.0.6'];
  await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...installs], {
    cwd: app,
    timeout: 240_000,
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });

  withings = await startWithingsSim();
  garmin = await startGarminSim({
    accounts: [{ email: EMAIL, password: PASSWORD, timeZone: 'Europe/Berlin' }],
  });
  await writeFile(join(app, 'redirect.cjs'), REDIRECT);
  env = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    WITHINGS_CLIENT_ID: withings.clientId,
    WITHINGS_CLIENT_SECRET: withings.clientSecret,
    SIM_TARGETS: JSON.stringify({
      'https://wbsapi.withings.net': withings.url,
      'https://account.withings.com': withings.url,
      'https://sso.garmin.com': garmin.url,
      'https://diauth.garmin.com': garmin.url,
      'https://connectapi.garmin.com': garmin.url,
    }),
    NODE_OPTIONS: '--require ./redirect.cjs',
  };
  userId = withings.addUser({ timeZone: 'Europe/Berlin' });
  await writeFile(join(app, 'link.mjs'), LINK);
  const linked = await node(['link.mjs'], {
    CODE: withings.issueCode(userId, { redirectUri: REDIRECT_URI }),
    REDIRECT_URI,
    GARMIN_EMAIL: EMAIL,
    GARMIN_PASSWORD: PASSWORD,
  });
  expect(linked.stderr).toBe('');
  expect(linked.stdout).toBe(`${userId}\n`);
}, 300_000);

afterAll(async () => {
  await withings?.close();
  await garmin?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the packages as npm installs them', () => {
  it('installs nothing the CLI only needs for a browser sign-in, and no unused CJS executable', () => {
    expect(existsSync(join(app, 'node_modules/playwright-core'))).toBe(false);
    expect(existsSync(join(app, 'node_modules/impit'))).toBe(false);
    expect(existsSync(join(app, 'node_modules/@wg-sync/cli/dist/bin.js'))).toBe(true);
    expect(existsSync(join(app, 'node_modules/@wg-sync/cli/dist/bin.cjs'))).toBe(false);
    for (const pkg of packageDirs)
      expect(existsSync(join(app, 'node_modules/@wg-sync', pkg, 'LICENSE')), pkg).toBe(true);
  });

  it("runs the README's “Use it from code” as ESM and as CJS: it syncs, and prints only its own line on stdout", {
    timeout: 120_000,
  }, async () => {
    const snippet = readmeSnippet();
    await writeFile(join(app, 'snippet.mjs'), stripTypes(snippet));
    await writeFile(join(app, 'snippet.cjs'), stripTypes(asCommonJs(snippet)));
    const minutesAgo = (minutes: number) =>
      new Date(Math.floor((Date.now() - minutes * 60_000) / 1000) * 1000);

    withings.addWeighIn(userId, { takenAt: minutesAgo(30), weightKg: 81.4, fatPercent: 21.2 });
    const esm = await node(['snippet.mjs']);
    expect(esm.code, esm.stderr).toBe(0);
    // synced, skipped, failed: and not one log line, which go to stderr.
    expect(esm.stdout).toBe('1 0 0\n');
    expect(esm.stderr).toMatch(/"event":"sync.completed"/);

    withings.addWeighIn(userId, { takenAt: minutesAgo(10), weightKg: 81.1 });
    const cjs = await node(['snippet.cjs']);
    expect(cjs.code, cjs.stderr).toBe(0);
    // The first weigh-in is read again (the last 7 days) and skipped: the ledger has it.
    expect(cjs.stdout).toBe('1 1 0\n');

    expect(garmin.weighIns(EMAIL).map((w) => w.weight)).toEqual([81_400, 81_100]);
    for (const secret of [...withings.secrets(), ...garmin.secrets()])
      expect(esm.stdout + esm.stderr + cjs.stdout + cjs.stderr).not.toContain(secret);
  });

  it('type-checks with moduleResolution node10 and nodenext, every entry point included', {
    timeout: 120_000,
  }, async () => {
    const snippet = readmeSnippet();
    const entries = packageDirs.flatMap((pkg) => {
      const manifest = JSON.parse(
        readFileSync(join(app, 'node_modules/@wg-sync', pkg, 'package.json'), 'utf8'),
      );
      return Object.keys(manifest.exports as Record<string, unknown>)
        .filter((key) => key !== './package.json')
        .map((key) => `${manifest.name}${key.slice(1)}`);
    });
    const imports = entries.map((name, i) => `import type * as entry${i} from '${name}';`).join('\n');
    const uses = `export type Entries = [${entries.map((_, i) => `typeof entry${i}`).join(', ')}];\n`;
    await writeFile(join(app, 'snippet.mts'), snippet);
    await writeFile(
      join(app, 'snippet-cjs.ts'),
      asCommonJs(snippet).replace(/^const \{ (.+) \} = require\('(.+)'\);$/gm, "import { $1 } from '$2';"),
    );
    await writeFile(join(app, 'entries.mts'), `${imports}\n${uses}`);
    await writeFile(join(app, 'entries.ts'), `${imports}\n${uses}`);
    const common = {
      target: 'ES2022',
      lib: ['ES2023', 'DOM'],
      strict: true,
      noEmit: true,
      // The packages' own declaration files are what is checked here, and everything they import.
      skipLibCheck: false,
      types: ['node'],
      typeRoots: [join(root, 'node_modules/@types')],
    };
    const configs = {
      'tsconfig.node10.json': {
        compilerOptions: {
          ...common,
          module: 'commonjs',
          moduleResolution: 'node10',
          ignoreDeprecations: '6.0',
        },
        files: ['snippet-cjs.ts', 'entries.ts'],
      },
      'tsconfig.nodenext.json': {
        compilerOptions: { ...common, module: 'nodenext', moduleResolution: 'nodenext' },
        files: ['snippet.mts', 'entries.mts'],
      },
    };
    for (const [file, config] of Object.entries(configs)) {
      await writeFile(join(app, file), JSON.stringify(config, null, 2));
      const result = await run(process.execPath, [tsc, '-p', file], { cwd: app, timeout: 100_000 }).then(
        ({ stdout }) => ({ code: 0, stdout }),
        (error: { code?: number; stdout?: string }) => ({ code: error.code, stdout: error.stdout ?? '' }),
      );
      expect(result.stdout, file).toBe('');
      expect(result.code, file).toBe(0);
    }
  });

  it('the installed CLI, asked for a browser sign-in without playwright-core, says what to install (exit 2)', {
    timeout: 60_000,
  }, async () => {
    const result = await node(
      [
        join(app, 'node_modules/.bin/wg-sync'),
        'garmin',
        'login',
        '--method',
        'browser',
        // Any existing file passes the browser lookup, which comes first; the browser never starts.
        '--executable-path',
        process.execPath,
      ],
      // HOME is the test's: the account linked above, in the one default state directory.
      { NODE_OPTIONS: '' },
    );
    expect(result.stderr).toMatch(
      /^wg-sync: the browser sign-in needs playwright-core, which is not installed$/m,
    );
    expect(result.stderr).toContain('npm install -g playwright-core');
    expect(result.code).toBe(2);
  });
});
