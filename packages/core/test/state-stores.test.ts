import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { fileStore, memoryStore } from '../src/index.js';
import { runStateStoreContract } from '../src/testing/index.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

runStateStoreContract('memoryStore', ({ now }) => memoryStore({ now }));
runStateStoreContract('fileStore', async ({ now }) => {
  const dir = await mkdtemp(join(tmpdir(), 'wg-sync-store-'));
  dirs.push(dir);
  return fileStore(join(dir, 'state'), { now });
});
