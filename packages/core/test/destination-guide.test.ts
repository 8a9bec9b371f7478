import { it } from 'vitest';
import { expectReadmeGuideIs } from './readme-block.js';

// The README's "Your own destination" shows test/guide/csv-destination.ts, which destinations.test.ts
// runs beside Garmin; this keeps the two identical, so the guide cannot rot.
it('the core README destination guide is test/guide/csv-destination.ts, verbatim', () => {
  expectReadmeGuideIs(
    new URL('../README.md', import.meta.url),
    new URL('./guide/csv-destination.ts', import.meta.url),
  );
});
