import type { SQSClient } from '@aws-sdk/client-sqs';
import { onFirstUse } from '../on-first-use.js';

/**
 * `@aws-sdk/client-sqs`, imported on first use, as `loadLambdaSdk` does for the Lambda client: a cold
 * start for a health check or the status page never needs it, and a webhook needs it only once it
 * enqueues. `lambdaHandlerFromEnv` starts the import at the first event, while the secrets are read.
 * A failed import is not kept: the next call tries again.
 */
export const loadSqsSdk: () => Promise<typeof import('@aws-sdk/client-sqs')> = onFirstUse(
  () => import('@aws-sdk/client-sqs'),
);

/** The client to use: the one given, or an `SQSClient` created once, on first use. */
export function sqsClientSource(given: SQSClient | undefined): () => Promise<SQSClient> {
  if (given) return () => Promise.resolve(given);
  return onFirstUse(async () => new (await loadSqsSdk()).SQSClient({}));
}

/** `https://sqs.eu-west-1.amazonaws.com/123456789012/name` → `name` (for messages; never a secret). */
export function queueNameOf(queueUrl: string): string {
  return queueUrl.replace(/\/+$/, '').split('/').pop() || queueUrl;
}
