import { jsonLogger, type Logger } from '../observability/logger.js';
import type { WorkOutcome, WorkQueue } from './work.js';
import { parseWorkMessage, type WorkMessage, workMessageToJson } from './work-message.js';

/** A message the queue gave up on: its last failed outcome and how many times it was tried. */
export interface DeadLetter {
  message: WorkMessage;
  /** The last attempt's outcome; its `code` is the dead letter's typed reason. */
  outcome: Extract<WorkOutcome, { ok: false }>;
  attempts: number;
}

/** Options of {@link inProcessQueue}. */
export interface InProcessQueueOptions {
  /** Runs one message (`sync.work.run`); a rejection counts as a retryable `INTERNAL` failure. */
  run: (message: WorkMessage) => Promise<WorkOutcome>;
  /**
   * Messages run at once (default 4). Above 1, `reconcile` messages take at most `concurrency − 1`
   * of them, so a webhook or manual sync never waits for a reconcile pass to end (passes wait for
   * the Withings budget's background share when it is tight, and would otherwise hold every slot).
   */
  concurrency?: number;
  /** Attempts per message before it is dead-lettered (default 3). */
  maxAttempts?: number;
  /**
   * The wait before attempt `n + 1` after `n` failed (default 1 s, doubling, at most 60 s), or the
   * outcome's `retryAfterMs` (at most 15 min) when that is longer.
   */
  backoffMs?: (attempt: number) => number;
  /** Called for every dead letter (after its `error` log line); a hook that throws is logged. */
  onDeadLetter?: (letter: DeadLetter) => void | Promise<void>;
  /** Where the dead-letter and hook lines go (default `jsonLogger()`). */
  log?: Logger;
  /** The timers delays and backoffs use (default the global ones; a simulated clock's in a bench). */
  timers?: {
    setTimeout(callback: () => void, ms: number): unknown;
    clearTimeout(handle: unknown): void;
  };
}

/** The queue {@link inProcessQueue} makes: a {@link WorkQueue} that can also be drained or closed. */
export interface InProcessQueue extends WorkQueue {
  /**
   * Runs now what waits for its `delaySeconds`, and resolves once nothing is queued, running or
   * waiting for its next attempt (messages sent meanwhile included; a backoff is waited out, not
   * skipped). For tests and a graceful end of a script.
   */
  drain(): Promise<void>;
  /**
   * Stops accepting messages, drops those not started (logged with their count: a `reconcile` comes
   * back next interval, a webhook's notification waits in the store for the next sync) and resolves
   * once those running have ended. For a server's shutdown.
   */
  close(): Promise<void>;
  /**
   * Sends one message (like `send`) and resolves with the outcome of its first attempt, once it has
   * had its turn among the others (its `delaySeconds` and a slot waited for). A first attempt that
   * failed and is `retryable` is then tried again like any message: in the background, after a
   * backoff, up to `maxAttempts`. What the webhook route and a manual sync of several accounts wait
   * for when the engine's queue is in-process.
   * @throws Error when the queue is closed; RangeError and `WorkMessageError` as `send` does.
   */
  sendAndWait(message: WorkMessage, options?: { delaySeconds?: number }): Promise<WorkOutcome>;
  /** Messages waiting (delayed, ready or between attempts) and running. */
  readonly size: { waiting: number; running: number };
}

interface Entry {
  text: string;
  message: WorkMessage;
  attempts: number;
  timer?: unknown;
  /** `sendAndWait`'s caller, told the first attempt's outcome. */
  onFirstOutcome?: (outcome: WorkOutcome) => void;
}

/** What `sendAndWait` resolves with for a message `close` dropped before its first attempt. */
function droppedOutcome(entry: Entry): WorkOutcome {
  const { kind, userId } = entry.message;
  const message = 'the in-process queue closed before the message ran';
  return { ok: false, kind, userId, code: 'INTERNAL', message, retryable: true };
}

/** The longest an outcome's `retryAfterMs` delays a retry: SQS's 15 minutes. */
const MAX_RETRY_AFTER_MS = 900_000;

/** Backoff of attempt `n`: 1 s, 2 s, 4 s … at most 60 s. */
const defaultBackoff = (attempt: number) => Math.min(60_000, 1000 * 2 ** (attempt - 1));

/**
 * A {@link WorkQueue} in this process, for `wg-sync serve`, the Express adapter and code: at most
 * `concurrency` messages at once, `webhook` and `manual` ones (a person waits) before `reconcile`
 * ones, with one slot kept from reconciles; a failed message is tried again after a backoff up to
 * `maxAttempts` times (at once when its outcome is not `retryable`), then dead-lettered: an `error`
 * log line `work.dead-letter` with its typed `code`, and `onDeadLetter`. A failing message never holds
 * the others back. Messages are kept as the JSON a real queue would carry, so they behave the same
 * here as on SQS; nothing is durable: what a process held when it died is recovered by the next
 * reconcile (notifications wait in the store).
 *
 * @example
 * ```ts
 * const queue = inProcessQueue({
 *   run: (message) => sync.work.run(message),
 *   concurrency: 4,
 *   onDeadLetter: ({ message, outcome }) => console.error('gave up', message.userId, outcome.code),
 * });
 * await queue.send([{ message: { v: 1, kind: 'manual', userId: '12345', days: 30 } }]);
 * await queue.drain();
 * ```
 */
