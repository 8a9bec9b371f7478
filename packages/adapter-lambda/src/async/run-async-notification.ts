import type { Logger, Sync } from '@wg-sync/core';
import { AsyncEventRejectedError } from '../errors.js';
import type { LambdaContextLike, LambdaEventResult } from '../lambda-events.js';
import { verifyAsyncNotification } from './async-notification.js';
import { functionNameOf } from './invoke-self.js';

/**
 * Runs a queued notification: authenticate, then `sync.syncNotification`. A refused event is logged
 * as an error and answered normally, because throwing would only make Lambda retry a forgery.
 */
export async function runAsyncNotification(
  sync: Sync,
  event: Record<string, unknown>,
  context: LambdaContextLike,
  settings: {
    key: Buffer | undefined;
    log: Logger;
    now: () => Date;
    maxAgeSeconds: number;
    functionName: string | undefined;
  },
): Promise<LambdaEventResult> {
  const { log } = settings;
  const self =
    context.functionName ??
    process.env.AWS_LAMBDA_FUNCTION_NAME ??
    (settings.functionName === undefined ? undefined : functionNameOf(settings.functionName));
  let notification: ReturnType<typeof verifyAsyncNotification>;
  try {
    if (!settings.key) {
      throw new AsyncEventRejectedError(
        'BAD_SIGNATURE',
        'no signing secret is configured to check async events',
      );
    }
    notification = verifyAsyncNotification(event, {
      key: settings.key,
      functionName: self,
      now: settings.now(),
      maxAgeSeconds: settings.maxAgeSeconds,
    });
  } catch (error) {
    if (!(error instanceof AsyncEventRejectedError)) throw error;
    log.error('lambda.async.rejected', { reason: error.reason, error, requestId: context.awsRequestId });
    return { kind: 'notification', status: 'rejected', reason: error.reason };
  }
  const report = await sync.syncNotification(notification);
  log.info('lambda.async.synced', {
    userId: notification.userId,
    synced: report.synced.length,
    failed: report.failed.length,
  });
  return { kind: 'notification', status: 'synced', report };
}
