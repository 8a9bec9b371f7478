import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { LambdaAdapterError } from '../errors.js';
import type { AsyncEvent } from './async-notification.js';

/** `arn:aws:lambda:region:account:function:NAME[:qualifier]` → `NAME`; a bare name stays as it is. */
export function functionNameOf(target: string): string {
  const arn = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)/.exec(target);
  return arn?.[1] ?? target;
}

/**
 * Queues an event for the function `target` (name or ARN) with `InvocationType: 'Event'`: Lambda
 * answers 202 once the event is stored and runs it later, with its own retries.
 *
 * @throws {@link LambdaAdapterError} `SELF_INVOKE_FAILED` when Lambda refuses or the call fails.
 */
export async function invokeSelf(
  client: LambdaClient,
  target: string,
  event: AsyncEvent,
  /** What the event carries, for the error message. */
  what: 'notification' | 'manual sync' = 'notification',
): Promise<void> {
  let status: number | undefined;
  try {
    const answer = await client.send(
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
