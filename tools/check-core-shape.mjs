#!/usr/bin/env node
// Issue 16: core reads in one pass: no source file over 300 lines, no function of more than 4
// parameters (an object says what each value is). Part of `pnpm lint`.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** The most lines a source file of `packages/core/src` may have. */
export const MAX_LINES = 300;
/** The most parameters a function of `packages/core/src` may take. */
export const MAX_PARAMETERS = 4;
const SOURCE = /\.(?:[cm]?[jt]s|tsx)$/;

/** Every source file of `packages/core/src/**`, with its text. */
function* coreSources(root) {
  const src = join(root, 'packages', 'core', 'src');
  if (!existsSync(src)) return;
  for (const file of readdirSync(src, { recursive: true, withFileTypes: true })) {
    if (!file.isFile() || !SOURCE.test(file.name)) continue;
    const path = join(file.parentPath, file.name);
    yield { path, name: relative(root, path), text: readFileSync(path, 'utf8') };
  }
}

/**
 * The source files of `packages/core/src/**` longer than `max` lines.
 *
 * @param {string} root - The repository root.
 * @param {number} [max] - Default {@link MAX_LINES}.
 * @returns {string[]} One `path: N lines` per file, paths relative to `root`.
 */
export function longCoreFiles(root, max = MAX_LINES) {
  const found = [];
  for (const { name, text } of coreSources(root)) {
    const lines = text.replace(/\n$/, '').split('\n').length;
    if (lines > max) found.push(`${name}: ${lines} lines`);
  }
  return found.sort();
}

/**
 * The functions of `packages/core/src/**` with a body (declarations, methods, arrows, expressions)
 * that take more than `max` parameters; a function type (a cast of a Node.js API) is not one.
 *
 * @param {string} root - The repository root.
 * @param {number} [max] - Default {@link MAX_PARAMETERS}.
 * @returns {string[]} One `path:line: name (N parameters)` per function, paths relative to `root`.
 */
export function wideCoreFunctions(root, max = MAX_PARAMETERS) {
  const found = [];
  for (const { path, name, text } of coreSources(root)) {
    const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
    const visit = (node) => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body && node.parameters.length > max) {
        const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
        // An arrow or function expression is named by the variable or property it is assigned to.
        const named =
          node.name ??
          (ts.isVariableDeclaration(node.parent) || ts.isPropertyAssignment(node.parent)
            ? node.parent.name
            : undefined);
        const what = named?.getText(source) ?? '(anonymous)';
        found.push(`${name}:${line}: ${what} (${node.parameters.length} parameters)`);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found.sort();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
  const long = longCoreFiles(root);
  const wide = wideCoreFunctions(root);
  for (const line of long)
    console.error(
      `${line}  core-shape: a source file of core is at most ${MAX_LINES} lines; split it by what its parts do.`,
    );
  for (const line of wide)
    console.error(
      `${line}  core-shape: a function of core takes at most ${MAX_PARAMETERS} parameters; pass an object.`,
    );
  process.exitCode = long.length + wide.length > 0 ? 1 : 0;
}
