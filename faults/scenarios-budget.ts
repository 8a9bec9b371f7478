import type { Scenario } from './scenarios.js';
import type { World } from './world.js';

/** The engines' clock in scenario 44, moved past the backoff instead of waiting it out. */
const clock44 = { skewMs: 0 };

const storedBackoff = async (world: World) =>
  (await world.store.get<{ backoffUntil?: string }>('budget/withings'))?.value.backoffUntil;

/** The Withings application budget (issue 19 §2). */
export const budgetScenarios: Scenario[] = [
  {
    id: 44,
    name: 'a Withings 601 in a burst (3 people, 2 processes): the deployment backs off wait_seconds, all synced once',
    options: { people: 3, config: { now: () => new Date(Date.now() + clock44.skewMs) } },
    async run(world) {
      clock44.skewMs = 0;
      const other = world.engine(); // a second process (another Lambda container) over the same store
      await world.serve();
      const [ana, ben, cleo] = [world.person(0), world.person(1), world.person(2)];
      world.withings.faults.add({ status: 601, waitSeconds: 30 }, 1, '/measure');
      // The burst: three weigh-ins notified at once, and a manual sync in the other process.
      world.weighIn(ana, { minutesAgo: 4, weightKg: 61.2 });
      world.weighIn(ben, { minutesAgo: 3, weightKg: 84.9 });
      world.weighIn(cleo, { minutesAgo: 2, weightKg: 72.3 });
      await Promise.all([world.settle(), world.run(other.syncRecent({ userId: ben.userId }))]);
      world.expectSurfaced(
        'the 601 logged at warn (withings.budget.backoff)',
        world.logs.some((line) => line.includes('"event":"withings.budget.backoff"')),
      );
      world.expectSurfaced(
        'the backoff stored for every process',
        (await storedBackoff(world)) !== undefined,
      );
      world.expectSurfaced(
        'a sync held back reports RATE_LIMITED',
        world.reports.some((r) => r.failed.some((f) => f.code === 'RATE_LIMITED')),
      );

      // Inside wait_seconds neither process sends Withings anything.
      const calls = world.withings.requests.length;
      const held = await world.run(other.syncRecent({ userId: cleo.userId }));
      await world.run(world.sync.reconcile());
      world.expectSurfaced(
        'held back with RATE_LIMITED in the other process',
        !!held?.failed.some((f) => f.code === 'RATE_LIMITED'),
      );
      world.expectSurfaced('no Withings call while backing off', world.withings.requests.length === calls);

      // wait_seconds later: the scheduled reconcile catches everyone up, nothing twice.
      clock44.skewMs += 31_000;
      const report = await world.run(world.sync.reconcile());
      world.expectSurfaced('the reconcile after the wait is clean', report?.ok === true);
    },
  },
];
