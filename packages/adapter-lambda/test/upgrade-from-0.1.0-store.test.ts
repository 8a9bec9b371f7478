import { readFile } from 'node:fs/promises';
import { type AttributeValue, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  expectSyncedOnAfterUpgrade,
  expectSyncedOnceByTwoProcesses,
  type OpenUpgradeStore,
  onCleanup,
  upgradeWorld,
} from '@wg-sync/test-support';
import { describe, expect, it } from 'vitest';
import { dynamoStore } from '../src/dynamo-store.js';
import { startLocalDynamoDb } from './local-dynamodb.js';

// What 0.1.0 wrote to DynamoDB, as the fixture's `about` tells: one account, linked and synced at
// 07:00, then a notification (07:10:05) whose sync never ran (the same story as core's file store,
// so the upgrade world and its assertions are test-support's; only the loading is ours).
const FIXTURE = new URL('./fixtures/store-0.1.0.json', import.meta.url);

/** A fresh dynalite table holding the fixture's items exactly as 0.1.0 wrote them; opens stores on it. */
async function fixtureTable(): Promise<OpenUpgradeStore> {
  const db = await startLocalDynamoDb();
  onCleanup(() => db.close());
  const tableName = await db.table();
  const client = db.client();
  const { items } = JSON.parse(await readFile(FIXTURE, 'utf8')) as {
    items: Array<Record<string, AttributeValue>>;
  };
  expect(items.length).toBeGreaterThan(0);
  for (const item of items) await client.send(new PutItemCommand({ TableName: tableName, Item: item }));
  return (now) => dynamoStore({ tableName, client, now });
}

describe('a DynamoDB table written by 0.1.0', () => {
  it('is synced on: the pending notification drained, new weigh-ins once, nothing the old ledger holds again', async () => {
    await expectSyncedOnAfterUpgrade(await upgradeWorld(await fixtureTable()));
  });

  it('is synced once when two processes sync it at the same time', async () => {
    await expectSyncedOnceByTwoProcesses(await upgradeWorld(await fixtureTable()));
  });
});
