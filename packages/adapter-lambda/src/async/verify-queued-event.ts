import type { Logger } from '@wg-sync/core';
import { AsyncEventRejectedError, type AsyncRejectionReason } from '../errors.js';
import type { LambdaContextLike } from '../lambda-events.js';
import type { EnvelopeCheck } from './async-notification.js';
import { functionNameOf } from './invoke-self.js';

/** What a queued-event runner needs to check the event it was given. */
export interface QueuedEventSettings {
  key: Buffer | undefined;
  log: Logger;
  now: () => Date;
  maxAgeSeconds: number;
  functionName: string | undefined;
}

/**
 * Checks a signed queued event with `verify` against this function's key, name and clock. A refused
 * one is logged (`lambda.async.rejected`, an error) and returned as its reason: the runner answers it
 * normally, because throwing would only make Lambda retry a forgery.
 */
export function verifyQueuedEvent<T>(
  event: Record<string, unknown>,
  context: LambdaContextLike,
  settings: QueuedEventSettings,
  verify: (event: Record<string, unknown>, check: EnvelopeCheck) => T,
): { value: T } | { rejected: AsyncRejectionReason } {
  const self =
    context.functionName ??
    process.env.AWS_LAMBDA_FUNCTION_NAME ??
    (settings.functionName === undefined ? undefined : functionNameOf(settings.functionName));
  try {
    if (!settings.key) {
      throw new AsyncEventRejectedError(
        'BAD_SIGNATURE',
        'no signing secret is configured to check async events',
      );
    }
    return {
      value: verify(event, {
        key: settings.key,
        functionName: self,
        now: settings.now(),
        maxAgeSeconds: settings.maxAgeSeconds,
      }),
    };
  } catch (error) {
    if (!(error instanceof AsyncEventRejectedError)) throw error;
    settings.log.error('lambda.async.rejected', {
      reason: error.reason,
      error,
      requestId: context.awsRequestId,
    });
    return { rejected: error.reason };
  }
}
