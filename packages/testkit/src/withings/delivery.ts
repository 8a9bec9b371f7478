import type { SimClock } from '../shared/clock.js';
import type { SimDelivery, SimSubscription, WithingsDeliveryOptions } from './types.js';

const DEFAULTS = {
  timeoutMs: 2000,
  retryDelaysMs: [0, 0, 10, 10, 50, 50, 100, 100, 200, 200],
  dropAfterFailures: 4,
  headTimeoutMs: 2000,
};

/**
 * Sends notifications the way Withings does: a form POST that must be answered 2xx within 2 s,
 * retried on a schedule, and a subscription dropped after N consecutive failed notifications.
 */
export class Deliverer {
  readonly deliveries: SimDelivery[] = [];
  readonly #inFlight = new Set<Promise<void>>();
  readonly #options: typeof DEFAULTS;

  constructor(
    private readonly clock: SimClock,
    options: WithingsDeliveryOptions | undefined,
    private readonly drop: (subscription: SimSubscription) => void,
  ) {
    this.#options = { ...DEFAULTS, ...options };
  }

  /** Withings' HEAD check before subscribing: a 2xx in time, or the subscription is refused (293). */
  async headCheck(callbackUrl: string): Promise<boolean> {
    try {
      const response = await fetch(callbackUrl, {
        method: 'HEAD',
        redirect: 'manual',
        signal: AbortSignal.timeout(this.#options.headTimeoutMs),
      });
      return response.status >= 200 && response.status < 300;
    } catch {
      return false;
    }
  }

  notify(subscriptions: SimSubscription[], fields: Record<string, string>): void {
    for (const subscription of subscriptions) {
      const body = new URLSearchParams({
        userid: subscription.userId,
        appli: String(subscription.appli),
        ...fields,
      });
      const delivery: SimDelivery = {
        userId: subscription.userId,
        appli: subscription.appli,
        callbackUrl: subscription.callbackUrl,
        body: body.toString(),
        attempts: [],
        delivered: false,
      };
      this.deliveries.push(delivery);
      const run = this.#deliver(subscription, delivery).finally(() => this.#inFlight.delete(run));
      this.#inFlight.add(run);
    }
  }

  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  async #deliver(subscription: SimSubscription, delivery: SimDelivery): Promise<void> {
    for (const delay of this.#options.retryDelaysMs) {
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      const started = performance.now();
      const attempt: SimDelivery['attempts'][number] = { at: this.clock.now(), ms: 0 };
      delivery.attempts.push(attempt);
      try {
        const response = await fetch(subscription.callbackUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: delivery.body,
          redirect: 'manual',
          signal: AbortSignal.timeout(this.#options.timeoutMs),
        });
        await response.arrayBuffer().catch(() => undefined);
        attempt.status = response.status;
        attempt.ms = Math.round(performance.now() - started);
        if (response.status >= 200 && response.status < 300) {
          delivery.delivered = true;
          subscription.consecutiveFailures = 0;
          return;
        }
      } catch (error) {
        attempt.ms = Math.round(performance.now() - started);
        attempt.error = (error as Error).name === 'TimeoutError' ? 'timeout' : 'unreachable';
      }
    }
    subscription.consecutiveFailures += 1;
    if (subscription.consecutiveFailures >= this.#options.dropAfterFailures) this.drop(subscription);
  }
}
