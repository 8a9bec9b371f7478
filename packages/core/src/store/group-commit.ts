/**
 * Shares one flush among everyone who asked for it while another was running. The file store uses it
 * for directory fsyncs: one makes every rename done before it started durable, so writers that renamed
 * while one was running share the next instead of queueing one each (twenty users' webhooks at once
 * used to wait behind twenty of them).
 */
export class GroupCommit {
  #running: Promise<void> | undefined;
  #next: Promise<void> | undefined;

  /** @param flush - Makes durable what was done before it was called; must not reject. */
  constructor(private readonly flush: () => Promise<void>) {}

  /** Resolves after a flush that started after this call. */
  sync(): Promise<void> {
    if (this.#next) return this.#next;
    if (!this.#running) return this.#start();
    const next = this.#running.then(() => {
      this.#next = undefined;
      return this.#start();
    });
    this.#next = next;
    return next;
  }

  #start(): Promise<void> {
    const run = this.flush().finally(() => {
      if (this.#running === run) this.#running = undefined;
    });
    this.#running = run;
    return run;
  }
}
