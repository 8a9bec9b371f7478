import { signAsyncNotification, type WithingsNotification } from './async-notification.js';
import { functionNameOf, invokeSelf, queueTarget, type SelfInvokeOptions } from './invoke-self.js';

/** What core's webhook route passes to `defer`: `notBefore` marks a debounce window's closing sync. */
export interface DeferOptions {
  notBefore?: Date;
}

/**
 * The `defer` the webhook route gets in `async-invoke` mode: sign the validated notification (and
 * its `notBefore`, so the queued event cannot be made to run earlier or later) for the target
 * function and queue it there.
 */
export function deferBySelfInvoke(
  options: SelfInvokeOptions,
): (notification: WithingsNotification, deferOptions?: DeferOptions) => Promise<void> {
  return async (notification, deferOptions = {}) => {
    const target = queueTarget(options.target, 'notification');
    const event = signAsyncNotification(notification, {
      key: options.key,
      functionName: functionNameOf(target),
      now: options.now(),
      ...(deferOptions.notBefore ? { notBefore: deferOptions.notBefore } : {}),
    });
    await invokeSelf(options.client, target, event);
  };
}
