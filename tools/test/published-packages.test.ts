import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// What a user gets from npm: the metadata, the files in each tarball, and README links that work on
// npmjs.com (which resolves no relative link). The repository URL is the project's GitHub home.
const root = fileURLToPath(new URL('../..', import.meta.url));
const REPO = 'https://github.com/wg-sync/wg-sync';
const run = promisify(execFile);

interface Manifest {
  name: string;
  private?: boolean;
  license?: string;
  repository?: { type?: string; url?: string; directory?: string };
  homepage?: string;
  bugs?: { url?: string };
  files?: string[];
  exports?: Record<string, unknown>;
  typesVersions?: Record<string, Record<string, string[]>>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

const published = readdirSync(join(root, 'packages'))
  .filter((dir) => existsSync(join(root, 'packages', dir, 'package.json')))
  .map((dir) => ({
    dir,
    manifest: JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) as Manifest,
  }))
  .filter(({ manifest }) => !manifest.private);

/** The paths `pnpm pack` would put in the tarball (pnpm publishes what it packs). */
async function packedFiles(dir: string): Promise<string[]> {
  const { stdout } = await run('pnpm', ['pack', '--dry-run', '--json'], {
    cwd: join(root, 'packages', dir),
    timeout: 60_000,
  });
  return (JSON.parse(stdout) as { files: Array<{ path: string }> }).files.map((f) => f.path);
}

describe('published packages', () => {
  it('are all here', () => {
    expect(published.map((p) => p.manifest.name).sort()).toEqual([
      '@wg-sync/adapter-express',
      '@wg-sync/adapter-lambda',
      '@wg-sync/cli',
      '@wg-sync/core',
      '@wg-sync/fit',
      '@wg-sync/garmin',
      '@wg-sync/intervals',
      '@wg-sync/redact',
      '@wg-sync/testkit',
      '@wg-sync/withings',
    ]);
  });

  it.each(published)(
    '$manifest.name: license, repository (with directory), homepage, bugs',
    ({ dir, manifest }) => {
      expect(manifest.license).toBe('MIT');
      expect(manifest.repository).toEqual({
        type: 'git',
        url: `git+${REPO}.git`,
        directory: `packages/${dir}`,
      });
      expect(manifest.homepage).toBe(`${REPO}/tree/main/packages/${dir}#readme`);
      expect(manifest.bugs).toEqual({ url: `${REPO}/issues` });
    },
  );

  it('the LICENSE is MIT, by the wg-sync authors, 2026, the same in every package', () => {
    const license = readFileSync(join(root, 'LICENSE'), 'utf8');
    expect(license).toMatch(/^MIT License\n\nCopyright \(c\) 2026 the wg-sync authors\n/);
    for (const { dir } of published)
      expect(readFileSync(join(root, 'packages', dir, 'LICENSE'), 'utf8')).toBe(license);
  });

  it('every tarball carries LICENSE, README.md and its built entry points', {
    timeout: 120_000,
  }, async () => {
    const packed = await Promise.all(published.map(async (p) => ({ ...p, files: await packedFiles(p.dir) })));
    for (const { manifest, files } of packed) {
      expect(files, manifest.name).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json']));
      expect(files, `${manifest.name}: run pnpm build first`).toContain('dist/index.js');
    }
    // The executable is ESM only: tsup's CJS twin of bin.js and the bin's types are never used.
    const cli = packed.find((p) => p.manifest.name === '@wg-sync/cli')?.files ?? [];
    expect(cli).toContain('dist/bin.js');
    expect(
      cli.filter(
        (file) => file.startsWith('dist/bin.') && file !== 'dist/bin.js' && file !== 'dist/bin.js.map',
      ),
    ).toEqual([]);
  });

  it('every subpath export has types for moduleResolution node10 (typesVersions)', () => {
    for (const { manifest } of published) {
      const subpaths = Object.keys(manifest.exports ?? {})
        .filter((key) => key !== '.' && key !== './package.json')
        .map((key) => key.slice(2));
      const mapped = manifest.typesVersions?.['*'] ?? {};
      for (const sub of subpaths) {
        const target = mapped[sub]?.[0];
        expect(target, `${manifest.name}/${sub}`).toBeDefined();
        const exported = manifest.exports?.[`./${sub}`] as { import?: { types?: string } };
        expect(target, `${manifest.name}/${sub}`).toBe(exported.import?.types);
      }
    }
  });

  it('the CLI installs no browser tooling: playwright-core and impit are optional peers', () => {
    const cli = published.find((p) => p.manifest.name === '@wg-sync/cli')?.manifest as Manifest;
    for (const name of ['playwright-core', 'impit']) {
      expect(cli.dependencies?.[name], name).toBeUndefined();
      expect(cli.peerDependencies?.[name], name).toBeDefined();
      expect(cli.peerDependenciesMeta?.[name]?.optional, name).toBe(true);
    }
  });
});

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

function anchors(markdown: string): Set<string> {
  const headings = markdown
    .replace(/```[\s\S]*?```/g, '')
    .split('\n')
    .filter((line) => /^#{1,6} /.test(line))
    .map((line) => slug(line.replace(/^#+ /, '')));
  return new Set(headings);
}

/** Markdown links and images, `[text](target)`, outside code blocks. */
function links(markdown: string): string[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1] as string);
}

describe('package READMEs (shown on npmjs.com)', () => {
  it.each(published)(
    '$manifest.name: only absolute links, and those into this repository resolve',
    ({ dir }) => {
      const readme = readFileSync(join(root, 'packages', dir, 'README.md'), 'utf8');
      for (const target of links(readme)) {
        if (target.startsWith('#')) {
          expect(anchors(readme), `${dir}/README.md: ${target}`).toContain(target.slice(1));
          continue;
        }
        expect(target, `${dir}/README.md links to ${target}: npm resolves no relative link`).toMatch(
          /^(https:\/\/|mailto:)/,
        );
        const own = new RegExp(`^${REPO}/(?:blob|tree)/main/([^#?]*?)/?(?:#(.*))?$`).exec(target);
        if (!own) continue;
        const [, path = '', anchor] = own;
        expect(existsSync(join(root, path)), `${target}: ${path} is not in the repository`).toBe(true);
        // `tree/…#readme` is GitHub's own anchor for a folder's README.
        if (anchor && !(target.includes('/tree/') && anchor === 'readme')) {
          const file = path.endsWith('.md') ? path : join(path, 'README.md');
          expect(anchors(readFileSync(join(root, file), 'utf8')), target).toContain(anchor);
        }
      }
    },
  );
});
