#!/usr/bin/env node
// Biome's noRestrictedImports (biome.json) guards which packages a package may name. This script
// covers the one case it cannot: a relative path out of the package (`../../core/src/index.js`).
// A biome pattern only sees the specifier text, so the number of `../` that leaves a package depends
// on how deep the importing file sits. Biome would need one override per package group and per
// depth, and overrides replace each other's options instead of merging them.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const SOURCE = /\.(?:[cm]?[jt]s|tsx)$/;

/**
 * Relative imports in `packages/<name>/src/**` that resolve outside `packages/<name>/`. Uses the
 * TypeScript scanner, so static, type-only, re-export, `import()` and `require()` forms are all
 * found, and nothing inside comments or TSDoc examples is.
 *
 * @param {string} root - The repository root.
 * @returns {string[]} One `file:line: specifier` per offending import, paths relative to `root`.
 */
export function relativeEscapes(root) {
  const found = [];
  const packages = join(root, 'packages');
  for (const name of readdirSync(packages)) {
    const pkg = join(packages, name);
    const src = join(pkg, 'src');
    if (!existsSync(src)) continue;
    for (const file of readdirSync(src, { recursive: true, withFileTypes: true })) {
      if (!file.isFile() || !SOURCE.test(file.name)) continue;
      const path = join(file.parentPath, file.name);
      const text = readFileSync(path, 'utf8');
      for (const { fileName, pos } of ts.preProcessFile(text, true, true).importedFiles) {
        if (!fileName.startsWith('.')) continue;
        const target = resolve(dirname(path), fileName);
        if (target === pkg || target.startsWith(pkg + sep)) continue;
        const line = text.slice(0, pos).split('\n').length;
        found.push(`${relative(root, path)}:${line}: ${fileName}`);
      }
    }
  }
  return found;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
  const found = relativeEscapes(root);
  for (const line of found) {
    console.error(
      `${line}  import-boundaries: a package's src/ may not reach into another package by a relative path; import its public entry ('@wg-sync/<name>') instead.`,
    );
  }
  process.exitCode = found.length > 0 ? 1 : 0;
}
