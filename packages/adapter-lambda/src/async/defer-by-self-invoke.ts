import type { LambdaClient } from '@aws-sdk/client-lambda';
import { LambdaAdapterError } from '../errors.js';
import { signAsyncNotification, type WithingsNotification } from './async-notification.js';
import { functionNameOf, invokeSelf } from './invoke-self.js';

/** What core's webhook route passes to `defer`: `notBefore` marks a debounce window's closing sync. */
export interface DeferOptions {
  notBefore?: Date;
}

/**
 * The `defer` the webhook route gets in `async-invoke` mode: sign the validated notification (and
 * its `notBefore`, so the queued event cannot be made to run earlier or later) for the target
 * function and queue it there.
 */
export function deferBySelfInvoke(options: {
  client: () => Promise<LambdaClient>;
  key: Buffer;
  now: () => Date;
  target: string | undefined;
}): (notification: WithingsNotification, deferOptions?: DeferOptions) => Promise<void> {
  return async (notification, deferOptions = {}) => {
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
      ...(deferOptions.notBefore ? { notBefore: deferOptions.notBefore } : {}),
    });
    await invokeSelf(options.client, target, event);
  };
}
