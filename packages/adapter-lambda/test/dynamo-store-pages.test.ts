import { BatchGetItemCommand, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { type ListPage, type LogFields, listPages, type StateStore } from '@wg-sync/core';
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

/** A client that records the name of every command it sends; `intercept` may answer one itself. */
function recording(
  client: DynamoDBClient,
  intercept?: (command: unknown, send: (c: unknown) => Promise<unknown>) => Promise<unknown> | undefined,
) {
  const sent: string[] = [];
  const send = client.send.bind(client) as (c: unknown) => Promise<unknown>;
  client.send = ((command: unknown) => {
    sent.push((command as object).constructor.name.replace(/Command$/, ''));
    return intercept?.(command, send) ?? send(command);
  }) as typeof client.send;
  return sent;
}

function collector() {
  const lines: Array<{ level: string; event: string; fields?: LogFields }> = [];
  const at = (level: string) => (event: string, fields?: LogFields) => {
    lines.push({ level, event, ...(fields ? { fields } : {}) });
  };
  return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

async function walk(store: StateStore, prefix: string, limit?: number): Promise<ListPage[]> {
  const pages: ListPage[] = [];
  for await (const page of listPages(store, prefix, limit ? { limit } : {})) pages.push(page);
  return pages;
}

const keysOf = (pages: ListPage[]) => pages.flatMap((p) => p.entries.map((e) => e.key));

describe('dynamoStore.listPage', () => {
  it('once the index is ready, pages are a Query of the index and a consistent BatchGetItem: no Scan', async () => {
    const client = db.client();
    const store = dynamoStore({ tableName: await db.table(), client, indexSettleMs: 0 });
    for (let i = 0; i < 250; i += 1) await store.put(`account/${String(i).padStart(3, '0')}`, i);
    await store.put('ledger/1/1', 1);
    await walk(store, 'account/'); // the first listing backfills the (empty) rest and writes the marker
    const sent = recording(client);
    const pages = await walk(store, 'account/', 1000);
    expect(pages).toHaveLength(1);
    expect(keysOf(pages)).toHaveLength(250);
    // 250 keys: one Query, then three BatchGetItems of at most 100 keys.
    expect(sent).toEqual(['Query', 'BatchGetItem', 'BatchGetItem', 'BatchGetItem']);
  });

  it('reads values at the time of the page: a value rewritten between pages shows its new version', async () => {
    const store = dynamoStore({ tableName: await db.table(), client: db.client(), indexSettleMs: 0 });
    for (const id of ['1', '2', '3', '4']) await store.put(`account/${id}`, 'old');
    await walk(store, 'account/');
    const pages = listPages(store, 'account/', { limit: 2 });
    await pages.next();
    const version = await store.put('account/4', 'new');
    const second = (await pages.next()).value as ListPage;
    expect(second.entries.at(-1)).toEqual({ key: 'account/4', value: 'new', version });
  });

  it('retries the keys BatchGetItem leaves unprocessed', async () => {
    const client = db.client();
    const store = dynamoStore({ tableName: await db.table(), client, indexSettleMs: 0 });
    for (let i = 0; i < 30; i += 1) await store.put(`account/${String(i).padStart(2, '0')}`, i);
    await walk(store, 'account/');
    let throttled = 0;
    recording(client, (command, send) => {
      if (!(command instanceof BatchGetItemCommand) || throttled > 1) return undefined;
      throttled += 1;
      // DynamoDB under load answers part of a batch and hands the rest back.
      const [table, request] = Object.entries(command.input.RequestItems ?? {})[0] as [string, { Keys: [] }];
      const half = Math.ceil(request.Keys.length / 2);
      return send(
        new BatchGetItemCommand({
          RequestItems: { [table]: { ...request, Keys: request.Keys.slice(0, half) } },
        }),
      ).then((answer) => ({
        ...(answer as object),
        UnprocessedKeys: { [table]: { ...request, Keys: request.Keys.slice(half) } },
      }));
    });
    const pages = await walk(store, 'account/');
    expect(throttled).toBe(2);
    expect(keysOf(pages)).toEqual(
      Array.from({ length: 30 }, (_, i) => `account/${String(i).padStart(2, '0')}`),
    );
  });

  it('keeps scanning for indexSettleMs after the backfill, then queries the index', async () => {
    let clock = Date.parse('2026-11-20T06:00:00Z');
    const client = db.client();
    const store = dynamoStore({ tableName: await db.table(), client, now: () => new Date(clock) });
    await store.put('account/1', 1);
    const sent = recording(client);
    await walk(store, 'account/');
    await walk(store, 'account/');
    clock += 29_000;
    await walk(store, 'account/');
    expect(sent.filter((c) => c === 'Query')).toEqual([]);
    clock += 2_000;
    sent.length = 0;
    expect(keysOf(await walk(store, 'account/'))).toEqual(['account/1']);
    expect(sent).toEqual(['GetItem', 'Query', 'BatchGetItem']);
  });

  it('on a table without the index: scans, warns once a minute with the fix, and lists correctly', async () => {
    let clock = Date.parse('2026-11-20T06:00:00Z');
    const tableName = await db.tableWithoutIndex();
    const client = db.client();
    const { lines, logger } = collector();
    const store = dynamoStore({ tableName, client, now: () => new Date(clock), indexSettleMs: 0, logger });
    for (const id of ['3', '1', '2']) await store.put(`account/${id}`, id);
    for (let round = 0; round < 3; round += 1) {
      expect(keysOf(await walk(store, 'account/', 2))).toEqual(['account/1', 'account/2', 'account/3']);
    }
    const warned = lines.filter((l) => l.event === 'store.dynamo.index.unavailable');
    expect(warned).toHaveLength(1);
    expect(warned[0]?.fields?.fix).toMatch(/bySegment/);
    clock += 61_000;
    await walk(store, 'account/');
    expect(lines.filter((l) => l.event === 'store.dynamo.index.unavailable')).toHaveLength(2);
  });

  it('keeps the marker item out of list() and listPage("")', async () => {
    const client = db.client();
    const tableName = await db.table();
    const store = dynamoStore({ tableName, client, indexSettleMs: 0 });
    await store.put('keep', 1);
    await walk(store, 'account/');
    const { Items } = await client.send(new ScanCommand({ TableName: tableName, ConsistentRead: true }));
    expect(Items?.map((i) => i.key?.S).sort()).toEqual(['keep', '~wg-sync/segment-index']);
    expect((await store.list('')).map((e) => e.key)).toEqual(['keep']);
    expect(keysOf(await walk(store, ''))).toEqual(['keep']);
  });
});
