import {
  type AttributeValue,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  assertValidKey,
  firstVersion,
  jsonLogger,
  type ListPageOptions,
  type Logger,
  type PutOptions,
  type StateStore,
  StoreConflictError,
  StoreCorruptError,
  StoreError,
  type VersionedValue,
} from '@wg-sync/core';
import { dynamoPager, INDEX_MARKER_KEY, KEY_INDEX, SEGMENT_ATTRIBUTE, segmentOf } from './dynamo-pages.js';

/**
 * The table layout {@link dynamoStore} uses: partition key `key` (S); each item also has `value` (S,
 * the JSON text), `version` (N), `segment` (S, the key's first segment) and, for entries with a TTL,
 * `expiresAt` (N, epoch seconds), which is the attribute to enable DynamoDB TTL on. A keys-only
 * global secondary index `bySegment` (partition `segment`, sort `key`) serves `listPage`.
 */
export const DYNAMO_TABLE_SCHEMA = {
  /** Partition key (S): the state key, such as `withings/37012345/tokens`. */
  partitionKey: 'key',
  /** The value as JSON text (S). */
  valueAttribute: 'value',
  /** The compare-and-swap version (N). */
  versionAttribute: 'version',
  /** Expiry in epoch seconds (N), for entries written with a TTL: enable DynamoDB TTL on it. */
  ttlAttribute: 'expiresAt',
  /** The key's first segment (S): `account` for `account/37012345`; the index's partition key. */
  segmentAttribute: SEGMENT_ATTRIBUTE,
  /** The keys-only global secondary index: partition `segment`, sort `key`. */
  keyIndex: KEY_INDEX,
} as const;

/** Options of {@link dynamoStore}. */
export interface DynamoStoreOptions {
  /** The table (see {@link DYNAMO_TABLE_SCHEMA}; {@link createDynamoTable} makes one). */
  tableName: string;
  /** Default: a new `DynamoDBClient` with region and credentials from the environment. */
  client?: DynamoDBClient;
  /** Clock for TTL decisions (tests move it). */
  now?: () => Date;
  /** Items per Scan page in `list` (default: DynamoDB's 1 MB pages); small values are for tests. */
  scanPageSize?: number;
  /**
   * How long listings keep using a Scan after the store finished writing `segment` on the items an
   * older version wrote, while the index takes them in (default 30 000 ms; tests pass 0).
   */
  indexSettleMs?: number;
  /** Where the index's backfill and fallbacks are logged (default `jsonLogger()`: stderr). */
  logger?: Logger;
}

const NAMES = { '#val': 'value', '#v': 'version', '#e': 'expiresAt', '#seg': SEGMENT_ATTRIBUTE };
/** Lazy TTL deletion means an expired item may still be there: every condition treats it as absent. */
const LIVE = '(attribute_not_exists(#e) OR #e > :now)';

/**
 * A `StateStore` (from `@wg-sync/core`) on one DynamoDB table, with compare-and-swap as conditional writes and
 * strongly consistent reads. DynamoDB's TTL deletes expired items late (up to days), so reads and
 * conditions treat an item whose `expiresAt` has passed as absent.
 *
 * `listPage(prefix)` (what core lists accounts with) queries the keys-only index `bySegment` for a
 * page of keys, then reads their values with a strongly consistent BatchGetItem: values are as
 * strongly consistent as `get`, but membership follows the index, which DynamoDB updates
 * asynchronously (usually well under a second): a key written just before may be missing from a
 * listing, one deleted just before is left out. Items written by versions before the index lack
 * `segment`: until the store has written it on all of them (in the first listings, idempotent and
 * crash-safe; see {@link DynamoStoreOptions.indexSettleMs}), and for prefixes without a `/`, pages
 * come from a consistent keys-only Scan instead, as does everything while the table has no index.
 *
 * `list(prefix)` stays a consistent Scan with a `begins_with` filter, paginated to the end: its
 * membership strongly consistent, and the whole table read each time, so core keeps it for rare
 * per-account listings (one account's ledger in dedupe, doctor and its first activity record).
 *
 * IAM: `dynamodb:GetItem`, `UpdateItem`, `DeleteItem`, `Scan` and `BatchGetItem` on the table, and
 * `dynamodb:Query` on its index (`<table ARN>/index/bySegment`).
 *
 * @example
 * ```ts
 * import { createSync, loadConfigFromEnv } from '@wg-sync/core';
 * import { dynamoStore } from '@wg-sync/adapter-lambda';
 *
 * const sync = createSync({ ...loadConfigFromEnv(), store: dynamoStore({ tableName: 'wg-sync-state' }) });
 * ```
 */
