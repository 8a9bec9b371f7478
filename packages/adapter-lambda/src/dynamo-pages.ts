import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  KeySelection,
  type ListPage,
  type ListPageOptions,
  type Logger,
  pageRequest,
  type VersionedValue,
} from '@wg-sync/core';
import { batchGetItems } from './dynamo-batch-get.js';

/** The keys-only GSI `listPage` queries, and the attribute it is partitioned by. */
export const KEY_INDEX = 'bySegment';
export const SEGMENT_ATTRIBUTE = 'segment';
/**
 * Written once every item carries `segment` (so the index holds every key). Not a valid state key,
 * so no entry can collide with it; it has a value and version, so an older reader's Scan decodes it.
 */
export const INDEX_MARKER_KEY = '~wg-sync/segment-index';

/** The GSI partition of a state key: its first segment (`account` for `account/37012345`). */
export const segmentOf = (key: string): string => key.split('/', 1)[0] as string;

/** What the pager borrows from `dynamoStore`. */
export interface DynamoPagerContext {
  client: DynamoDBClient;
  tableName: string;
  log: Logger;
  nowMs: () => number;
  /** Items per Scan page (tests); default DynamoDB's 1 MB pages. */
  scanPageSize?: number;
  /** How long after the backfill listings keep scanning, while the index catches up with it. */
  indexSettleMs: number;
  /** `dynamoStore`'s error mapping: any failure becomes a `StoreError` naming the table. */
  call: <T>(operation: string, key: string, send: () => Promise<T>) => Promise<T>;
  decode: <T>(key: string, item: Record<string, AttributeValue>) => VersionedValue<T> | undefined;
}

const BATCH = 100;
const BACKFILL_AT_ONCE = 16;
/** After the index answered "not there" (no such index, or still being built): try it again after this. */
const INDEX_RETRY_MS = 60_000;

/**
 * `listPage` for `dynamoStore`. A prefix with a `/` is a Query of the keys-only index (partition =
 * the first segment, sort = the key) from the cursor, then a consistent BatchGetItem of the values:
 * values are strongly consistent, membership is the index's (eventually consistent, usually well
 * under a second behind a write). A prefix without `/` spans partitions, and until every item is in
 * the index (older versions wrote none) pages come from a consistent, keys-only Scan: correct, with
 * the cost of today's `list`. That Scan also writes `segment` on the items lacking it (idempotent:
 * the same value, the version untouched, never on a deleted item); only a pass that left none
 * behind writes the marker, so a crash mid-way just means the next listing carries on. Listings
 * keep scanning for `indexSettleMs` after the marker, while the index takes in what was written.
 */
