import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { longCoreFiles, MAX_LINES, MAX_PARAMETERS, wideCoreFunctions } from '../check-core-shape.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const temp = mkdtempSync(join(tmpdir(), 'wg-sync-core-shape-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

const lines = (n: number) =>
  `${Array.from({ length: n }, (_, i) => `export const v${i} = ${i};`).join('\n')}\n`;

describe('core reads in one pass: files of at most 300 lines, functions of at most 4 parameters (pnpm lint)', () => {
  it('holds for the repository', () => {
    expect(longCoreFiles(repo)).toEqual([]);
    expect(wideCoreFunctions(repo)).toEqual([]);
  });

  it('names a file one line over, in any folder of core/src, and no other package', () => {
    mkdirSync(join(temp, 'packages/core/src/engine'), { recursive: true });
    mkdirSync(join(temp, 'packages/garmin/src'), { recursive: true });
    writeFileSync(join(temp, 'packages/core/src/at-limit.ts'), lines(MAX_LINES));
    writeFileSync(join(temp, 'packages/core/src/engine/over.ts'), lines(MAX_LINES + 1));
    writeFileSync(join(temp, 'packages/core/src/engine/notes.md'), lines(MAX_LINES + 50));
    writeFileSync(join(temp, 'packages/garmin/src/long.ts'), lines(MAX_LINES + 50));
    expect(longCoreFiles(temp)).toEqual([`packages/core/src/engine/over.ts: ${MAX_LINES + 1} lines`]);
  });

  it('names a function with a body of 5 parameters (declaration, arrow, method), not a function type', () => {
    mkdirSync(join(temp, 'packages/core/src/http'), { recursive: true });
    const five = Array.from({ length: MAX_PARAMETERS + 1 }, (_, i) => `p${i}: number`).join(', ');
    const four = Array.from({ length: MAX_PARAMETERS }, (_, i) => `p${i}: number`).join(', ');
    writeFileSync(
      join(temp, 'packages/core/src/http/wide.ts'),
      [
        `export function wide(${five}) { return p0; }`,
        `export const arrow = (${five}) => p0;`,
        `export class K { method(${five}) { return p0; } }`,
        `export function narrow(${four}) { return p0; }`,
        `export const read = (() => 0) as unknown as (${five}) => number;`,
        '',
      ].join('\n'),
    );
    expect(wideCoreFunctions(temp)).toEqual([
      'packages/core/src/http/wide.ts:1: wide (5 parameters)',
      'packages/core/src/http/wide.ts:2: arrow (5 parameters)',
      'packages/core/src/http/wide.ts:3: method (5 parameters)',
    ]);
  });
});
