import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { createDynamoTable, dynamoStore } from '@wg-sync/adapter-lambda';
import dynalite from 'dynalite';
import type { StoreFactory } from './world.js';

const BROKEN = '{"broken":';

/**
 * The † scenarios' store: `dynamoStore` from @wg-sync/adapter-lambda on a real DynamoDB
 * implementation (dynalite, in memory) listening on 127.0.0.1, one fresh server and table per scenario.
 */
export const dynamoStoreFactory: StoreFactory = async () => {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const tableName = `wg-sync-faults-${randomUUID()}`;
  // dynalite has no UpdateTimeToLive; the store treats expired items as absent by itself.
  await createDynamoTable({ tableName, client, timeToLive: false });
  return {
    store: dynamoStore({ tableName, client }),
    async close() {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    async corrupt(key) {
      // What a hand edit in the console or a foreign writer leaves: a value that is not JSON.
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: { key: { S: key }, value: { S: BROKEN }, version: { N: '4' } },
        }),
      );
      return {
        where: `dynamodb:${tableName}`,
        async untouched() {
          const { Item } = await client.send(
            new GetItemCommand({ TableName: tableName, Key: { key: { S: key } }, ConsistentRead: true }),
          );
          return Item?.value?.S === BROKEN && Item?.version?.N === '4';
        },
        async remove() {
          await client.send(new DeleteItemCommand({ TableName: tableName, Key: { key: { S: key } } }));
        },
      };
    },
  };
};
