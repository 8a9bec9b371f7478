import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../src/store/group-commit.js';

/** A flush that records when it starts and finishes only when told to. */
function controlledFlush() {
  const started: number[] = [];
  const finishers: Array<() => void> = [];
  let clock = 0;
  const flush = () =>
    new Promise<void>((resolve) => {
      started.push(clock);
      finishers.push(resolve);
    });
  return {
    flush,
    started,
    tick: () => ++clock,
    finish: async () => {
      finishers.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

describe('GroupCommit (the file store shares directory fsyncs)', () => {
  it('gives everyone who asks during a flush one shared flush that starts after it', async () => {
    const control = controlledFlush();
    const group = new GroupCommit(control.flush);
    const done: string[] = [];
    const first = group.sync().then(() => done.push('first'));
    control.tick(); // renames happen while the first flush runs…
    const second = group.sync().then(() => done.push('second'));
    const third = group.sync().then(() => done.push('third'));
    expect(control.started).toEqual([0]); // …and do not start flushes of their own yet

    await control.finish();
    expect(done).toEqual(['first']);
    // The shared flush started after the first one ended, so after both later callers asked.
    expect(control.started).toEqual([0, 1]);
    await control.finish();
    await Promise.all([first, second, third]);
    expect(done).toEqual(['first', 'second', 'third']);
    expect(control.started).toHaveLength(2);
  });

  it('never lets a caller share a flush that started before it asked', async () => {
    const control = controlledFlush();
    const group = new GroupCommit(control.flush);
    const first = group.sync();
    const waiting = group.sync();
    await control.finish(); // the second flush starts now
    control.tick();
    const late = group.sync(); // asked after the second flush started: needs a third
    expect(control.started).toEqual([0, 0]);
    await control.finish();
    await Promise.all([first, waiting]);
    expect(control.started).toEqual([0, 0, 1]);
    await control.finish();
    await late;
    // And when nothing runs, a caller starts a flush at once.
    control.tick();
    const alone = group.sync();
    expect(control.started).toEqual([0, 0, 1, 2]);
    await control.finish();
    await alone;
  });
});
