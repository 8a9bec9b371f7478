import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoTable, dynamoStore } from '@wg-sync/adapter-lambda';
import dynalite from 'dynalite';
import { afterEach, describe, expect, it } from 'vitest';
import { cliWorld, GARMIN_EMAIL, linkAccount, run } from './cli.js';

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

/** dynalite (a real DynamoDB implementation, in memory) on 127.0.0.1 with one wg-sync table. */
async function localTable() {
  const server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  stops.push(async () => {
    client.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const tableName = 'wg-sync-laptop';
  await createDynamoTable({ tableName, client, timeToLive: false });
  return {
    tableName,
    client,
    // What a laptop with AWS credentials has; the SDK reads the endpoint override from the environment.
    env: {
      AWS_ENDPOINT_URL_DYNAMODB: endpoint,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    },
  };
}

describe('wg-sync --store dynamodb:<table> (linking from a laptop for the Lambda deployment)', () => {
  it('links both sides straight into the table, and a sync from there uploads', async () => {
    const world = await cliWorld();
    const table = await localTable();
    const env = { ...world.env, ...table.env, WG_SYNC_STORE: `dynamodb:${table.tableName}` };
    await linkAccount({ ...world, env });

    const store = dynamoStore({ tableName: table.tableName, client: table.client });
    const keys = (await store.list('')).map((entry) => entry.key);
    expect(keys).toEqual(
      expect.arrayContaining([
        `account/${world.userId}`,
        `withings/${world.userId}/tokens`,
        `garmin/${world.userId}/session`,
      ]),
    );
    const list = await run(['accounts', 'list', '--json', '--store', `dynamodb:${table.tableName}`], {
      ...world.env,
      ...table.env,
    });
    expect(JSON.parse(list.stdout)).toMatchObject([
      { userId: world.userId, sessions: { withings: true, garmin: true } },
    ]);

    world.withings.addWeighIn(world.userId, { takenAt: new Date(Date.now() - 120_000), weightKg: 70.4 });
    const sync = await run(['sync', '--json'], env);
    expect(sync.code, sync.stderr).toBe(0);
    expect(JSON.parse(sync.stdout).synced).toHaveLength(1);
    expect(world.garmin.weighIns(GARMIN_EMAIL).map((w) => w.weight)).toEqual([70_400]);
  });

  it('an unreachable table is a store error with the fix (exit 5), not a crash', async () => {
    const world = await cliWorld();
    const table = await localTable();
    const result = await run(['accounts', 'list', '--store', 'dynamodb:no-such-table'], {
      ...world.env,
      ...table.env,
    });
    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(/wg-sync: .*no-such-table.*\n {2}fix: check that the store is reachable/);
  });
});
