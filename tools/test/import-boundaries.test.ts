import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { relativeEscapes } from '../check-import-boundaries.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const biome = join(repo, 'node_modules', '.bin', 'biome');
const SPAWN_TIMEOUT = 30_000;
// Two spawns per test at most; each loads biome or TypeScript, which takes seconds on a busy machine.
const TEST_TIMEOUT = 2 * SPAWN_TIMEOUT + 10_000;
const RULE = 'lint/style/noRestrictedImports';
// Each rule's own message in biome.json, so a probe is shown to fail for the rule it is meant to break.
const LEAF = 'are leaves';
const ADAPTER = "Adapters import only '@wg-sync/core'";
const TESTKIT = "The testkit imports none of wg-sync's packages";
const REDACT = 'redact is the innermost leaf';

/** Probe files that break a rule, each with the message of the rule it breaks. */
const broken: Record<string, [string, string]> = {
  'packages/garmin/src/probe-core.ts': [
    "import { createSync } from '@wg-sync/core';\nexport const probe = createSync;\n",
    LEAF,
  ],
  'packages/withings/src/probe-type.ts': [
    "import type { Sync } from '@wg-sync/core';\nexport type Probe = Sync;\n",
    LEAF,
  ],
  'packages/fit/src/nested/probe-dynamic.ts': [
    "export const probe = () => import('@wg-sync/adapter-express/node-http');\n",
    LEAF,
  ],
  'packages/garmin/src/probe-cli.ts': ["export { run } from '@wg-sync/cli';\n", LEAF],
  'packages/redact/src/probe-core.ts': [
    "import type { Logger } from '@wg-sync/core';\nexport type Probe = Logger;\n",
    REDACT,
  ],
  'packages/redact/src/nested/probe-withings.ts': [
    "export const probe = () => import('@wg-sync/withings');\n",
    REDACT,
  ],
  'packages/adapter-express/src/probe-testing.ts': [
    "import { runStateStoreContract } from '@wg-sync/core/testing';\nexport const probe = runStateStoreContract;\n",
    ADAPTER,
  ],
  'packages/adapter-lambda/src/async/probe-dist.ts': [
    "import { createSync } from '@wg-sync/core/dist/index.js';\nexport const probe = createSync;\n",
    ADAPTER,
  ],
  'packages/testkit/src/probe-garmin.ts': [
    "import { GarminClient } from '@wg-sync/garmin';\nexport const probe = GarminClient;\n",
    TESTKIT,
  ],
  'packages/testkit/src/garmin/probe-fit.ts': [
    "import type { WeightEntry } from '@wg-sync/fit';\nexport type Probe = WeightEntry;\n",
    TESTKIT,
  ],
  'packages/testkit/src/probe-withings.ts': [
    "import { WithingsClient } from '@wg-sync/withings';\nexport const probe = WithingsClient;\n",
    TESTKIT,
  ],
  'packages/testkit/src/probe-redact.ts': [
    "import { redact } from '@wg-sync/redact';\nexport const probe = redact;\n",
    TESTKIT,
  ],
  'packages/testkit/src/probe-core.ts': [
    "import { createSync } from '@wg-sync/core';\nexport const probe = createSync;\n",
    TESTKIT,
  ],
  'packages/testkit/src/probe-adapter.ts': [
    "import { lambdaAdapter } from '@wg-sync/adapter-lambda';\nexport const probe = lambdaAdapter;\n",
    TESTKIT,
  ],
};

/** The nearest allowed import for each rule: the lint must accept every one of them. */
const allowed: Record<string, string> = {
  'packages/garmin/src/probe-ok.ts':
    "import type { WeightEntry } from '@wg-sync/fit';\nexport type Probe = WeightEntry;\n",
  // The leaves share the one redactor.
  'packages/withings/src/probe-redact-ok.ts':
    "import { redact } from '@wg-sync/redact';\nexport const probe = redact;\n",
  'packages/fit/src/probe-redact-ok.ts':
    "import type { Redactor } from '@wg-sync/redact';\nexport type Probe = Redactor;\n",
  'packages/redact/src/probe-ok.ts': "import { inspect } from 'node:util';\nexport const probe = inspect;\n",
  'packages/adapter-express/src/probe-ok.ts':
    "import { createSync } from '@wg-sync/core';\nexport const probe = createSync;\n",
  // Adapters' tests may use core's test helpers; only src/ is held to the public entry.
  'packages/adapter-lambda/test/probe-ok.ts':
    "import { runStateStoreContract } from '@wg-sync/core/testing';\nexport const probe = runStateStoreContract;\n",
  'packages/testkit/src/probe-ok.ts':
    "import { Encoder } from '@garmin/fitsdk';\nexport const probe = Encoder;\n",
};

