import { existsSync, readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

const picture = (file: string) => {
  const text = readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
  return /<!-- picture:start -->\n([\s\S]*?)<!-- picture:end -->/.exec(text)?.[1];
};

// The README and docs/architecture.md show the same one picture of the architecture; this keeps them
// from drifting apart.
it('the README and docs/architecture.md show the same architecture picture', () => {
  const docs = picture('docs/architecture.md');
  expect(docs, 'picture:start / picture:end markers in docs/architecture.md').toBeDefined();
  expect(picture('README.md')).toBe(docs);
});

// Every folder the picture's table names exists in core, so the map cannot outlive a move.
it("docs/architecture.md's folder table names core's folders as they are", () => {
  const docs = readFileSync(new URL('../../docs/architecture.md', import.meta.url), 'utf8');
  const folders = [...docs.matchAll(/^\| `([a-z]+)\/` \|/gm)].map((m) => m[1]);
  expect(folders.length).toBeGreaterThanOrEqual(6);
  for (const folder of folders)
    expect(existsSync(new URL(`../../packages/core/src/${folder}/`, import.meta.url)), folder).toBe(true);
});
