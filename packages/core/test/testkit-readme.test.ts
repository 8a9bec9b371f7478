import { it } from 'vitest';
import { expectReadmeGuideIs } from './readme-block.js';

// The guide "Test your app against the simulators" in packages/testkit/README.md shows
// testkit-guide.test.ts, which runs as a test; this keeps the two identical, so the guide cannot rot.
it('the testkit README guide is testkit-guide.test.ts, verbatim', () => {
  expectReadmeGuideIs(
    new URL('../../testkit/README.md', import.meta.url),
    new URL('./testkit-guide.test.ts', import.meta.url),
  );
});
