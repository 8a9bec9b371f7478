import { describe, expect, it } from 'vitest';
import {
  type DeadLetter,
  inProcessQueue,
  type Logger,
  type WorkMessage,
  type WorkOutcome,
} from '../src/index.js';

const reconcile = (userId: string): WorkMessage => ({ v: 1, kind: 'reconcile', userId });
const manual = (userId: string): WorkMessage => ({ v: 1, kind: 'manual', userId });
const done = (m: WorkMessage): WorkOutcome => ({ ok: true, kind: m.kind, userId: m.userId, reports: [] });
const fail = (m: WorkMessage, retryable = true): WorkOutcome => ({
  ok: false,
  kind: m.kind,
  userId: m.userId,
  code: 'UNKNOWN_USER',
  message: `no account for user ${m.userId}`,
  retryable,
});

/** A logger that keeps its lines. */
function recordingLog(): Logger & { lines: Array<{ level: string; event: string; [k: string]: unknown }> } {
  const lines: Array<{ level: string; event: string; [k: string]: unknown }> = [];
  const at = (level: string) => (event: string, fields?: Record<string, unknown>) =>
    void lines.push({ level, event, ...fields });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Timers that fire only when told to, recording the delays asked for. */
function manualTimers() {
  const pending = new Map<number, () => void>();
  const asked: number[] = [];
  let next = 0;
  return {
    asked,
    setTimeout(callback: () => void, ms: number) {
      asked.push(ms);
      next += 1;
      pending.set(next, callback);
      return next;
    },
    clearTimeout(handle: unknown) {
      pending.delete(handle as number);
    },
    fireAll() {
      const callbacks = [...pending.values()];
      pending.clear();
      for (const callback of callbacks) callback();
    },
  };
}

describe('inProcessQueue: bounded, urgent first, retries then a dead letter', () => {
  it('runs at most `concurrency` messages at once, webhook and manual ones before reconcile ones', async () => {
    const order: string[] = [];
    let running = 0;
    let peak = 0;
    const queue = inProcessQueue({
      concurrency: 3,
      log: recordingLog(),
      run: async (m) => {
        order.push(`${m.kind}:${m.userId}`);
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running -= 1;
        return done(m);
      },
    });
    await queue.send(
      [reconcile('1'), reconcile('2'), reconcile('3'), reconcile('4')].map((message) => ({ message })),
    );
    await queue.send([{ message: manual('9') }]);
    await queue.drain();
    expect(peak).toBe(3);
    // Two reconciles had started when the manual sync arrived (the third slot is kept from them); it
    // goes before the other two.
    expect(order).toEqual(['reconcile:1', 'reconcile:2', 'manual:9', 'reconcile:3', 'reconcile:4']);
    expect(queue.size).toEqual({ waiting: 0, running: 0 });
  });

  it('keeps one slot from reconcile passes, so the sync a person waits for starts at once while they all wait', async () => {
    const started: string[] = [];
    const release: Array<() => void> = [];
    const queue = inProcessQueue({
      concurrency: 4,
      log: recordingLog(),
      run: async (m) => {
        started.push(`${m.kind}:${m.userId}`);
        await new Promise<void>((resolve) => release.push(resolve));
        return done(m);
      },
    });
    await queue.send(Array.from({ length: 6 }, (_, i) => ({ message: reconcile(String(i)) })));
    expect(queue.size).toEqual({ waiting: 3, running: 3 });
    await queue.send([{ message: manual('w') }]);
    expect(started).toEqual(['reconcile:0', 'reconcile:1', 'reconcile:2', 'manual:w']);
    expect(queue.size).toEqual({ waiting: 3, running: 4 });
    // A reconcile ending frees a reconcile's slot; the kept one stays free for the next person.
    release.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
    expect(started.at(-1)).toBe('reconcile:3');
    expect(queue.size).toEqual({ waiting: 2, running: 4 });
    while (queue.size.running + queue.size.waiting > 0) {
      for (const resolve of release.splice(0)) resolve();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await queue.drain();
    expect(started).toHaveLength(7);
  });

  it('with concurrency 1 reconciles still run (the kept slot needs a second one)', async () => {
    const queue = inProcessQueue({ concurrency: 1, log: recordingLog(), run: async (m) => done(m) });
    await queue.send([{ message: reconcile('1') }, { message: reconcile('2') }]);
    await queue.drain();
    expect(queue.size).toEqual({ waiting: 0, running: 0 });
  });

  it('a poison message is retried maxAttempts times with backoff, then dead-lettered with its code; the others run', async () => {
    const timers = manualTimers();
    const log = recordingLog();
    const letters: DeadLetter[] = [];
    const attempts = new Map<string, number>();
    const queue = inProcessQueue({
      maxAttempts: 3,
      timers,
      log,
      onDeadLetter: (letter) => void letters.push(letter),
      run: async (m) => {
        attempts.set(m.userId, (attempts.get(m.userId) ?? 0) + 1);
        return m.userId === 'poison' ? fail(m) : done(m);
      },
    });
    await queue.send([reconcile('a'), reconcile('poison'), reconcile('b')].map((message) => ({ message })));
    for (let i = 0; i < 5; i += 1) {
      await new Promise((resolve) => setImmediate(resolve));
      timers.fireAll();
    }
    await queue.drain();
    expect(Object.fromEntries(attempts)).toEqual({ a: 1, poison: 3, b: 1 });
    expect(timers.asked).toEqual([1000, 2000]); // the backoff between attempts
    expect(letters).toEqual([
      {
        message: reconcile('poison'),
        attempts: 3,
        outcome: expect.objectContaining({ code: 'UNKNOWN_USER' }),
      },
    ]);
    expect(log.lines.filter((l) => l.event === 'work.dead-letter')).toEqual([
      expect.objectContaining({
        level: 'error',
        code: 'UNKNOWN_USER',
        attempts: 3,
        userId: 'poison',
        kind: 'reconcile',
      }),
    ]);
  });

  it('an outcome that is not retryable is dead-lettered at once; a run that throws is a retryable INTERNAL', async () => {
    const letters: DeadLetter[] = [];
    let thrown = 0;
    const queue = inProcessQueue({
      backoffMs: () => 0,
      log: recordingLog(),
      onDeadLetter: (letter) => {
        letters.push(letter);
        throw new Error('the hook is broken'); // logged, never stops the queue
      },
      run: async (m) => {
        if (m.userId === 'throws') {
          thrown += 1;
          throw new Error('boom\nstack');
        }
        return fail(m, false);
      },
    });
    await queue.send([{ message: manual('final') }, { message: manual('throws') }]);
    await queue.drain();
    expect(thrown).toBe(3);
    expect(letters.map((l) => [l.message.userId, l.attempts, l.outcome.code, l.outcome.message])).toEqual([
      ['final', 1, 'UNKNOWN_USER', 'no account for user final'],
      ['throws', 3, 'INTERNAL', 'boom'],
    ]);
  });

  it('delays a message by delaySeconds; drain runs what waits at once', async () => {
    const timers = manualTimers();
    const ran: string[] = [];
    const queue = inProcessQueue({
      timers,
      log: recordingLog(),
      run: async (m) => {
        ran.push(m.userId);
        return done(m);
      },
    });
    await queue.send([{ message: reconcile('later'), delaySeconds: 600 }, { message: reconcile('now') }]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(ran).toEqual(['now']);
    expect(timers.asked).toEqual([600_000]);
    expect(queue.size.waiting).toBe(1);
    await queue.drain();
    expect(ran).toEqual(['now', 'later']);
  });

  it('send checks every item first and accepts none of a batch with a bad one', async () => {
    const ran: string[] = [];
    const queue = inProcessQueue({
      log: recordingLog(),
      run: async (m) => {
        ran.push(m.userId);
        return done(m);
      },
    });
    await expect(
      queue.send([{ message: reconcile('ok') }, { message: reconcile('x'), delaySeconds: 901 }]),
    ).rejects.toThrow(RangeError);
    await expect(
      queue.send([{ message: reconcile('ok') }, { message: { v: 1, kind: 'reconcile', userId: '../x' } }]),
    ).rejects.toMatchObject({ code: 'INVALID_WORK_MESSAGE' });
    await queue.drain();
    expect(ran).toEqual([]);
  });

  it('close drops what has not started (logged), waits for what runs, then refuses messages', async () => {
    const log = recordingLog();
    let release: () => void = () => {};
    const ran: string[] = [];
    const queue = inProcessQueue({
      concurrency: 1,
      log,
      run: async (m) => {
        ran.push(m.userId);
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return done(m);
      },
    });
    await queue.send([reconcile('1'), reconcile('2'), reconcile('3')].map((message) => ({ message })));
    const closing = queue.close();
    release();
    await closing;
    expect(ran).toEqual(['1']);
    expect(log.lines.find((l) => l.event === 'work.queue.closed')).toMatchObject({
      level: 'warn',
      dropped: 2,
    });
    await expect(queue.send([{ message: reconcile('4') }])).rejects.toThrow('closed');
  });
  it('sendAndWait resolves with the first attempt after its turn; a retryable failure is then retried in the background', async () => {
    const timers = manualTimers();
    const attempts: string[] = [];
    let release: () => void = () => {};
    const queue = inProcessQueue({
      concurrency: 1,
      log: recordingLog(),
      timers,
      run: async (m) => {
        attempts.push(`${m.kind}:${m.userId}`);
        if (m.userId === 'slow') await new Promise<void>((resolve) => (release = resolve));
        return m.userId === 'flaky' && attempts.filter((a) => a.endsWith('flaky')).length === 1
          ? fail(m)
          : done(m);
      },
    });
    await queue.send([{ message: reconcile('slow') }]);
    let answered: WorkOutcome | undefined;
    const waiting = queue.sendAndWait(manual('flaky')).then((outcome) => (answered = outcome));
    await new Promise((resolve) => setImmediate(resolve));
    expect(answered).toBeUndefined(); // the one slot is the reconcile's
    release();
    await waiting;
    expect(answered).toEqual(fail(manual('flaky')));
    expect(queue.size).toEqual({ waiting: 1, running: 0 }); // its retry, after the backoff
    expect(timers.asked).toEqual([1000]);
    timers.fireAll();
    await queue.drain();
    expect(attempts).toEqual(['reconcile:slow', 'manual:flaky', 'manual:flaky']);
  });

  it('close answers a sendAndWait it dropped with a retryable INTERNAL failure, and sendAndWait then throws', async () => {
    let release: () => void = () => {};
    const queue = inProcessQueue({
      concurrency: 1,
      log: recordingLog(),
      run: async (m) => {
        await new Promise<void>((resolve) => (release = resolve));
        return done(m);
      },
    });
    const running = queue.sendAndWait(reconcile('1'));
    const dropped = queue.sendAndWait(manual('2'), { delaySeconds: 5 });
    await new Promise((resolve) => setImmediate(resolve));
    const closing = queue.close();
    expect(await dropped).toMatchObject({
      ok: false,
      kind: 'manual',
      userId: '2',
      code: 'INTERNAL',
      retryable: true,
    });
    release();
    await closing;
    expect(await running).toEqual(done(reconcile('1')));
    await expect(queue.sendAndWait(manual('3'))).rejects.toThrow('closed');
  });
  it("waits a failure's retryAfterMs when it is longer than the backoff (at most 15 minutes, SQS's longest delay)", async () => {
    const timers = manualTimers();
    let attempt = 0;
    const queue = inProcessQueue({
      log: recordingLog(),
      timers,
      maxAttempts: 3,
      run: async (m) => {
        attempt += 1;
        if (attempt === 1) return { ...fail(m), retryAfterMs: 30_000 };
        if (attempt === 2) return { ...fail(m), retryAfterMs: 5_000_000 };
        return done(m);
      },
    });
    await queue.send([{ message: manual('1') }]);
    for (let i = 0; i < 3; i += 1) {
      await new Promise((resolve) => setImmediate(resolve));
      timers.fireAll();
    }
    await queue.drain();
    expect(attempt).toBe(3);
    expect(timers.asked).toEqual([30_000, 900_000]);
  });
});
