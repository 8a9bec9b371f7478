import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { longCoreFiles, MAX_LINES } from '../check-file-lengths.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const temp = mkdtempSync(join(tmpdir(), 'wg-sync-file-lengths-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

const lines = (n: number) =>
  `${Array.from({ length: n }, (_, i) => `export const v${i} = ${i};`).join('\n')}\n`;

describe('no source file of core is over 300 lines (pnpm lint)', () => {
  it('holds for the repository', () => {
    expect(longCoreFiles(repo)).toEqual([]);
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
});
