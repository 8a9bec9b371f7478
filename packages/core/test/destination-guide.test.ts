import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

// The README's "Your own destination" shows test/guide/csv-destination.ts, which destinations.test.ts
// runs beside Garmin; this keeps the two identical, so the guide cannot rot.
it('the core README destination guide is test/guide/csv-destination.ts, verbatim', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const guide = readFileSync(new URL('./guide/csv-destination.ts', import.meta.url), 'utf8');
  const block = /<!-- guide:start[^>]*-->\s*```ts\n([\s\S]*?)```\s*<!-- guide:end -->/.exec(readme);
  expect(block, 'the guide:start / guide:end markers around one ```ts block').not.toBeNull();
  expect(block?.[1]).toBe(guide);
});
