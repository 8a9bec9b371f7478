import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The workspace packages `name` needs (itself and its `@wg-sync/*` dependencies, recursively) whose
 * JavaScript build is missing or older than any of its inputs: `src/`, `package.json`,
 * `tsup.config.ts` and the shared `tsup.shared.ts`. A build is as old as its oldest entry file.
 *
 * @param {string} root - The repository root (with a trailing slash).
 * @param {string} name - The package to start from, e.g. `@wg-sync/cli`.
 * @returns {Array<{ name: string, dir: string }>}
 */
export function staleBuilds(root, name) {
  const byName = new Map();
  for (const entry of readdirSync(join(root, 'packages'))) {
    const dir = join(root, 'packages', entry);
    if (!existsSync(join(dir, 'package.json'))) continue;
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    byName.set(manifest.name, { name: manifest.name, dir, manifest });
  }
  const needed = new Map();
  const visit = (pkgName) => {
    const pkg = byName.get(pkgName);
    if (!pkg || needed.has(pkgName)) return;
    needed.set(pkgName, pkg);
    for (const dep of Object.keys(pkg.manifest.dependencies ?? {})) visit(dep);
  };
  visit(name);
  const shared = mtime(join(root, 'tsup.shared.ts'));
  return [...needed.values()]
    .filter((pkg) => {
      const built = Math.min(...entryFiles(pkg).map((file) => mtime(join(pkg.dir, file))));
      const inputs = Math.max(
        shared,
        newest(join(pkg.dir, 'src')),
        mtime(join(pkg.dir, 'package.json')),
        mtime(join(pkg.dir, 'tsup.config.ts')),
      );
      return !(built > inputs);
    })
    .map(({ name: pkgName, dir }) => ({ name: pkgName, dir }));
}

/** The JavaScript files a package's `bin`, `main` and `module` name (those the demo loads). */
function entryFiles(pkg) {
  const { bin, main, module } = pkg.manifest;
  const files = [...(typeof bin === 'string' ? [bin] : Object.values(bin ?? {})), main, module];
  return files.filter((file) => typeof file === 'string' && /\.[cm]?js$/.test(file));
}

/** Modification time in ms; 0 for a missing file (an input that is not there is never newer). */
function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) latest = Math.max(latest, mtime(join(entry.parentPath ?? entry.path, entry.name)));
  }
  return latest;
}
