/**
 * The simulators' notion of "now". Real time by default; tests freeze it or move it forward to make
 * codes, tokens and tickets expire without waiting.
 */
export interface SimClock {
  /** The current simulated instant. */
  now(): Date;
  /** Moves the clock forward (and freezes it at the new instant). */
  advance(ms: number): void;
  /** Freezes the clock at `at`. */
  set(at: Date): void;
  /** Back to real time (plus any offset accumulated so far is dropped). */
  useRealTime(): void;
}

/** Creates a clock; frozen at `start` when given, else following real time. */
export function createClock(start?: Date): SimClock {
  let frozen: number | undefined = start?.getTime();
  return {
    now: () => new Date(frozen ?? Date.now()),
    advance(ms) {
      frozen = (frozen ?? Date.now()) + ms;
    },
    set(at) {
      frozen = at.getTime();
    },
    useRealTime() {
      frozen = undefined;
    },
  };
}