const roots: string[] = [];
afterAll(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A scratch tree holding the repository's real biome.json and the given files. */
function tree(files: Record<string, string>) {
  const root = mkdtempSync(join(tmpdir(), 'wg-sync-boundaries-'));
  roots.push(root);
  copyFileSync(join(repo, 'biome.json'), join(root, 'biome.json'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

/** Lints `root/packages` with the repo's biome; the scratch tree is no git checkout, hence no VCS. */
function lint(root: string) {
  const run = spawnSync(
    biome,
    ['lint', '--vcs-enabled=false', '--reporter=github', '--max-diagnostics=none', 'packages'],
    { cwd: root, encoding: 'utf8', timeout: SPAWN_TIMEOUT },
  );
  if (run.error) throw run.error;
  // `::error title=<rule>,file=<absolute path>,line=…::<message>`
  const diagnostics = [...run.stdout.matchAll(/^::\w+ title=([^,]+),file=([^,]+),[^:]*::(.*)$/gm)].map(
    ([, rule, file, message]) => ({ rule, file: (file ?? '').slice(root.length + 1), message }),
  );
  return { status: run.status, diagnostics, output: run.stdout + run.stderr };
}

describe('import boundaries in biome.json', { timeout: TEST_TIMEOUT }, () => {
  it('fails the lint on every probe that breaks a rule, each for its own rule', () => {
    const root = tree(Object.fromEntries(Object.entries(broken).map(([path, [text]]) => [path, text])));
    const result = lint(root);
    expect(result.status, result.output).not.toBe(0);
    for (const [path, [, message]] of Object.entries(broken)) {
      const mine = result.diagnostics.filter((d) => d.file === path);
      expect(mine, `${path}\n${result.output}`).toEqual([
        expect.objectContaining({ rule: RULE, message: expect.stringContaining(message) }),
      ]);
    }
  });

  it('passes the lint on the allowed imports next to each rule', () => {
    const result = lint(tree(allowed));
    expect(result.diagnostics, result.output).toEqual([]);
    expect(result.status, result.output).toBe(0);
  });
});

describe('relative imports out of a package (tools/check-import-boundaries.mjs)', {
  timeout: TEST_TIMEOUT,
}, () => {
  const files = {
    'packages/adapter-express/src/probe.ts':
      "// '../../core/src/in-a-comment.js' is not an import\nimport { createSync } from '../../core/src/index.js';\nexport const probe = createSync;\n",
    'packages/adapter-lambda/src/async/probe.ts':
      "import type { Sync } from '../../../core/src/sync.js';\nexport type Probe = Sync;\n",
    'packages/garmin/src/probe.ts': "export const probe = () => import('../../fit/src/encode.js');\n",
    // Relative paths that stay inside the package are fine, however deep.
    'packages/testkit/src/withings/probe.ts':
      "import { a } from '../garmin/sim.js';\nimport { b } from './local.js';\nexport const probe = [a, b];\n",
    'packages/core/src/a/b/c/probe.ts': "export { c } from '../../../index.js';\n",
  };

  it('reports each import that leaves its package, with file and line', () => {
    expect(relativeEscapes(tree(files)).sort()).toEqual([
      'packages/adapter-express/src/probe.ts:2: ../../core/src/index.js',
      'packages/adapter-lambda/src/async/probe.ts:1: ../../../core/src/sync.js',
      'packages/garmin/src/probe.ts:1: ../../fit/src/encode.js',
    ]);
  });

  it('fails `pnpm lint` when one exists and passes when none does', () => {
    const lintScript = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).scripts.lint;
    expect(lintScript).toContain('node tools/check-import-boundaries.mjs');
    const script = join(repo, 'tools', 'check-import-boundaries.mjs');
    const run = (root: string) =>
      spawnSync(process.execPath, [script, root], { encoding: 'utf8', timeout: SPAWN_TIMEOUT });
    const bad = run(tree(files));
    expect(bad.status, bad.stderr).toBe(1);
    expect(bad.stderr).toContain('packages/adapter-express/src/probe.ts:2: ../../core/src/index.js');
    const good = run(
      tree({ 'packages/testkit/src/withings/probe.ts': files['packages/testkit/src/withings/probe.ts'] }),
    );
    expect(good.status, good.stderr).toBe(0);
  });
});