export function dynamoPager(context: DynamoPagerContext) {
  const { client, tableName, log, call } = context;
  let indexed = false;
  let indexDownUntil = 0;

  /**
   * `absent`: items may lack `segment` (backfill while scanning); `settling`: the backfill just
   * finished and the index may still be catching up; `down`: the index answered "not there".
   */
  const indexState = async (): Promise<'ready' | 'absent' | 'settling' | 'down'> => {
    if (indexed) return 'ready';
    if (context.nowMs() < indexDownUntil) return 'down';
    const { Item } = await call('GetItem', INDEX_MARKER_KEY, () =>
      client.send(
        new GetItemCommand({
          TableName: tableName,
          Key: { key: { S: INDEX_MARKER_KEY } },
          ConsistentRead: true,
        }),
      ),
    );
    if (!Item) return 'absent';
    const backfilledAt = Date.parse(markerValue(Item).backfilledAt ?? '');
    if (context.nowMs() < backfilledAt + context.indexSettleMs) return 'settling';
    indexed = true;
    return 'ready';
  };

  /** The live entries of `keys`, in that order, read consistently. */
  const values = async <T>(keys: string[]): Promise<Array<{ key: string } & VersionedValue<T>>> => {
    const items = new Map<string, Record<string, AttributeValue>>();
    const batches: string[][] = [];
    for (let i = 0; i < keys.length; i += BATCH) batches.push(keys.slice(i, i + BATCH));
    await Promise.all(batches.map((batch) => batchGetItems(context, batch, items)));
    return keys.flatMap((key) => {
      const item = items.get(key);
      const live = item && context.decode<T>(key, item);
      return live ? [{ key, ...live }] : [];
    });
  };

  const queryPage = async <T>(
    prefix: string,
    { limit, after }: { limit: number; after: string | undefined },
  ): Promise<ListPage<T>> => {
    const segment = segmentOf(prefix);
    const entries: Array<{ key: string } & VersionedValue<T>> = [];
    let start: Record<string, AttributeValue> | undefined = after
      ? { [SEGMENT_ATTRIBUTE]: { S: segment }, key: { S: after } }
      : undefined;
    let last = after;
    while (entries.length < limit) {
      const answer = await call('Query', `${prefix}*`, () =>
        client.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: KEY_INDEX,
            KeyConditionExpression: '#s = :s AND begins_with(#k, :prefix)',
            ExpressionAttributeNames: { '#s': SEGMENT_ATTRIBUTE, '#k': 'key' },
            ExpressionAttributeValues: { ':s': { S: segment }, ':prefix': { S: prefix } },
            Limit: limit - entries.length,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        ),
      );
      const keys = (answer.Items ?? []).flatMap((item) => (item.key?.S === undefined ? [] : [item.key.S]));
      entries.push(...(await values<T>(keys)));
      start = answer.LastEvaluatedKey;
      last = start?.key?.S ?? keys.at(-1) ?? last;
      if (!start) return { entries };
    }
    return last === undefined || last === after ? { entries } : { entries, cursor: last };
  };

  /** Writes `segment` on items an older version wrote; counts the writes that failed. */
  const backfill = async (keys: string[], failures: { count: number; first?: string }) => {
    for (let i = 0; i < keys.length; i += BACKFILL_AT_ONCE) {
      await Promise.all(
        keys.slice(i, i + BACKFILL_AT_ONCE).map(async (key) => {
          try {
            await client.send(
              new UpdateItemCommand({
                TableName: tableName,
                Key: { key: { S: key } },
                UpdateExpression: 'SET #s = :s',
                ConditionExpression: 'attribute_exists(#k) AND attribute_not_exists(#s)',
                ExpressionAttributeNames: { '#s': SEGMENT_ATTRIBUTE, '#k': 'key' },
                ExpressionAttributeValues: { ':s': { S: segmentOf(key) } },
              }),
            );
          } catch (error) {
            // Deleted meanwhile, or written by a newer put: nothing left to do for it.
            if ((error as Error)?.name === 'ConditionalCheckFailedException') return;
            failures.count += 1;
            failures.first ??= `${key}: ${(error as Error)?.name}: ${(error as Error)?.message}`;
          }
        }),
      );
    }
  };

  const scanPage = async <T>(
    prefix: string,
    request: { limit: number; after: string | undefined },
    backfilling: boolean,
  ): Promise<ListPage<T>> => {
    const selection = new KeySelection(prefix, request);
    let start: Record<string, AttributeValue> | undefined;
    const failures: { count: number; first?: string } = { count: 0 };
    let written = 0;
    do {
      const answer = await call('Scan', `${prefix}*`, () =>
        client.send(
          new ScanCommand({
            TableName: tableName,
            ConsistentRead: true,
            ProjectionExpression: '#k, #s',
            ExpressionAttributeNames: { '#k': 'key', '#s': SEGMENT_ATTRIBUTE },
            // A backfilling pass looks at every item; otherwise only the prefix's come back.
            ...(prefix && !backfilling
              ? {
                  FilterExpression: 'begins_with(#k, :prefix)',
                  ExpressionAttributeValues: { ':prefix': { S: prefix } },
                }
              : {}),
            ...(context.scanPageSize ? { Limit: context.scanPageSize } : {}),
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        ),
      );
      const missing: string[] = [];
      for (const item of answer.Items ?? []) {
        const key = item.key?.S;
        if (key === undefined || key === INDEX_MARKER_KEY) continue;
        selection.offer(key);
        if (backfilling && item[SEGMENT_ATTRIBUTE]?.S === undefined) missing.push(key);
      }
      if (missing.length > 0) {
        await backfill(missing, failures);
        written += missing.length;
      }
      start = answer.LastEvaluatedKey;
    } while (start);
    if (backfilling) await finishBackfill(failures, written - failures.count);
    const { keys, more } = selection.result();
    const entries = await values<T>(keys);
    const last = keys.at(-1);
    return more && last ? { entries, cursor: last } : { entries };
  };

  const finishBackfill = async (failures: { count: number; first?: string }, written: number) => {
    if (failures.count > 0) {
      log.warn('store.dynamo.index.backfill.incomplete', {
        tableName,
        written,
        failed: failures.count,
        firstFailure: failures.first,
        message: 'some items still lack the index attribute: listings scan until a later pass completes',
      });
      return;
    }
    await call('UpdateItem', INDEX_MARKER_KEY, () =>
      client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: { key: { S: INDEX_MARKER_KEY } },
          UpdateExpression: 'SET #val = :val, #v = :one',
          ExpressionAttributeNames: { '#val': 'value', '#v': 'version' },
          ExpressionAttributeValues: {
            ':val': { S: JSON.stringify({ backfilledAt: new Date(context.nowMs()).toISOString(), written }) },
            ':one': { N: '1' },
          },
        }),
      ),
    );
    log.info('store.dynamo.index.backfilled', { tableName, written });
  };

  return {
    async listPage<T>(prefix: string, options?: ListPageOptions): Promise<ListPage<T>> {
      const request = pageRequest(prefix, options);
      const state = await indexState();
      if (state === 'ready' && prefix.includes('/')) {
        try {
          return await queryPage<T>(prefix, request);
        } catch (error) {
          if (!indexUnavailable(error)) throw error;
          indexed = false;
          indexDownUntil = context.nowMs() + INDEX_RETRY_MS;
          log.warn('store.dynamo.index.unavailable', {
            tableName,
            index: KEY_INDEX,
            error: (error as Error).message,
            fix: `add the ${KEY_INDEX} index (see createDynamoTable or the template's StateTable); listings use a Scan meanwhile`,
          });
        }
      }
      return scanPage<T>(prefix, request, state === 'absent');
    },
  };
}

function markerValue(item: Record<string, AttributeValue>): { backfilledAt?: string } {
  try {
    const value: unknown = JSON.parse(item.value?.S ?? '{}');
    return value && typeof value === 'object' ? value : {};
  } catch {
    return {};
  }
}

/** The table has no such index yet, or DynamoDB is still building it. */
function indexUnavailable(error: unknown): boolean {
  const cause = (error as { cause?: unknown })?.cause as Error | undefined;
  return cause?.name === 'ValidationException' && /index/i.test(cause.message ?? '');
}
