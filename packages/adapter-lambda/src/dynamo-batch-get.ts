import { type AttributeValue, BatchGetItemCommand } from '@aws-sdk/client-dynamodb';
import { StoreError } from '@wg-sync/core';
import type { DynamoPagerContext } from './dynamo-pages.js';

/** Attempts at the keys DynamoDB hands back unprocessed (throttling) before the page fails. */
const ATTEMPTS = 9;

/**
 * Reads up to 100 `keys` with one strongly consistent BatchGetItem into `into` (by key), asking
 * again with backoff for the keys DynamoDB leaves unprocessed.
 * @throws StoreError when keys are still unprocessed after the last attempt.
 */
export async function batchGetItems(
  { client, tableName, call }: Pick<DynamoPagerContext, 'client' | 'tableName' | 'call'>,
  keys: string[],
  into: Map<string, Record<string, AttributeValue>>,
): Promise<void> {
  let pending: Array<Record<string, AttributeValue>> = keys.map((key) => ({ key: { S: key } }));
  for (let attempt = 0; pending.length > 0; attempt += 1) {
    if (attempt >= ATTEMPTS) {
      throw new StoreError(
        `DynamoDB BatchGetItem in table ${tableName} left ${pending.length} keys unprocessed after ${attempt} attempts`,
      );
    }
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** attempt)));
    const request = pending;
    const answer = await call('BatchGetItem', keys[0] as string, () =>
      client.send(
        new BatchGetItemCommand({
          RequestItems: {
            [tableName]: {
              Keys: request,
              ConsistentRead: true,
              ProjectionExpression: '#k, #val, #v, #e',
              ExpressionAttributeNames: { '#k': 'key', '#val': 'value', '#v': 'version', '#e': 'expiresAt' },
            },
          },
        }),
      ),
    );
    for (const item of answer.Responses?.[tableName] ?? []) {
      if (item.key?.S !== undefined) into.set(item.key.S, item);
    }
    pending = answer.UnprocessedKeys?.[tableName]?.Keys ?? [];
  }
}
