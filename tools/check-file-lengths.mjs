#!/usr/bin/env node
// Issue 16: no source file of core over 300 lines, so that each reads in one pass. Part of `pnpm lint`.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The most lines a source file of `packages/core/src` may have. */
export const MAX_LINES = 300;
const SOURCE = /\.(?:[cm]?[jt]s|tsx)$/;

/**
 * The source files of `packages/core/src/**` longer than `max` lines.
 *
 * @param {string} root - The repository root.
 * @param {number} [max] - Default {@link MAX_LINES}.
 * @returns {string[]} One `path: N lines` per file, paths relative to `root`.
 */
export function longCoreFiles(root, max = MAX_LINES) {
  const src = join(root, 'packages', 'core', 'src');
  if (!existsSync(src)) return [];
  const found = [];
  for (const file of readdirSync(src, { recursive: true, withFileTypes: true })) {
    if (!file.isFile() || !SOURCE.test(file.name)) continue;
    const path = join(file.parentPath, file.name);
    const lines = readFileSync(path, 'utf8').replace(/\n$/, '').split('\n').length;
    if (lines > max) found.push(`${relative(root, path)}: ${lines} lines`);
  }
  return found.sort();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
  const found = longCoreFiles(root);
  for (const line of found) {
    console.error(
      `${line}  file-lengths: a source file of core is at most ${MAX_LINES} lines; split it by what its parts do.`,
    );
  }
  process.exitCode = found.length > 0 ? 1 : 0;
}
