import type { LambdaClient } from '@aws-sdk/client-lambda';
import { LambdaAdapterError } from '../errors.js';
import { onFirstUse } from '../on-first-use.js';
import type { AsyncEvent } from './async-notification.js';

/**
 * `@aws-sdk/client-lambda`, imported on first use. Only webhooks and manual syncs queue anything; a
 * cold start for a health check, the status page, a schedule or a queued event never needs it, and its
 * shapes are 70 KB of the bundle's init (`pnpm bench`, lambdaBundle). `lambdaHandlerFromEnv` starts the
 * import at the first event, while the secrets are read. A failed import is not kept: the next call
 * tries again.
 */
export const loadLambdaSdk: () => Promise<typeof import('@aws-sdk/client-lambda')> = onFirstUse(
  () => import('@aws-sdk/client-lambda'),
);

/** The client to queue with: the one given, or a `LambdaClient` created once, on first use. */
export function lambdaClientSource(given: LambdaClient | undefined): () => Promise<LambdaClient> {
  if (given) return () => Promise.resolve(given);
  return onFirstUse(async () => new (await loadLambdaSdk()).LambdaClient({}));
}

/** `arn:aws:lambda:region:account:function:NAME[:qualifier]` → `NAME`; a bare name stays as it is. */
export function functionNameOf(target: string): string {
  const arn = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)/.exec(target);
  return arn?.[1] ?? target;
}

/** What a queue that invokes its own function needs: the client, the signing key, a clock, the target. */
export interface SelfInvokeOptions {
  client: () => Promise<LambdaClient>;
  key: Buffer;
  now: () => Date;
  /** The function (name or ARN) to queue on; unknown outside Lambda unless `functionName` was given. */
  target: string | undefined;
}

/**
 * The function to queue the `what` on.
 *
 * @throws {@link LambdaAdapterError} `INVALID_OPTIONS` when there is none (not in Lambda, no `functionName`).
 */
export function queueTarget(target: string | undefined, what: 'notification' | 'manual sync'): string {
  if (!target) {
    throw new LambdaAdapterError(
      'INVALID_OPTIONS',
      `cannot tell which function to queue the ${what} on: not running in Lambda? pass functionName`,
    );
  }
  return target;
}

/**
 * Queues an event for the function `target` (name or ARN) with `InvocationType: 'Event'`: Lambda
 * answers 202 once the event is stored and runs it later, with its own retries.
 *
 * @throws {@link LambdaAdapterError} `SELF_INVOKE_FAILED` when Lambda refuses or the call fails.
 */
export async function invokeSelf(
  client: () => Promise<LambdaClient>,
  target: string,
  event: AsyncEvent,
  /** What the event carries, for the error message. */
  what: 'notification' | 'manual sync' = 'notification',
): Promise<void> {
  let status: number | undefined;
  try {
    const [{ InvokeCommand }, lambda] = await Promise.all([loadLambdaSdk(), client()]);
    const answer = await lambda.send(
      new InvokeCommand({
        FunctionName: target,
        InvocationType: 'Event',
        Payload: new TextEncoder().encode(JSON.stringify(event)),
      }),
    );
    status = answer.StatusCode;
  } catch (error) {
    throw new LambdaAdapterError(
      'SELF_INVOKE_FAILED',
      `could not queue the ${what} on ${functionNameOf(target)} (${(error as Error)?.name ?? 'Error'}: ${(error as Error)?.message ?? String(error)}); check that the function may lambda:InvokeFunction itself`,
      { cause: error },
    );
  }
  if (status !== 202) {
    throw new LambdaAdapterError(
      'SELF_INVOKE_FAILED',
      `Lambda answered ${status ?? 'no status'} instead of 202 when queueing the ${what} on ${functionNameOf(target)}`,
    );
  }
}
