import {
  type DeadLetter,
  type InProcessQueue,
  inProcessQueue,
  type WorkMessage,
  type WorkOutcome,
} from '@wg-sync/core';
import { collectLogs } from '@wg-sync/test-support';
import type { Scenario } from './scenarios.js';
import type { World } from './world.js';

/** A webhook message for `userId`, as the webhook route would send it to the queue. */
export function webhookMessage(userId: string): WorkMessage {
  const now = Math.floor(Date.now() / 1000);
  return { v: 1, kind: 'webhook', userId, notification: { userId, appli: 1, start: now - 900, end: now } };
}

/**
 * A process that dies in the middle of a sync, after the Garmin upload and before the ledger write:
 * nothing after that point happens, its lease included (a dead process releases nothing).
 */
function dieMidSync(world: World, userId: string): () => void {
  const { put, delete: remove } = world.store;
  world.store.put = async (key, value, options) => {
    if (key.startsWith('ledger/')) throw new Error('process killed');
    return put.call(world.store, key, value, options);
  };
  world.store.delete = async (key, options) => {
    if (key === `lock/${userId}`) throw new Error('process killed');
    return remove.call(world.store, key, options);
  };
  return () => {
    world.store.put = put;
    world.store.delete = remove;
  };
}

/**
 * Three people of a world made with `people: 3`: two with a weigh-in to sync, and one whose account
 * record is corrupt (a poison account; `damage` tells whether it was left as it was).
 */
export async function poisonPeople(world: World) {
  const [ana, ben, cleo] = [world.person(0), world.person(1), world.person(2)];
  world.weighIn(ana, { minutesAgo: 8, weightKg: 58.8 });
  world.weighIn(ben, { minutesAgo: 7, weightKg: 91.2 });
  const damage = await world.made.corrupt(`account/${cleo.userId}`);
  return { ana, ben, cleo, damage };
}

