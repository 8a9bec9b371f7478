import type { LambdaClient } from '@aws-sdk/client-lambda';
import { LambdaAdapterError } from '../errors.js';
import { signAsyncNotification, type WithingsNotification } from './async-notification.js';
import { functionNameOf, invokeSelf } from './invoke-self.js';

/**
 * The `defer` the webhook route gets in `async-invoke` mode: sign the validated notification for the
 * target function and queue it there.
 */
export function deferBySelfInvoke(options: {
  client: () => LambdaClient;
  key: Buffer;
  now: () => Date;
  target: string | undefined;
}): (notification: WithingsNotification) => Promise<void> {
  return async (notification) => {
    const { target } = options;
    if (!target) {
      throw new LambdaAdapterError(
        'INVALID_OPTIONS',
        'cannot tell which function to queue the notification on: not running in Lambda? pass functionName',
      );
    }
    const event = signAsyncNotification(notification, {
      key: options.key,
      functionName: functionNameOf(target),
      now: options.now(),
    });
    await invokeSelf(options.client(), target, event);
  };
}
