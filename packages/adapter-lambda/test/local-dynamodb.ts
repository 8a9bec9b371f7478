import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { localAwsClients, localAwsConfig } from '@wg-sync/test-support/local-aws';
import dynalite from 'dynalite';
import { createDynamoTable } from '../src/create-dynamo-table.js';

/** dynalite (a real DynamoDB implementation on LevelDB in memory) on 127.0.0.1, and clients for it. */
export interface LocalDynamoDb {
  endpoint: string;
  /** A client with a dummy region and credentials pointed at the local server. */
  client(): DynamoDBClient;
  /** A fresh, empty table; returns its name. */
  table(): Promise<string>;
  /** A fresh table without the account index, as one made by hand or by an older template; its name. */
  tableWithoutIndex(): Promise<string>;
  close(): Promise<void>;
}

export async function startLocalDynamoDb(): Promise<LocalDynamoDb> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients = localAwsClients(() => new DynamoDBClient(localAwsConfig(endpoint)));
  const client = clients.client;
  const admin = client();
  return {
    endpoint,
    client,
    async table() {
      const name = `wg-sync-${randomUUID()}`;
      // dynalite has no UpdateTimeToLive; expiry is the store's own job anyway.
      await createDynamoTable({ tableName: name, client: admin, timeToLive: false });
      return name;
    },
    async tableWithoutIndex() {
      const name = `wg-sync-${randomUUID()}`;
      await admin.send(
        new CreateTableCommand({
          TableName: name,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'key', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'key', KeyType: 'HASH' }],
        }),
      );
      return name;
    },
    async close() {
      clients.destroyAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
