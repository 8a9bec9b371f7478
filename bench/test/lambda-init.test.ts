import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { initOnce, LambdaInitError } from '../lambda-bundle.mjs';

// lambdaBundle's ratio is only as good as the moment it stops the clock: these check that an init
// is timed to the runtime's first request for an event (after the handler module has loaded), and
// that a handler that cannot start is an error, not a fast init.

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function taskRoot(source: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'wg-sync-bench-init-'));
  dirs.push(dir);
  await writeFile(join(dir, 'handler.mjs'), source);
  return dir;
}

it('times an init up to the first GET …/invocation/next, so a slow module load counts in full', async () => {
  const fast = await initOnce(await taskRoot('export const handler = async () => ({ statusCode: 200 });\n'));
  const slow = await initOnce(
    await taskRoot(
      "import { setTimeout } from 'node:timers/promises';\nawait setTimeout(400);\nexport const handler = async () => ({ statusCode: 200 });\n",
    ),
  );
  expect(fast).toBeGreaterThan(0);
  expect(slow).toBeGreaterThanOrEqual(400);
}, 60_000);

it('fails with INIT_ERROR when the handler throws at load (the runtime posts /runtime/init/error)', async () => {
  const root = await taskRoot("throw new Error('no table configured');\n");
  const failure = initOnce(root);
  await expect(failure).rejects.toBeInstanceOf(LambdaInitError);
  await expect(failure).rejects.toMatchObject({ code: 'INIT_ERROR' });
  await expect(failure).rejects.toThrow(/no table configured/);
}, 60_000);
