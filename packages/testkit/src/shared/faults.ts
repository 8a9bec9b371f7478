/**
 * A queue of one-shot faults: `add(fault, times)` makes the next `times` matching requests answer
 * with `fault` instead of the normal response. Each simulator defines its own fault kinds.
 */
export class FaultQueue<Fault> {
  readonly #queue: Array<{ fault: Fault; remaining: number; match?: (path: string) => boolean }> = [];

  /** Queues `fault` for the next `times` requests (optionally only those whose path matches). */
  add(fault: Fault, times = 1, match?: string | RegExp): void {
    const test =
      match === undefined
        ? undefined
        : typeof match === 'string'
          ? (p: string) => p === match
          : (p: string) => match.test(p);
    this.#queue.push({ fault, remaining: times, ...(test ? { match: test } : {}) });
  }

  /** Takes the fault for a request to `path`, if one is queued. */
  take(path: string): Fault | undefined {
    const slot = this.#queue.find((entry) => !entry.match || entry.match(path));
    if (!slot) return undefined;
    slot.remaining -= 1;
    if (slot.remaining <= 0) this.#queue.splice(this.#queue.indexOf(slot), 1);
    return slot.fault;
  }

  /** Drops every queued fault. */
  clear(): void {
    this.#queue.length = 0;
  }

  get size(): number {
    return this.#queue.length;
  }
}
