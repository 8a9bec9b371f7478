import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { StoreError } from '@wg-sync/core';
import { DYNAMO_TABLE_SCHEMA } from './dynamo-store.js';

/** Options of {@link createDynamoTable}. */
export interface CreateDynamoTableOptions {
  /** The table to create (3–255 characters: `A-Z a-z 0-9 _ - .`). */
  tableName: string;
  /** Default: a new `DynamoDBClient` with region and credentials from the environment. */
  client?: DynamoDBClient;
  /**
   * Enable DynamoDB TTL on `expiresAt` (default true). Only garbage collection depends on it: the
   * store already treats expired items as absent. Local emulators without `UpdateTimeToLive` need false.
   */
  timeToLive?: boolean;
  /** How long to wait for the table to become ACTIVE (default 120 s). */
  timeoutMs?: number;
}

/**
 * Creates a table for {@link dynamoStore} (on-demand billing, partition key `key`, the keys-only
 * index `bySegment`, TTL on `expiresAt`) and waits until it is ACTIVE. A table that already exists
 * is kept as it is: one made before the index works on (listings scan) until the index is added (see
 * the package README). The reference SAM template creates the same table; this is for scripts,
 * local DynamoDB and tests.
 *
 * @example
 * ```ts
 * await createDynamoTable({ tableName: 'wg-sync-state' });
 * ```
 */
export async function createDynamoTable(options: CreateDynamoTableOptions): Promise<void> {
  const { tableName } = options;
  const client = options.client ?? new DynamoDBClient({});
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: DYNAMO_TABLE_SCHEMA.partitionKey, AttributeType: 'S' },
          { AttributeName: DYNAMO_TABLE_SCHEMA.segmentAttribute, AttributeType: 'S' },
        ],
        KeySchema: [{ AttributeName: DYNAMO_TABLE_SCHEMA.partitionKey, KeyType: 'HASH' }],
        GlobalSecondaryIndexes: [
          {
            IndexName: DYNAMO_TABLE_SCHEMA.keyIndex,
            KeySchema: [
              { AttributeName: DYNAMO_TABLE_SCHEMA.segmentAttribute, KeyType: 'HASH' },
              { AttributeName: DYNAMO_TABLE_SCHEMA.partitionKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'KEYS_ONLY' },
          },
        ],
      }),
    );
  } catch (error) {
    if ((error as Error)?.name !== 'ResourceInUseException') throw error;
  }
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') break;
    if (Date.now() > deadline) {
      throw new StoreError(`DynamoDB table ${tableName} is still ${Table?.TableStatus} after waiting`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  if (!(options.timeToLive ?? true)) return;
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: DYNAMO_TABLE_SCHEMA.ttlAttribute, Enabled: true },
      }),
    );
  } catch (error) {
    // Running it on an existing table answers "TimeToLive is already enabled".
    if (!/already enabled/i.test((error as Error)?.message ?? '')) throw error;
  }
}
