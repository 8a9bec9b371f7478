import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

// The guide "Test your app against the simulators" in packages/testkit/README.md shows
// testkit-guide.test.ts, which runs as a test; this keeps the two identical, so the guide cannot rot.
it('the testkit README guide is testkit-guide.test.ts, verbatim', () => {
  const readme = readFileSync(new URL('../../testkit/README.md', import.meta.url), 'utf8');
  const guide = readFileSync(new URL('./testkit-guide.test.ts', import.meta.url), 'utf8');
  const block = /<!-- guide:start[^>]*-->\s*```ts\n([\s\S]*?)```\s*<!-- guide:end -->/.exec(readme);
  expect(block, 'the guide:start / guide:end markers around one ```ts block').not.toBeNull();
  expect(block?.[1]).toBe(guide);
});
