import { readFileSync } from 'node:fs';
import { createSync, type Logger, type StateStore, type Sync, type SyncConfig } from '@wg-sync/core';
import { garminLogin } from '@wg-sync/garmin';
import { type GarminSim, startGarminSim, startWithingsSim, type WithingsSim } from '@wg-sync/testkit';
import { afterEach } from 'vitest';
import { dynamoStore } from '../src/dynamo-store.js';
import type { LambdaContextLike } from '../src/lambda-events.js';
import { type LocalDynamoDb, startLocalDynamoDb } from './local-dynamodb.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

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
const GARMIN_EMAIL = 'ana@example.com';
const GARMIN_PASSWORD = 'pw-ana-123456';

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
  const withings = await startWithingsSim({ delivery: { retryDelaysMs: [0, 0], dropAfterFailures: 2 } });
  const garmin = await startGarminSim({
    accounts: [{ email: GARMIN_EMAIL, password: GARMIN_PASSWORD, timeZone: 'Europe/Berlin' }],
  });
  const db = await startLocalDynamoDb();
  cleanups.push(
    () => withings.close(),
    () => garmin.close(),
    () => db.close(),
  );
  const tableName = await db.table();
  const store = dynamoStore({ tableName, client: db.client() });
  const { logger, lines: logs } = collectLogs();
  const config: SyncConfig = {
    withings: { clientId: withings.clientId, clientSecret: withings.clientSecret, baseUrl: withings.url },
    garmin: { urls: garmin.urls, retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 20 } },
    store,
    apiToken: API_TOKEN,
    readBack: { attempts: 3, delayMs: 5 },
    logger,
    ...overrides,
  };
  const sync = createSync(config);
  const userId = withings.addUser({ timeZone: 'Europe/Berlin' });
  const garminTokens = await garminLogin({
    email: GARMIN_EMAIL,
    password: GARMIN_PASSWORD,
    urls: garmin.urls,
  });
  await sync.accounts.link({ withings: withings.issueTokens(userId), garmin: garminTokens });
  return {
    withings,
    garmin,
    db,
    tableName,
    store,
    sync,
    config,
    userId,
    garminEmail: GARMIN_EMAIL,
    logs,
    secrets: () => [...withings.secrets(), ...garmin.secrets(), API_TOKEN, WEBHOOK_SECRET],
    upstreamCalls: () => withings.requests.length + garmin.requests.length,
  };
}

/** A logger that keeps every line, as JSON, in `lines`. */
export function collectLogs(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const line = (level: string) => (event: string, fields?: Record<string, unknown>) =>
    void lines.push(JSON.stringify({ level, event, ...fields }));
  return {
    logger: { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') },
    lines,
  };
}

/** A Withings notification body for the user and a window around `takenAt`. */
export function notificationBody(userId: string, takenAt: Date, appli = 1): string {
  const seconds = Math.floor(takenAt.getTime() / 1000);
  return `userid=${userId}&appli=${appli}&startdate=${seconds - 1}&enddate=${seconds + 1}`;
}

export const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);
