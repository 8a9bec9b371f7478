import { Redactor } from '@wg-sync/core';

/**
 * Called with a failure no HTTP answer can carry: work handed to `waitUntil` that rejected after its
 * response was sent, or a handler that threw. It gets the error as thrown (stack included); redact
 * it before sending it anywhere (`new Redactor().error(error)` from `@wg-sync/core`).
 */
export type BackgroundErrorHandler = (error: unknown) => void;

const redactor = new Redactor();

/** The default {@link BackgroundErrorHandler}: one JSON line on stderr, message redacted, no stack. */
export const logBackgroundError: BackgroundErrorHandler = (error) => {
  console.error(
    JSON.stringify({
      level: 'error',
      time: new Date().toISOString(),
      event: 'adapter.background.failed',
      error: redactor.error(error),
    }),
  );
};

/** Work that goes on after its response was sent, kept so that a server can wait for it on shutdown. */
export class BackgroundTasks {
  readonly #running = new Set<Promise<void>>();
  readonly #onError: BackgroundErrorHandler;

  constructor(onError: BackgroundErrorHandler = logBackgroundError) {
    this.#onError = onError;
  }

  /** Keeps `promise` running past the response; pass it as the handler's `waitUntil`. */
  readonly waitUntil = (promise: Promise<unknown>): void => {
    const tracked = promise.then(
      () => undefined,
      (error: unknown) => this.report(error),
    );
    this.#running.add(tracked);
    void tracked.finally(() => this.#running.delete(tracked));
  };

  /** Hands an error to the error handler; a handler that throws must not become an unhandled rejection. */
  report(error: unknown): void {
    try {
      this.#onError(error);
    } catch {
      logBackgroundError(error);
    }
  }

  /** How many tasks are still running. */
  get size(): number {
    return this.#running.size;
  }

  /** Resolves once no task is running, including tasks started while it waits. Never rejects. */
  async drain(): Promise<void> {
    while (this.#running.size > 0) await Promise.all(this.#running);
  }
}
