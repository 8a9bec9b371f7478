import { chmod, copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fileStore } from '@wg-sync/core';
import {
  expectDeletionsFollowedAfterUpgrade,
  expectSyncedOnAfterUpgrade,
  expectSyncedOnceByTwoProcesses,
  type OpenUpgradeStore,
  onCleanup,
  upgradeWorld,
} from '@wg-sync/test-support';
import { describe, it } from 'vitest';

// What 0.1.0 wrote, as fixtures/store-0.1.0/README.md tells: one account, linked and synced at
// 07:00, then a notification (07:10:05) whose sync never ran. The upgrade world and its assertions
// are test-support's (the Lambda adapter's DynamoDB test tells the same story); only the loading is ours.
const FIXTURE = fileURLToPath(new URL('./fixtures/store-0.1.0/', import.meta.url));

/** The fixture's files in a fresh private directory (git keeps no 0600/0700 modes; the store checks them). */
async function fixtureCopy(): Promise<OpenUpgradeStore> {
  const root = await mkdtemp(join(tmpdir(), 'wg-sync-upgrade-'));
  onCleanup(() => rm(root, { recursive: true, force: true }));
  const dir = join(root, 'state');
  await mkdir(dir, { mode: 0o700 });
  for (const file of (await readdir(FIXTURE)).filter((name) => name.endsWith('.json'))) {
    await copyFile(join(FIXTURE, file), join(dir, file));
    await chmod(join(dir, file), 0o600);
  }
  return (now) => fileStore(dir, { now });
}

describe('a file store written by 0.1.0', () => {
  it('is synced on: the pending notification drained, new weigh-ins once, nothing the old ledger holds again', async () => {
    await expectSyncedOnAfterUpgrade(await upgradeWorld(await fixtureCopy()));
  });

  it('is synced once when two processes sync it at the same time', async () => {
    await expectSyncedOnceByTwoProcesses(await upgradeWorld(await fixtureCopy()));
  });

  it('with syncDeletions turned on: nothing uploaded twice, and deletions of weigh-ins 0.1.0 uploaded are followed', async () => {
    await expectDeletionsFollowedAfterUpgrade(await upgradeWorld(await fixtureCopy()));
  });
});
