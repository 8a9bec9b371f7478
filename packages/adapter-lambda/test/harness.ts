import { readFileSync } from 'node:fs';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { StateStore, Sync, SyncConfig } from '@wg-sync/core';
import { linkedWorld, onCleanup } from '@wg-sync/test-support';
import type { GarminSim, WithingsSim } from '@wg-sync/testkit';
import { dynamoStore } from '../src/dynamo-store.js';
import { lambdaAdapter } from '../src/lambda-adapter.js';
import type { LambdaContextLike } from '../src/lambda-events.js';
import { type LocalDynamoDb, startLocalDynamoDb } from './local-dynamodb.js';

export { collectLogs, minutesAgo } from '@wg-sync/test-support';

/** A committed event fixture, parsed fresh for each use so tests can change it. */
export function fixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(new URL(`fixtures/${name}.json`, import.meta.url), 'utf8')) as T;
}

/** A Lambda context as the runtime passes it (only the fields the adapter reads are real). */
export function lambdaContext(functionName = 'wg-sync-test-sync'): LambdaContextLike {
  const deadline = Date.now() + 60_000;
  return {
    functionName,
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
}

export const API_TOKEN = 'api-token-0123456789abcdef';
export const WEBHOOK_SECRET = 'hook-secret-0123456789';

export interface World {
  withings: WithingsSim;
  garmin: GarminSim;
  db: LocalDynamoDb;
  tableName: string;
  store: StateStore;
  sync: Sync;
  config: SyncConfig;
  userId: string;
  garminEmail: string;
  logs: string[];
  /** Every secret in play (simulators' tokens, client secret, API token, webhook secret). */
  secrets(): string[];
  /** Upstream requests so far (both simulators). */
  upstreamCalls(): number;
}

/**
 * Both simulators on 127.0.0.1, a dynalite table behind `dynamoStore`, and one linked account: what
 * the Lambda deployment runs on, minus AWS.
 */
export async function world(overrides: Partial<SyncConfig> = {}): Promise<World> {
  const db = await startLocalDynamoDb();
  onCleanup(() => db.close());
  const tableName = await db.table();
  const store = dynamoStore({ tableName, client: db.client() });
  const shared = await linkedWorld({
    withings: { delivery: { retryDelaysMs: [0, 0], dropAfterFailures: 2 } },
    store,
    retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 20 },
    config: { apiToken: API_TOKEN, ...overrides },
  });
  const { withings, garmin, sync, config, userId, logs } = shared;
  return {
    withings,
    garmin,
    db,
    tableName,
    store,
    sync,
    config,
    userId,
    garminEmail: shared.email,
    logs,
    secrets: () => [...shared.secrets(), API_TOKEN, WEBHOOK_SECRET],
    upstreamCalls: shared.upstreamCalls,
  };
}

/** A Withings notification body for the user and a window around `takenAt`. */
export function notificationBody(userId: string, takenAt: Date, appli = 1): string {
  const seconds = Math.floor(takenAt.getTime() / 1000);
  return `userid=${userId}&appli=${appli}&startdate=${seconds - 1}&enddate=${seconds + 1}`;
}

/** The adapter as deployed by default (async-invoke), its events queued through a mocked `lambdaClient`. */
export function asyncAdapter(w: World, lambdaClient: LambdaClient, sync: Sync = w.sync) {
  return lambdaAdapter(sync, {
    lambdaClient,
    signingSecret: w.withings.clientSecret,
    logger: w.config.logger,
  });
}
