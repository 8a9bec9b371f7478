import { afterEach } from 'vitest';

const cleanups: Array<() => Promise<unknown>> = [];
const checks: Array<() => void | Promise<void>> = [];

// One hook does both, in this order, so a check sees what the cleanups caused (a debounced sync that
// `flush` ran reports into the test that started it) whatever order vitest runs sibling hooks in.
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  for (const check of checks) await check();
});

/** Runs `cleanup` after the current test, last registered first; its failure is ignored. */
export function onCleanup(cleanup: () => Promise<unknown>): void {
  cleanups.push(cleanup);
}

/**
 * Runs `check` after every test of the file, once that test's cleanups are done; a throw fails the
 * test. Register it once, at module level.
 */
export function afterCleanups(check: () => void | Promise<void>): void {
  checks.push(check);
}