/** The in-process queue, and the work queues of issue 19 §1. */
export const queueScenarios: Scenario[] = [
  {
    id: 45,
    name: 'work queue: one webhook message delivered 3 times, the first in a process that dies mid-sync (lease left behind)',
    // A lease outlives its dead holder by 1 s here (120 s by default), so the redelivery waits it out.
    options: { config: { leaseSeconds: 1 } },
    async run(world) {
      const ana = world.person();
      world.weighIn(ana, { minutesAgo: 12, weightKg: 74.4 });
      world.weighIn(ana, { minutesAgo: 6, weightKg: 74.1 });
      const message = webhookMessage(ana.userId);

      // Delivery 1, in a process that dies after the Garmin upload.
      const doomed = world.engine();
      const revive = dieMidSync(world, ana.userId);
      const crashed = await world.run(doomed.work.run(message));
      revive();
      world.expectSurfaced(
        'the crash is a retryable failure, not a success',
        crashed?.ok === false && crashed.retryable,
      );
      world.expectSurfaced(
        'the dead process left its lease',
        (await world.store.get(`lock/${ana.userId}`)) !== undefined,
      );

      // Deliveries 2 and 3 (the queue redelivers it, and once more as a duplicate) in another process.
      const outcomes: WorkOutcome[] = [];
      const { logger } = collectLogs(world.logs);
      const queue = inProcessQueue({
        concurrency: 1,
        maxAttempts: 5,
        backoffMs: () => 1200,
        log: logger,
        run: async (m) => {
          const outcome = await world.sync.work.run(m);
          outcomes.push(outcome);
          return outcome;
        },
      });
      await queue.send([{ message }, { message }]);
      await queue.drain();
      world.expectSurfaced(
        'a delivery that found the dead lease was retried (STORE_CONFLICT), not dropped',
        outcomes.some((o) => !o.ok && o.code === 'STORE_CONFLICT' && o.retryable),
      );
      const done = outcomes.filter((o): o is Extract<WorkOutcome, { ok: true }> => o.ok);
      world.expectSurfaced('both deliveries ended done', done.length === 2);
      const reports = done.flatMap((o) => o.reports);
      world.expectSurfaced(
        'the uploaded-but-unrecorded weigh-in was found in Garmin, not sent again',
        reports.some((r) => r.skipped.some((s) => s.reason === 'duplicate-garmin')),
      );
      world.expectSurfaced(
        'the last delivery had nothing left to write',
        (reports.at(-1)?.synced.length ?? -1) === 0,
      );
    },
  },
  {
    id: 46,
    name: 'work queue: poison messages (unknown user, corrupt account) are dead-lettered with their typed reason after the retries; the others sync',
    options: { people: 3 },
    async run(world) {
      const { ana, ben, cleo, damage } = await poisonPeople(world);
      const letters: DeadLetter[] = [];
      const attempts = new Map<string, number>();
      const { logger } = collectLogs(world.logs);
      const queue = inProcessQueue({
        maxAttempts: 3,
        backoffMs: () => 20,
        log: logger,
        onDeadLetter: (letter) => void letters.push(letter),
        run: async (m) => {
          attempts.set(m.userId, (attempts.get(m.userId) ?? 0) + 1);
          return world.sync.work.run(m);
        },
      });
      await queue.send(
        [
          { v: 1, kind: 'reconcile', userId: '99999999' },
          { v: 1, kind: 'reconcile', userId: cleo.userId },
          webhookMessage(ana.userId),
          { v: 1, kind: 'reconcile', userId: ben.userId },
          { v: 1, kind: 'manual', userId: '99999998', days: 3 },
        ].map((message) => ({ message: message as WorkMessage })),
      );
      await queue.drain();
      const reasons = letters.map((l) => `${l.message.userId}:${l.outcome.code}:${l.attempts}`).sort();
      world.expectSurfaced(
        'dead letters carry their typed reason after 3 attempts',
        JSON.stringify(reasons) ===
          JSON.stringify(
            [`99999999:UNKNOWN_USER:3`, `99999998:UNKNOWN_USER:3`, `${cleo.userId}:ACCOUNT_CORRUPT:3`].sort(),
          ),
      );
      world.expectSurfaced(
        'each dead letter logged at error with its code',
        world.logs.filter((l) => l.includes('"event":"work.dead-letter"') && l.includes('"level":"error"'))
          .length === 3,
      );
      world.expectSurfaced(
        'the others ran once each',
        attempts.get(ana.userId) === 1 && attempts.get(ben.userId) === 1,
      );
      const invalid = await world.sync.work.run({ v: 1, kind: 'backfill' } as unknown as WorkMessage);
      world.expectSurfaced(
        'what is not a message at all is INVALID_WORK_MESSAGE, not retryable',
        !invalid.ok && invalid.code === 'INVALID_WORK_MESSAGE' && !invalid.retryable,
      );
      world.expectSurfaced('the corrupt account entry was left as it was', await damage.untouched());
    },
  },
  {
    id: 50,
    name: 'local webhooks through the in-process queue: Garmin 500 on the first upload of two people; the queue tries again, no reconcile',
    options: { people: 2 },
    async run(world) {
      const [ana, ben] = [world.person(0), world.person(1)];
      await world.serve();
      // The first upload of each person's webhook sync meets a 500 (the client does not retry an
      // upload that may have landed: the next sync checks Garmin first).
      world.garmin.faults.add('server-error', 2, /upload-service/);
      world.weighIn(ana, { minutesAgo: 4, weightKg: 61.2 });
      world.weighIn(ben, { minutesAgo: 3, weightKg: 88.4 });
      await world.settle();
      const failed = world.logs.filter(
        (l) =>
          l.includes('"event":"work.failed"') &&
          l.includes('"level":"warn"') &&
          l.includes('"kind":"webhook"'),
      );
      world.expectSurfaced('each first attempt failed loudly (work.failed at warn)', failed.length >= 2);
      // Nothing but the queue's own second attempt, after its backoff: no reconcile, no other webhook.
      await (world.sync.work.queue as InProcessQueue).drain();
      world.expectSurfaced('no reconcile ran', !world.logs.some((l) => l.includes('"event":"reconcile.')));
      world.expectSurfaced(
        'nothing dead-lettered',
        !world.logs.some((l) => l.includes('"event":"work.dead-letter"')),
      );
    },
  },
];
