import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { StoreConflictError, StoreCorruptError, StoreError, silentLogger } from '@wg-sync/core';
import { runStateStoreContract } from '@wg-sync/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoStore } from '../src/dynamo-store.js';
import { type LocalDynamoDb, startLocalDynamoDb } from './local-dynamodb.js';

let db: LocalDynamoDb;
beforeAll(async () => {
  db = await startLocalDynamoDb();
});
afterAll(async () => {
  await db?.close();
});

runStateStoreContract('dynamoStore on dynalite', async ({ now }) =>
  dynamoStore({
    tableName: await db.table(),
    client: db.client(),
    now,
    indexSettleMs: 0,
    logger: silentLogger,
  }),
);

// A table made before the index (by hand, or an older template not yet deployed): listings scan.
runStateStoreContract('dynamoStore on a table without the index', async ({ now }) => {
  const tableName = await db.tableWithoutIndex();
  const client = db.client();
  return dynamoStore({ tableName, client, now, indexSettleMs: 0, logger: silentLogger });
});

describe('dynamoStore beyond the contract', () => {
  it('lists across many Scan pages, sorted, with the prefix filter applied on every page', async () => {
    const tableName = await db.table();
    const store = dynamoStore({ tableName, client: db.client(), scanPageSize: 3 });
    const keys = Array.from({ length: 23 }, (_, i) => `ledger/42/${String(1000 - i)}`);
    for (const key of keys) await store.put(key, { key });
    for (let i = 0; i < 9; i += 1) await store.put(`ledger/420/${i}`, i);
    await store.put('account/42', {});
    const listed = await store.list<{ key: string }>('ledger/42/');
    expect(listed.map((e) => e.key)).toEqual([...keys].sort());
    expect(listed.every((e) => e.value.key === e.key)).toBe(true);
    expect(await store.list('')).toHaveLength(33);
  });

  it('treats an expired item that DynamoDB has not deleted yet as absent, for reads and for conditions', async () => {
    const tableName = await db.table();
    let clock = Date.parse('2026-11-20T06:00:00Z');
    const store = dynamoStore({ tableName, client: db.client(), now: () => new Date(clock) });
    const v1 = await store.put('lock/1', { holder: 'a' }, { ttlSeconds: 120 });
    clock += 121_000;
    expect(await store.get('lock/1')).toBeUndefined();
    // The item is still in the table (TTL deletion is lazy); CAS on its old version must fail…
    await expect(store.put('lock/1', { holder: 'a' }, { ifVersion: v1 })).rejects.toBeInstanceOf(
      StoreConflictError,
    );
    await expect(store.delete('lock/1', { ifVersion: v1 })).rejects.toBeInstanceOf(StoreConflictError);
    // …and a create-if-absent must succeed, with a version the old holder cannot use.
    const v2 = await store.put('lock/1', { holder: 'b' }, { ifVersion: null, ttlSeconds: 120 });
    expect(v2).not.toBe(v1);
    expect(await store.get('lock/1')).toEqual({ value: { holder: 'b' }, version: v2 });
  });

  it('drops the TTL when an entry is written again without one', async () => {
    let clock = Date.parse('2026-11-20T06:00:00Z');
    const store = dynamoStore({
      tableName: await db.table(),
      client: db.client(),
      now: () => new Date(clock),
    });
    await store.put('pending/1', 1, { ttlSeconds: 10 });
    await store.put('pending/1', 2);
    clock += 60_000;
    expect((await store.get('pending/1'))?.value).toBe(2);
  });

  it('reports an item that is not a wg-sync entry as corrupt, never as absent', async () => {
    const tableName = await db.table();
    const client = db.client();
    await client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: { key: { S: 'cursor/1' }, value: { S: '{not json' }, version: { N: '5' } },
      }),
    );
    await client.send(new PutItemCommand({ TableName: tableName, Item: { key: { S: 'cursor/2' } } }));
    const store = dynamoStore({ tableName, client });
    await expect(store.get('cursor/1')).rejects.toBeInstanceOf(StoreCorruptError);
    await expect(store.get('cursor/2')).rejects.toThrow(/cursor\/2.*no value or version/);
    await expect(store.list('cursor/')).rejects.toBeInstanceOf(StoreCorruptError);
  });

  it('turns DynamoDB failures into StoreError naming the table and the operation', async () => {
    const store = dynamoStore({ tableName: 'no-such-table', client: db.client() });
    const error = await store.put('account/1', { secret: 'value-that-must-not-appear' }).catch((e) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect(error.code).toBe('STORE_UNAVAILABLE');
    expect(error.message).toMatch(
      /UpdateItem of "account\/1" in table no-such-table failed \(ResourceNotFoundException/,
    );
    expect(error.message).not.toContain('value-that-must-not-appear');
  });

  it('refuses a table name DynamoDB would refuse', () => {
    expect(() => dynamoStore({ tableName: 'ab' })).toThrow(TypeError);
  });
});
