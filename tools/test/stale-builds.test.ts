import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { staleBuilds } from '../stale-builds.mjs';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

const at = (seconds: number) => new Date(1_800_000_000_000 + seconds * 1000);
function file(path: string, seconds: number, content = '') {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
  utimesSync(path, at(seconds), at(seconds));
}

/** A workspace: cli → core → fit, plus an unrelated package; every build newer than its sources. */
function workspace() {
  const root = `${mkdtempSync(join(tmpdir(), 'wg-sync-stale-'))}/`;
  roots.push(root);
  file(join(root, 'tsup.shared.ts'), 0);
  const pkg = (dir: string, name: string, deps: string[], extra: Record<string, unknown> = {}) => {
    file(
      join(root, 'packages', dir, 'package.json'),
      0,
      JSON.stringify({
        name,
        main: './dist/index.cjs',
        module: './dist/index.js',
        dependencies: Object.fromEntries(deps.map((d) => [d, 'workspace:^'])),
        ...extra,
      }),
    );
    file(join(root, 'packages', dir, 'src', 'index.ts'), 1);
    file(join(root, 'packages', dir, 'src', 'deep', 'more.ts'), 1);
    for (const out of ['index.js', 'index.cjs', 'bin.js']) file(join(root, 'packages', dir, 'dist', out), 10);
  };
  pkg('cli', '@x/cli', ['@x/core', 'citty'], { bin: { x: './dist/bin.js' } });
  pkg('core', '@x/core', ['@x/fit']);
  pkg('fit', '@x/fit', []);
  pkg('other', '@x/other', []);
  return root;
}
const names = (root: string) =>
  staleBuilds(root, '@x/cli')
    .map((p: { name: string }) => p.name)
    .sort();

describe('pnpm demo builds only what changed', () => {
  it('nothing when every build is newer than its sources (a second pnpm demo rebuilds nothing)', () => {
    expect(names(workspace())).toEqual([]);
  });

  it('a package whose source, package.json or tsup config changed, and nothing it does not need', () => {
    const root = workspace();
    file(join(root, 'packages/fit/src/deep/more.ts'), 20);
    file(join(root, 'packages/core/tsup.config.ts'), 20);
    file(join(root, 'packages/other/src/index.ts'), 20); // the demo does not run it
    expect(names(root)).toEqual(['@x/core', '@x/fit']);
    file(
      join(root, 'packages/cli/package.json'),
      30,
      JSON.stringify({ name: '@x/cli', main: './dist/index.cjs' }),
    );
    expect(names(root)).toContain('@x/cli');
  });

  it('every package when the shared build config changed, and one whose entry file is missing', () => {
    const root = workspace();
    rmSync(join(root, 'packages/core/dist/index.cjs'));
    expect(names(root)).toEqual(['@x/core']);
    file(join(root, 'tsup.shared.ts'), 20);
    expect(names(root)).toEqual(['@x/cli', '@x/core', '@x/fit']);
  });
});
