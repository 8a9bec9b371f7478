import { ConfigError } from '@wg-sync/core';
import { describe, expect, it } from 'vitest';
import { LAMBDA_HANDLER_ENV_VARS, lambdaHandlerFromEnv } from '../src/lambda-handler-from-env.js';
import { collectLogs, fixture } from './harness.js';
import { roomyContext } from './queue-harness.js';

const BASE = {
  WG_SYNC_TABLE: 'wg-sync-state',
  WITHINGS_CLIENT_ID: 'client-id',
  WITHINGS_CLIENT_SECRET: 'client-secret-0123456789',
  AWS_REGION: 'eu-west-1',
};
const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/wg-sync-WorkQueue-1A2B';

/** The problems `lambda.config.invalid` lists for `env`, when an event arrives. */
async function problemsOf(env: Record<string, string>) {
  const { logger, lines } = collectLogs();
  const handler = lambdaHandlerFromEnv({ env: { ...BASE, ...env }, logger });
  await expect(handler(fixture('eventbridge-scheduled-event'), roomyContext())).rejects.toBeInstanceOf(
    ConfigError,
  );
  const logged = lines.map((l) => JSON.parse(l)).find((l) => l.event === 'lambda.config.invalid');
  return logged.problems as string[];
}

describe('queue mode from the environment', () => {
  it('reads WG_SYNC_QUEUE_URL, WG_SYNC_DEAD_LETTER_QUEUE_URL and WG_SYNC_QUEUE_MAX_RECEIVES (listed for templates)', () => {
    for (const name of ['WG_SYNC_QUEUE_URL', 'WG_SYNC_DEAD_LETTER_QUEUE_URL', 'WG_SYNC_QUEUE_MAX_RECEIVES'])
      expect(LAMBDA_HANDLER_ENV_VARS).toContain(name);
  });

  it('refuses a malformed queue URL, a receive count out of range, a dead-letter queue alone, and inline processing with a queue', async () => {
    expect(await problemsOf({ WG_SYNC_QUEUE_URL: 'wg-sync-queue', WG_SYNC_QUEUE_MAX_RECEIVES: '0' })).toEqual(
      [
        expect.stringMatching(/^WG_SYNC_QUEUE_URL must be the queue URL/),
        expect.stringMatching(/^WG_SYNC_QUEUE_MAX_RECEIVES must be a whole number from 1 to 1000/),
      ],
    );
    expect(await problemsOf({ WG_SYNC_QUEUE_URL: QUEUE, WG_SYNC_QUEUE_MAX_RECEIVES: 'five' })).toEqual([
      expect.stringMatching(/^WG_SYNC_QUEUE_MAX_RECEIVES/),
    ]);
    expect(await problemsOf({ WG_SYNC_DEAD_LETTER_QUEUE_URL: QUEUE })).toEqual([
      'WG_SYNC_DEAD_LETTER_QUEUE_URL needs WG_SYNC_QUEUE_URL',
    ]);
    expect(await problemsOf({ WG_SYNC_QUEUE_URL: QUEUE, WG_SYNC_PROCESSING: 'inline' })).toEqual([
      expect.stringMatching(/^WG_SYNC_PROCESSING=inline/),
    ]);
  });

  it('an SQS event reaching a function without a queue fails the invocation, so the Errors metric shows it', async () => {
    const { logger } = collectLogs();
    const handler = lambdaHandlerFromEnv({ env: BASE, logger });
    const event = {
      Records: [{ messageId: 'm', receiptHandle: 'r', body: '{}', attributes: {}, eventSource: 'aws:sqs' }],
    };
    await expect(handler(event, roomyContext())).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
  });
});
