import { readFile } from 'node:fs/promises';
import {
  type AttributeValue,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { createSync, type ListPage, type LogFields, listPages, type StateStore } from '@wg-sync/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoStore } from '../src/dynamo-store.js';
import { type LocalDynamoDb, startLocalDynamoDb } from './local-dynamodb.js';

// What dynamoStore wrote before the key-segment index existed (see the fixture's `about`): items
// with no `segment`, so the index holds none of them until this version writes it.
const FIXTURE = new URL('./fixtures/store-before-segment-index.json', import.meta.url);
const MARKER = '~wg-sync/segment-index';
const ACCOUNTS = ['account/37012345', 'account/37012346', 'account/37012347'];

let db: LocalDynamoDb;
let items: Array<Record<string, AttributeValue>>;
beforeAll(async () => {
  db = await startLocalDynamoDb();
  ({ items } = JSON.parse(await readFile(FIXTURE, 'utf8')) as {
    items: Array<Record<string, AttributeValue>>;
  });
  expect(items.length).toBeGreaterThan(10);
  expect(items.every((item) => item.segment === undefined)).toBe(true);
});
afterAll(async () => {
  await db?.close();
});

/** A table with the index (as the template's update leaves it) holding the fixture's items as written. */
async function upgradedTable(): Promise<string> {
  const tableName = await db.table();
  const client = db.client();
  for (const item of items) await client.send(new PutItemCommand({ TableName: tableName, Item: item }));
  return tableName;
}

async function rawItems(tableName: string): Promise<Array<Record<string, AttributeValue>>> {
  const { Items = [] } = await db
    .client()
    .send(new ScanCommand({ TableName: tableName, ConsistentRead: true }));
  return Items.sort((a, b) => ((a.key?.S ?? '') < (b.key?.S ?? '') ? -1 : 1));
}

async function walk(store: StateStore, prefix: string, limit = 2): Promise<ListPage[]> {
  const pages: ListPage[] = [];
  for await (const page of listPages(store, prefix, { limit })) pages.push(page);
  return pages;
}
const keysOf = (pages: ListPage[]) => pages.flatMap((p) => p.entries.map((e) => e.key));
const fixtureEntry = (key: string) => {
  const item = items.find((i) => i.key?.S === key);
  return { key, value: JSON.parse(item?.value?.S as string), version: Number(item?.version?.N) };
};

function collector() {
  const lines: Array<{ event: string; fields?: LogFields }> = [];
  const at = (event: string, fields?: LogFields) => {
    lines.push({ event, ...(fields ? { fields } : {}) });
  };
  return { lines, logger: { debug: at, info: at, warn: at, error: at } };
}

const at0605 = () => new Date('2026-11-20T06:05:00Z');

describe('a DynamoDB table written before the key-segment index', () => {
  it('lists every account with its values and versions, and gives every item its segment, nothing else changed', async () => {
    const tableName = await upgradedTable();
    const store = dynamoStore({ tableName, client: db.client(), now: at0605, indexSettleMs: 0 });
    const pages = await walk(store, 'account/');
    expect(pages.flatMap((p) => p.entries)).toEqual(ACCOUNTS.map(fixtureEntry));
    // The lease's TTL (120 s from 06:00) has passed at 06:05; the login cooldown's has not.
    expect(keysOf(await walk(store, 'lease/'))).toEqual([]);
    expect(keysOf(await walk(store, 'garmin-login/'))).toEqual(['garmin-login/37012345']);
    expect(keysOf(await walk(store, 'ledger/37012346/'))).toHaveLength(3);

    const after = await rawItems(tableName);
    expect(after.map((i) => i.key?.S)).toEqual([...items.map((i) => i.key?.S), MARKER].sort());
    for (const item of items) {
      const now = after.find((i) => i.key?.S === item.key?.S);
      expect(now).toEqual({ ...item, segment: { S: String(item.key?.S).split('/')[0] } });
    }
    // Compare-and-swap on an old item still holds its fixture version.
    const { version } = fixtureEntry('account/37012346');
    await expect(store.put('account/37012346', { relinked: true }, { ifVersion: version })).resolves.toBe(
      version + 1,
    );
  });

  it('a second process lists through the index once the marker is there, the same entries', async () => {
    const tableName = await upgradedTable();
    await walk(dynamoStore({ tableName, client: db.client(), now: at0605, indexSettleMs: 0 }), 'account/');
    const client = db.client();
    const sent: string[] = [];
    const send = client.send.bind(client) as (c: unknown) => Promise<unknown>;
    client.send = ((command: unknown) => {
      sent.push((command as object).constructor.name);
      return send(command);
    }) as typeof client.send;
    const other = dynamoStore({ tableName, client, now: at0605, indexSettleMs: 0 });
    expect((await walk(other, 'account/')).flatMap((p) => p.entries)).toEqual(ACCOUNTS.map(fixtureEntry));
    expect(sent).not.toContain('ScanCommand');
    expect(sent).toContain('QueryCommand');
  });

  it('a backfill cut short lists correctly, writes no marker, and the next listing completes it', async () => {
    const tableName = await upgradedTable();
    const failing = db.client();
    const send = failing.send.bind(failing) as (c: unknown) => Promise<unknown>;
    let cut = 0;
    failing.send = ((command: unknown) => {
      const update = command instanceof UpdateItemCommand ? command.input : undefined;
      if (update?.UpdateExpression === 'SET #s = :s' && update.Key?.key?.S?.startsWith('ledger/')) {
        cut += 1;
        return Promise.reject(Object.assign(new Error('the process died'), { name: 'InternalServerError' }));
      }
      return send(command);
    }) as typeof failing.send;
    const { lines, logger } = collector();
    const crashed = dynamoStore({ tableName, client: failing, now: at0605, indexSettleMs: 0, logger });
    expect(keysOf(await walk(crashed, 'account/'))).toEqual(ACCOUNTS);
    // Every page of a listing scans (and retries the backfill) while the marker is missing.
    expect(cut).toBe(9 * 2);
    expect(lines.map((l) => l.event)).toContain('store.dynamo.index.backfill.incomplete');
    const halfway = await rawItems(tableName);
    expect(halfway.some((i) => i.key?.S === MARKER)).toBe(false);
    expect(halfway.filter((i) => i.segment === undefined).map((i) => i.key?.S?.split('/')[0])).toEqual(
      Array(9).fill('ledger'),
    );

    const restarted = dynamoStore({ tableName, client: db.client(), now: at0605, indexSettleMs: 0 });
    expect(keysOf(await walk(restarted, 'ledger/37012345/'))).toHaveLength(3);
    const done = await rawItems(tableName);
    expect(done.some((i) => i.key?.S === MARKER)).toBe(true);
    expect(done.filter((i) => i.segment === undefined).map((i) => i.key?.S)).toEqual([MARKER]);
  });

  it('the engine on it: accounts.list(), and syncRecent without a userId names the two linked accounts', async () => {
    const tableName = await upgradedTable();
    const store = dynamoStore({ tableName, client: db.client(), now: at0605, indexSettleMs: 0 });
    const sync = createSync({ withings: { clientId: 'c', clientSecret: 's' }, store, now: at0605 });
    expect((await sync.accounts.list()).map((a) => a.userId)).toEqual(['37012345', '37012346', '37012347']);
    await expect(sync.syncRecent()).rejects.toMatchObject({
      code: 'USER_ID_REQUIRED',
      userIds: ['37012345', '37012346'],
    });
  });

  it('an item an older process creates after the backfill is listed once this version writes it', async () => {
    const tableName = await upgradedTable();
    const store = dynamoStore({ tableName, client: db.client(), now: at0605, indexSettleMs: 0 });
    await walk(store, 'account/');
    // Written the old way (no segment), as a process still running the previous version would.
    const late = { ...items[0], key: { S: 'account/37012399' } } as Record<string, AttributeValue>;
    await db.client().send(new PutItemCommand({ TableName: tableName, Item: late }));
    const current = await store.get('account/37012399');
    await store.put('account/37012399', current?.value, { ifVersion: current?.version as number });
    expect(keysOf(await walk(store, 'account/'))).toEqual([...ACCOUNTS, 'account/37012399'].sort());
  });
});
