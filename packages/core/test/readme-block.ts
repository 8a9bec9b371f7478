import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

/** The one ```ts block a README holds between its `<!-- guide:start -->` and `<!-- guide:end -->` markers. */
const GUIDE_BLOCK = /<!-- guide:start[^>]*-->\s*```ts\n([\s\S]*?)```\s*<!-- guide:end -->/;

/** Fails unless the README's guide block is the file's text, verbatim (so the guide a reader copies runs). */
export function expectReadmeGuideIs(readme: URL, guide: URL): void {
  const block = GUIDE_BLOCK.exec(readFileSync(readme, 'utf8'));
  expect(block, 'the guide:start / guide:end markers around one ```ts block').not.toBeNull();
  expect(block?.[1]).toBe(readFileSync(guide, 'utf8'));
}