export function inProcessQueue(options: InProcessQueueOptions): InProcessQueue {
  const concurrency = options.concurrency ?? 4;
  const maxAttempts = options.maxAttempts ?? 3;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new RangeError('concurrency must be a positive integer');
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1)
    throw new RangeError('maxAttempts must be a positive integer');
  const reconcileSlots = Math.max(1, concurrency - 1);
  const backoff = options.backoffMs ?? defaultBackoff;
  const log = options.log ?? jsonLogger();
  const timers = options.timers ?? {
    setTimeout: (callback: () => void, ms: number) => setTimeout(callback, ms),
    clearTimeout: (handle: unknown) => clearTimeout(handle as NodeJS.Timeout),
  };
  const urgent: Entry[] = [];
  const later: Entry[] = [];
  const delayed = new Set<Entry>();
  let running = 0;
  let runningReconciles = 0;
  let closed = false;
  let draining = 0;
  let idle: Array<() => void> = [];

  const ready = (entry: Entry) => {
    delayed.delete(entry);
    (entry.message.kind === 'reconcile' ? later : urgent).push(entry);
    pump();
  };
  const wait = (entry: Entry, ms: number) => {
    // While draining, nothing waits for its delay; a backoff is kept (a lease's TTL, a rate limit).
    if (ms <= 0 || (draining > 0 && entry.attempts === 0)) return ready(entry);
    delayed.add(entry);
    entry.timer = timers.setTimeout(() => ready(entry), ms);
  };
  const settleIdle = () => {
    if (running > 0 || urgent.length + later.length + delayed.size > 0) return;
    const waiting = idle;
    idle = [];
    for (const resolve of waiting) resolve();
  };
  const pump = () => {
    while (!closed && running < concurrency) {
      const entry = urgent.shift() ?? (runningReconciles < reconcileSlots ? later.shift() : undefined);
      if (!entry) break;
      const isReconcile = entry.message.kind === 'reconcile';
      running += 1;
      if (isReconcile) runningReconciles += 1;
      void attempt(entry).finally(() => {
        running -= 1;
        if (isReconcile) runningReconciles -= 1;
        pump();
        settleIdle();
      });
    }
    settleIdle();
  };
  const attempt = async (entry: Entry) => {
    entry.attempts += 1;
    let outcome: WorkOutcome;
    try {
      // Read back from its text, as a real queue would deliver it.
      outcome = await options.run(parseWorkMessage(entry.text));
    } catch (error) {
      const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
      outcome = {
        ok: false,
        kind: entry.message.kind,
        userId: entry.message.userId,
        code: 'INTERNAL',
        message,
        retryable: true,
      };
    }
    entry.onFirstOutcome?.(outcome);
    entry.onFirstOutcome = undefined;
    if (outcome.ok) return;
    if (outcome.retryable && entry.attempts < maxAttempts && !closed)
      // Not before the failure says it is worth it (a Withings backoff), nor later than SQS would.
      return wait(
        entry,
        Math.max(backoff(entry.attempts), Math.min(MAX_RETRY_AFTER_MS, outcome.retryAfterMs ?? 0)),
      );
    await deadLetter({ message: entry.message, outcome, attempts: entry.attempts });
  };
  const deadLetter = async (letter: DeadLetter) => {
    const { message, outcome, attempts } = letter;
    log.error('work.dead-letter', {
      kind: message.kind,
      userId: message.userId,
      code: outcome.code,
      attempts,
      message: outcome.message,
    });
    try {
      await options.onDeadLetter?.(letter);
    } catch (error) {
      log.error('work.dead-letter.hook-failed', { error });
    }
  };

  const accepted = (items: ReadonlyArray<{ message: WorkMessage; delaySeconds?: number }>) => {
    if (closed) throw new Error('the in-process queue is closed');
    // All or nothing: every message and delay is checked before any is accepted.
    return items.map(({ message, delaySeconds = 0 }) => {
      if (!Number.isInteger(delaySeconds) || delaySeconds < 0 || delaySeconds > 900)
        throw new RangeError('delaySeconds must be a whole number from 0 to 900');
      const text = workMessageToJson(message);
      return { entry: { text, message: parseWorkMessage(text), attempts: 0 } as Entry, delaySeconds };
    });
  };

  return {
    async send(items) {
      for (const { entry, delaySeconds } of accepted(items)) wait(entry, delaySeconds * 1000);
    },
    async sendAndWait(message, { delaySeconds } = {}) {
      const [{ entry, delaySeconds: delay }] = accepted([{ message, delaySeconds }]) as [
        { entry: Entry; delaySeconds: number },
      ];
      const outcome = new Promise<WorkOutcome>((resolve) => {
        entry.onFirstOutcome = resolve;
      });
      wait(entry, delay * 1000);
      return outcome;
    },
    async drain() {
      draining += 1;
      try {
        for (const entry of [...delayed]) {
          if (entry.attempts > 0) continue;
          timers.clearTimeout(entry.timer);
          ready(entry);
        }
        const done = new Promise<void>((resolve) => idle.push(resolve));
        settleIdle();
        await done;
      } finally {
        draining -= 1;
      }
    },
    async close() {
      closed = true;
      const dropped = urgent.length + later.length + delayed.size;
      for (const entry of [...urgent, ...later, ...delayed]) entry.onFirstOutcome?.(droppedOutcome(entry));
      for (const entry of delayed) timers.clearTimeout(entry.timer);
      delayed.clear();
      urgent.length = 0;
      later.length = 0;
      if (dropped > 0)
        log.warn('work.queue.closed', {
          dropped,
          message: 'messages not started were dropped; the next reconcile covers them',
        });
      if (running > 0) await new Promise<void>((resolve) => idle.push(resolve));
    },
    get size() {
      return { waiting: urgent.length + later.length + delayed.size, running };
    },
  };
}
