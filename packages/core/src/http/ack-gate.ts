/**
 * Webhooks first: the syncs that answered webhooks call for wait until no webhook is being answered
 * (or `maxWaitMs` at most). A burst of notifications (Withings sends them together after a scale
 * comes online, or for a household) is then answered before its syncs take the event loop: every
 * answer is due within 2 s, a sync is not, and a sync started mid-burst put its store reads, lease
 * and client set-up ahead of the answers still waiting. A lone webhook's sync starts once its own
 * answer is out.
 */
export class AckGate {
  #answering = 0;
  #waiting: Array<() => void> = [];

  /** @param maxWaitMs - The longest a sync waits behind a flood that never pauses. */
  constructor(private readonly maxWaitMs = 250) {}

  /** Counts a webhook being answered, until `leave`. */
  enter(): void {
    this.#answering += 1;
  }

  leave(): void {
    this.#answering -= 1;
    if (this.#answering === 0 && this.#waiting.length > 0) {
      const waiting = this.#waiting;
      this.#waiting = [];
      // After this turn: the adapter writes the answer that just left before a sync starts.
      setImmediate(() => {
        for (const resume of waiting) resume();
      });
    }
  }

  /** Resolves once no webhook is being answered (after this turn of the event loop), or after `maxWaitMs`. */
  idle(): Promise<void> {
    return new Promise((resolve) => {
      if (this.#answering === 0) {
        setImmediate(resolve);
        return;
      }
      let done = false;
      const resume = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(resume, this.maxWaitMs);
      timer.unref?.();
      this.#waiting.push(resume);
    });
  }
}