export function dynamoStore(options: DynamoStoreOptions): StateStore {
  const { tableName } = options;
  if (typeof tableName !== 'string' || tableName.length < 3) {
    throw new TypeError('dynamoStore: tableName must name a DynamoDB table (at least 3 characters)');
  }
  const client = options.client ?? new DynamoDBClient({});
  const nowMs = () => (options.now ?? (() => new Date()))().getTime();
  const nowSeconds = () => ({ N: String(Math.floor(nowMs() / 1000)) });
  const location = `dynamodb:${tableName}`;

  const call = async <T>(operation: string, key: string, send: () => Promise<T>): Promise<T> => {
    try {
      return await send();
    } catch (error) {
      const name = (error as Error)?.name ?? 'Error';
      if (name === 'ConditionalCheckFailedException') throw new StoreConflictError(key);
      throw new StoreError(
        `DynamoDB ${operation} of "${key}" in table ${tableName} failed (${name}: ${(error as Error)?.message ?? String(error)})`,
        { cause: error },
      );
    }
  };

  /** The item's value and version when it is live; `undefined` when it has expired. */
  const decode = <T>(key: string, item: Record<string, AttributeValue>): VersionedValue<T> | undefined => {
    const expiresAt = item.expiresAt?.N;
    if (expiresAt !== undefined && Number(expiresAt) * 1000 <= nowMs()) return undefined;
    const version = Number(item.version?.N);
    const json = item.value?.S;
    if (!Number.isSafeInteger(version) || version <= 0 || json === undefined) {
      throw new StoreCorruptError(key, location, 'the item has no value or version');
    }
    try {
      return { value: JSON.parse(json) as T, version };
    } catch (error) {
      throw new StoreCorruptError(key, location, 'the value is not JSON', { cause: error });
    }
  };

  const pager = dynamoPager({
    client,
    tableName,
    log: options.logger ?? jsonLogger(),
    nowMs,
    indexSettleMs: options.indexSettleMs ?? 30_000,
    call,
    decode,
    ...(options.scanPageSize ? { scanPageSize: options.scanPageSize } : {}),
  });

  return {
    async get<T>(key: string) {
      assertValidKey(key);
      const { Item } = await call('GetItem', key, () =>
        client.send(
          new GetItemCommand({ TableName: tableName, Key: { key: { S: key } }, ConsistentRead: true }),
        ),
      );
      return Item ? decode<T>(key, Item) : undefined;
    },

    async put(key: string, value: unknown, { ifVersion, ttlSeconds }: PutOptions = {}) {
      assertValidKey(key);
      const json = JSON.stringify(value);
      if (json === undefined) throw new TypeError(`state "${key}": value is not JSON`);
      const names: Record<string, string> = { ...NAMES };
      const values: Record<string, AttributeValue> = {
        ':val': { S: json },
        ':seg': { S: segmentOf(key) },
        ':first': { N: String(firstVersion() - 1) },
        ':one': { N: '1' },
      };
      let update = 'SET #val = :val, #seg = :seg, #v = if_not_exists(#v, :first) + :one';
      if (ttlSeconds === undefined) update += ' REMOVE #e';
      else {
        update += ', #e = :exp';
        values[':exp'] = { N: String(Math.ceil((nowMs() + ttlSeconds * 1000) / 1000)) };
      }
      let condition: string | undefined;
      if (ifVersion === null) {
        condition = 'attribute_not_exists(#k) OR #e <= :now';
        names['#k'] = 'key';
        values[':now'] = nowSeconds();
      } else if (ifVersion !== undefined) {
        condition = `#v = :expected AND ${LIVE}`;
        values[':expected'] = { N: String(ifVersion) };
        values[':now'] = nowSeconds();
      }
      const { Attributes } = await call('UpdateItem', key, () =>
        client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: { key: { S: key } },
            UpdateExpression: update,
            ...(condition ? { ConditionExpression: condition } : {}),
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ReturnValues: 'UPDATED_NEW',
          }),
        ),
      );
      const version = Number(Attributes?.version?.N);
      if (!Number.isSafeInteger(version)) throw new StoreError(`DynamoDB returned no version for "${key}"`);
      return version;
    },

    async delete(key: string, { ifVersion }: { ifVersion?: number } = {}) {
      assertValidKey(key);
      await call('DeleteItem', key, () =>
        client.send(
          new DeleteItemCommand({
            TableName: tableName,
            Key: { key: { S: key } },
            ...(ifVersion === undefined
              ? {}
              : {
                  ConditionExpression: `#v = :expected AND ${LIVE}`,
                  ExpressionAttributeNames: { '#v': 'version', '#e': 'expiresAt' },
                  ExpressionAttributeValues: { ':expected': { N: String(ifVersion) }, ':now': nowSeconds() },
                }),
          }),
        ),
      );
    },

    async list<T>(prefix: string) {
      const entries: Array<{ key: string } & VersionedValue<T>> = [];
      let start: Record<string, AttributeValue> | undefined;
      do {
        const page = await call('Scan', `${prefix}*`, () =>
          client.send(
            new ScanCommand({
              TableName: tableName,
              ConsistentRead: true,
              ...(prefix
                ? {
                    FilterExpression: 'begins_with(#k, :prefix)',
                    ExpressionAttributeNames: { '#k': 'key' },
                    ExpressionAttributeValues: { ':prefix': { S: prefix } },
                  }
                : {}),
              ...(options.scanPageSize ? { Limit: options.scanPageSize } : {}),
              ...(start ? { ExclusiveStartKey: start } : {}),
            }),
          ),
        );
        for (const item of page.Items ?? []) {
          const key = item.key?.S;
          if (key === undefined || key === INDEX_MARKER_KEY) continue;
          const live = decode<T>(key, item);
          if (live) entries.push({ key, ...live });
        }
        start = page.LastEvaluatedKey;
      } while (start);
      return entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },

    listPage<T>(prefix: string, options?: ListPageOptions) {
      return pager.listPage<T>(prefix, options);
    },
  };
}
