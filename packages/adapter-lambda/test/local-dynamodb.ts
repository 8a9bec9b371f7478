import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { createDynamoTable } from '../src/create-dynamo-table.js';

/** dynalite (a real DynamoDB implementation on LevelDB in memory) on 127.0.0.1, and clients for it. */
export interface LocalDynamoDb {
  endpoint: string;
  /** A client with a dummy region and credentials pointed at the local server. */
  client(): DynamoDBClient;
  /** A fresh, empty table; returns its name. */
  table(): Promise<string>;
  close(): Promise<void>;
}

export async function startLocalDynamoDb(): Promise<LocalDynamoDb> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients: DynamoDBClient[] = [];
  const client = () => {
    const created = new DynamoDBClient({
      endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    clients.push(created);
    return created;
  };
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
    async close() {
      for (const c of clients) c.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
