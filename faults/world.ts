import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createSync,
  type InProcessQueue,
  type StateStore,
  type Sync,
  type SyncAlert,
  type SyncConfig,
  type SyncReport,
} from '@wg-sync/core';
import { type GarminLoginOptions, type GarminTokens, garminLogin } from '@wg-sync/garmin';
import { collectLogs, startSimulators, syncConfig, tempFileStore } from '@wg-sync/test-support';
import {
  type GarminSim,
  type GarminSimOptions,
  type IntervalsSim,
  type SimHttpServer,
  type SimWeighIn,
  startHttpServer,
  startIntervalsSim,
  type WithingsSim,
} from '@wg-sync/testkit';
import { WithingsClient } from '@wg-sync/withings';

/** The four numbers every scenario must keep at zero, plus the upstream calls it took. */
export interface ScenarioNumbers {
  lost: number;
  duplicated: number;
  leaked: number;
  unsurfaced: number;
  /** What was not surfaced (the `expectSurfaced` names), to say why a row is not zero. */
  unsurfacedWhat: string[];
  upstreamCalls: number;
  /**
   * The fifth number: upstream calls caused by forged requests (a stranger's), with the syncs they
   * bought and the most the debounce allows (two per targeted user per window).
   */
  forged: { upstreamCalls: number; syncs: number; maxSyncs: number; callsOutsideSyncs: number };
}

export interface Person {
  userId: string;
  email: string;
  password: string;
  /** The person's intervals.icu athlete, in a world with an intervals.icu simulator. */
  intervals?: { athleteId: string; apiKey: string };
}

/** A state entry a scenario broke on purpose, where the store keeps it. */
export interface Damage {
  /** How the store names the place in its errors (a file path, `dynamodb:<table>`). */
  where: string;
  /** Whether the entry still holds exactly the broken content (nothing reset or rewrote it). */
  untouched(): Promise<boolean>;
  /** What the person does once told: remove the broken entry. */
  remove(): Promise<void>;
}

/** A real store for one scenario, and a way to break one of its entries the way disks and people do. */
export interface MadeStore {
  store: StateStore;
  close(): Promise<void>;
  corrupt(key: string): Promise<Damage>;
}

/** How a store is made: a file store, or DynamoDB (dynalite) for the † scenarios. */
export type StoreFactory = () => Promise<MadeStore>;

const BROKEN = '{"version":4,"value":';

export const fileStoreFactory: StoreFactory = async () => {
  const { store, dir, close } = await tempFileStore('wg-sync-faults-');
  return {
    store,
    close,
    async corrupt(key) {
      // fileStore's layout: one file per key, `/` written as `+`.
      const path = join(dir, `${key.replaceAll('/', '+')}.json`);
      await writeFile(path, BROKEN, { mode: 0o600 }); // the store refuses files others can read
      return {
        where: path,
        untouched: async () => (await readFile(path, 'utf8')) === BROKEN,
        remove: () => rm(path),
      };
    },
  };
};

export const API_TOKEN = 'faults-api-token-0123456789';
export const WEBHOOK_SECRET = 'faults-hook-secret-0123456789';

/**
 * Everything one scenario runs against: both simulators on loopback, a real store, engines over it
 * (several = several processes), the handler served over HTTP and subscribed at Withings, and the
 * bookkeeping to compute the four numbers.
 */
export class World {
  readonly alerts: SyncAlert[] = [];
  readonly logs: string[] = [];
  /** Everything a person or a log could see: responses, reports, errors. */
  readonly seen: string[] = [];
  readonly expected: Array<{ email: string; takenAt: Date; weightKg: number; fatPercent?: number }> = [];
  /**
   * Values weigh-ins had before the person edited or deleted them in Withings ({@link World.edit},
   * {@link World.forget}): intervals.icu writes of them made before the change are not duplicates.
   */
  readonly replaced: World['expected'] = [];
  readonly surfaced: Array<{ what: string; ok: boolean }> = [];
  readonly background: Promise<unknown>[] = [];
  /** Every sync an engine ran (its \`onReport\`), in order. */
  readonly reports: SyncReport[] = [];
  readonly #forged = { upstreamCalls: 0, syncs: 0, maxSyncs: 0, callsOutsideSyncs: 0 };
  people: Person[] = [];
  /** The intervals.icu simulator, in a world made with `intervals` (every person is linked to it). */
  intervals?: IntervalsSim;
  sync!: Sync;
  server?: SimHttpServer;
  /** While true the served endpoint answers 503, as a crashed or unreachable deployment would. */
  down = false;
  #cleanup: Array<() => Promise<unknown>> = [];
  /** Every engine made, so `settle` can run the syncs each holds until its debounce window ends. */
  readonly #engines: Sync[] = [];
  #baseline = 0;
  #config!: SyncConfig;
  #intervalsTimezone = 'Europe/Berlin';

  private constructor(
    readonly withings: WithingsSim,
    readonly garmin: GarminSim,
    readonly made: MadeStore,
  ) {}

  get store(): StateStore {
    return this.made.store;
  }

  static async create(
    options: {
      people?: number;
      store?: StoreFactory;
      config?: Partial<SyncConfig>;
      pageSize?: number;
      /** How the Garmin simulator behaves (client ids, token answers, upload limits). */
      garmin?: Omit<GarminSimOptions, 'accounts'>;
      /**
       * Also an intervals.icu simulator: every person gets an athlete (in `timezone`, default
       * Europe/Berlin) and links it (`accounts.setIntervals`), so each weigh-in goes there too.
       */
      intervals?: { timezone?: string };
    } = {},
  ) {
    const { withings, garmin, close } = await startSimulators({
      withings: {
        ...(options.pageSize ? { pageSize: options.pageSize } : {}),
        delivery: { retryDelaysMs: [0, 20], dropAfterFailures: 2 },
      },
      garmin: { ...options.garmin, accounts: [] },
    });
    const made = await (options.store ?? fileStoreFactory)().catch(async (error: unknown) => {
      await close();
      throw error;
    });
    const world = new World(withings, garmin, made);
    world.#cleanup.push(close, () => made.close());
    if (options.intervals) {
      const intervals = await startIntervalsSim({ athletes: [] });
      world.intervals = intervals;
      world.#intervalsTimezone = options.intervals.timezone ?? 'Europe/Berlin';
      world.#cleanup.push(() => intervals.close());
    }
    const { logger } = collectLogs(world.logs);
    const base = syncConfig(
      { withings, garmin },
      {
        store: made.store,
        logger,
        retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 20 },
      },
    );
    world.#config = {
      ...base,
      withings: { ...base.withings, timeoutMs: 1000 },
      garmin: { ...base.garmin, timeoutMs: 10_000 },
      ...(world.intervals
        ? { intervals: { baseUrl: world.intervals.url, timeoutMs: 2000, retry: { retries: 2, delayMs: 1 } } }
        : {}),
      apiToken: API_TOKEN,
      webhookSecret: WEBHOOK_SECRET,
      hooks: {
        onAlert: (alert) => void world.alerts.push(alert),
        onReport: (report) => void world.reports.push(report),
      },
      ...options.config,
    };
    world.sync = world.engine();
    for (let i = 0; i < (options.people ?? 1); i += 1) await world.addPerson();
    world.#baseline = world.upstreamRequests();
    return world;
  }

  /** Runs `cleanup` when the world closes (after the scenario), as for the simulators and the store. */
  onClose(cleanup: () => Promise<unknown>): void {
    this.#cleanup.push(cleanup);
  }

  /** Another engine over the same store: another process or Lambda container. */
  engine(overrides: Partial<SyncConfig> = {}): Sync {
    const engine = createSync({ ...this.#config, ...overrides });
    this.#engines.push(engine);
    // What its in-process queue still holds (a retry after its backoff) ends with the scenario.
    this.#cleanup.push(async () => (engine.work.queue as Partial<InProcessQueue>).close?.());
    return engine;
  }

  /**
   * The person `index` (0 for the first) of those the scenario's options made. Throws when there is
   * none, so a scenario written for more people than it asked for fails instead of passing unchecked.
   */
  person(index = 0): Person {
    const person = this.people[index];
    if (!person) throw new Error(`this world has ${this.people.length} people, none at index ${index}`);
    return person;
  }

  async addPerson(): Promise<Person> {
    const n = this.people.length + 1;
    const person = {
      userId: this.withings.addUser(),
      email: `person${n}@example.com`,
      password: `pw-person-${n}-5e3c9a`,
    };
    this.garmin.addAccount({ email: person.email, password: person.password, timeZone: 'Europe/Berlin' });
    await this.link(person);
    if (this.intervals) {
      const athlete = this.intervals.addAthlete({ timezone: this.#intervalsTimezone });
      const linked: Person = { ...person, intervals: { athleteId: athlete.id, apiKey: athlete.apiKey } };
      await this.linkIntervals(linked);
      this.people.push(linked);
      return linked;
    }
    this.people.push(person);
    return person;
  }

  /** What `wg-sync intervals link` does: stores the person's intervals.icu key and athlete. */
  async linkIntervals(person: Person): Promise<void> {
    if (!person.intervals) throw new Error(`${person.email} has no intervals.icu athlete`);
    await this.sync.accounts.setIntervals(person.userId, person.intervals);
  }

  async link(person: Person): Promise<void> {
    await this.sync.accounts.link({
      withings: this.withings.issueTokens(person.userId),
      garmin: await this.garminTokens(person),
    });
  }

  garminTokens(person: Person, options: Partial<GarminLoginOptions> = {}): Promise<GarminTokens> {
    return garminLogin({
      ...options,
      email: person.email,
      password: person.password,
      urls: this.garmin.urls,
    });
  }

  /** Serves `sync.handler` on loopback (with waitUntil, like the Express adapter) and subscribes it at Withings. */
  async serve(sync: Sync = this.sync): Promise<string> {
    this.server = await startHttpServer(async (request) => {
      if (this.down) return new Response('service unavailable', { status: 503 });
      const response = await sync.handler(request, { waitUntil: (p) => void this.background.push(p) });
      this.seen.push(await response.clone().text());
      return response;
    });
    this.#cleanup.push(() => this.server?.close() ?? Promise.resolve());
    const url = `${this.server.url}/webhook/withings/${WEBHOOK_SECRET}`;
    for (const person of this.people) {
      const client = new WithingsClient({
        clientId: this.withings.clientId,
        clientSecret: this.withings.clientSecret,
        baseUrl: this.withings.url,
        tokens: this.withings.issueTokens(person.userId),
      });
      await client.notify.subscribe({ callbackUrl: url, appli: 1 });
    }
    this.#baseline = this.upstreamRequests();
    return url;
  }

  /** A weigh-in on the simulated scale; `expected` ones must end up in the person's Garmin exactly once. */
  weighIn(person: Person, spec: Omit<SimWeighIn, 'takenAt'> & { minutesAgo: number }, expected = true) {
    const takenAt = new Date(Math.floor((Date.now() - spec.minutesAgo * 60_000) / 1000) * 1000);
    const { minutesAgo: _minutes, ...rest } = spec;
    const result = this.withings.addWeighIn(person.userId, { ...rest, takenAt });
    if (expected)
      this.expected.push({
        email: person.email,
        takenAt,
        weightKg: spec.weightKg,
        ...(spec.fatPercent === undefined ? {} : { fatPercent: spec.fatPercent }),
      });
    return result;
  }

  /** The person deleted this expected weigh-in in Withings: it must end up in no destination. */
  forget(want: World['expected'][number]): void {
    const index = this.expected.indexOf(want);
    if (index < 0) throw new Error('not an expected weigh-in of this world');
    this.expected.splice(index, 1);
    this.replaced.push({ ...want });
  }

  /** The person edited this expected weigh-in in Withings: the destinations must end up with the new values. */
  edit(want: World['expected'][number], change: { weightKg: number; fatPercent?: number }): void {
    if (!this.expected.includes(want)) throw new Error('not an expected weigh-in of this world');
    this.replaced.push({ ...want });
    want.weightKg = change.weightKg;
    if (change.fatPercent !== undefined) want.fatPercent = change.fatPercent;
  }

  /**
   * Waits for webhook deliveries and the syncs they started, the debounced ones included (run now
   * instead of at their window's end, as a graceful shutdown does).
   */
  async settle(): Promise<void> {
    for (let round = 0; round < 5; round += 1) {
      await this.withings.settled();
      const pending = this.background.splice(0);
      const reports = await Promise.allSettled(pending);
      for (const r of reports)
        this.seen.push(JSON.stringify(r.status === 'fulfilled' ? r.value : String(r.reason)));
      await Promise.all(this.#engines.map((engine) => engine.flush()));
      if (pending.length === 0) break;
    }
  }

  /** Runs something a user would run and keeps whatever it shows (report, error). */
  async run<T>(promise: Promise<T>): Promise<T | undefined> {
    try {
      const value = await promise;
      this.seen.push(JSON.stringify(value));
      return value;
    } catch (error) {
      this.seen.push(`${(error as Error).message} ${JSON.stringify(error)}`);
      return undefined;
    }
  }

  /** Records whether a failure the scenario caused was surfaced (alert, failed entry, failing doctor). */
  expectSurfaced(what: string, ok: boolean): void {
    this.surfaced.push({ what, ok });
  }

  /**
   * Runs what a stranger sends (anything but Withings' own deliveries) and settles what it started:
   * the upstream calls in between are counted as forged, and must all belong to at most two syncs
   * per targeted user (one at the debounce window's start, one at its end).
   */
  async forged(send: () => Promise<unknown>, targetedUsers = 1): Promise<void> {
    await this.settle();
    const calls = this.upstreamRequests();
    const reports = this.reports.length;
    await send();
    await this.settle();
    const bought = this.reports.slice(reports);
    const spent = this.upstreamRequests() - calls;
    const inSyncs = bought.reduce(
      (n, r) =>
        n +
        r.upstreamCalls.withings +
        r.upstreamCalls.garmin +
        (r.destinations.intervals?.upstreamCalls ?? 0),
      0,
    );
    this.#forged.upstreamCalls += spent;
    this.#forged.syncs += bought.length;
    this.#forged.maxSyncs += 2 * targetedUsers;
    this.#forged.callsOutsideSyncs += Math.max(0, spent - inSyncs);
  }

  upstreamRequests(): number {
    return (
      this.withings.requests.length + this.garmin.requests.length + (this.intervals?.requests.length ?? 0)
    );
  }

  numbers(): ScenarioNumbers {
    const tolerance = { ms: 120_000, kg: 0.1 };
    let lost = 0;
    let duplicated = 0;
    const matchedPks = new Set<number>();
    for (const person of this.people) {
      const stored = this.garmin.weighIns(person.email);
      for (const want of this.expected.filter((e) => e.email === person.email)) {
        const hits = stored.filter(
          (g) =>
            Math.abs(g.timestampGMT - want.takenAt.getTime()) <= tolerance.ms &&
            Math.abs(g.weight / 1000 - want.weightKg) <= tolerance.kg,
        );
        if (hits.length === 0) lost += 1;
        duplicated += Math.max(0, hits.length - 1);
        for (const hit of hits) matchedPks.add(hit.samplePk);
      }
      duplicated += stored.filter((g) => !matchedPks.has(g.samplePk)).length; // unexpected or misrouted entries
    }
    const intervals = this.#intervalsNumbers();
    lost += intervals.lost;
    duplicated += intervals.duplicated;
    const secrets = [
      ...this.withings.secrets(),
      ...this.garmin.secrets(),
      ...(this.intervals?.secrets() ?? []),
      ...this.people.map((p) => p.password),
      API_TOKEN,
      WEBHOOK_SECRET,
    ];
    const everything = [...this.logs, ...this.seen, JSON.stringify(this.alerts)].join('\n');
    return {
      lost,
      duplicated,
      leaked: secrets.filter((secret) => everything.includes(secret)).length,
      unsurfaced: this.surfaced.filter((s) => !s.ok).length + intervals.unsurfaced.length,
      unsurfacedWhat: [...this.surfaced.filter((s) => !s.ok).map((s) => s.what), ...intervals.unsurfaced],
      upstreamCalls: this.upstreamRequests() - this.#baseline,
      forged: { ...this.#forged },
    };
  }

  /**
   * The intervals.icu part of the numbers, for the people linked to it. Each local day of the
   * athlete's with expected weigh-ins must hold one record with the day's latest (lost when there is
   * none); a record with another value, a record on a day nobody weighed, or a PUT that wrote an
   * earlier weigh-in over a later one is duplicated. Every sync in which intervals.icu failed for
   * good (an answer ≥ 400 not followed by a success of the same call) must have a failed entry
   * naming `intervals`, and a refused key an alert naming it; what is missing is unsurfaced.
   */
  #intervalsNumbers(): { lost: number; duplicated: number; unsurfaced: string[] } {
    const result = { lost: 0, duplicated: 0, unsurfaced: [] as string[] };
    const sim = this.intervals;
    if (!sim) return result;
    const near = (a: number, b: number) => Math.abs(a - b) <= 0.1 + 1e-9; // as for Garmin
    const requests = sim.requests;
    for (const person of this.people) {
      if (!person.intervals) continue;
      const { athleteId } = person.intervals;
      const timeZone = sim.getAthlete(athleteId).timezone;
      const byDay = new Map<string, World['expected']>();
      for (const want of this.expected.filter((e) => e.email === person.email)) {
        const day = want.takenAt.toLocaleDateString('en-CA', { timeZone });
        byDay.set(day, [...(byDay.get(day) ?? []), want]);
      }
      const replacedByDay = new Map<string, World['expected']>();
      for (const was of this.replaced.filter((e) => e.email === person.email)) {
        const day = was.takenAt.toLocaleDateString('en-CA', { timeZone });
        replacedByDay.set(day, [...(replacedByDay.get(day) ?? []), was]);
      }
      const records = new Map(sim.wellness(athleteId).map((r) => [r.id, r]));
      for (const [day, wants] of byDay) {
        const latest = wants.reduce((a, b) => (b.takenAt > a.takenAt ? b : a));
        const record = records.get(day);
        if (typeof record?.weight !== 'number') {
          result.lost += 1;
          continue;
        }
        const fat = latest.fatPercent === undefined ? null : Math.round(latest.fatPercent * 10) / 10;
        if (!near(record.weight, latest.weightKg) || (fat !== null && record.bodyFat !== fat))
          result.duplicated += 1;
      }
      result.duplicated += [...records.values()].filter((r) => r.weight !== null && !byDay.has(r.id)).length;
      // The PUTs of each day, in order: none may write a weigh-in earlier than one written before.
      const writtenUpTo = new Map<string, number>();
      for (const put of requests) {
        const day = new RegExp(`^/api/v1/athlete/${athleteId}/wellness/(\\d{4}-\\d{2}-\\d{2})$`).exec(
          put.path,
        )?.[1];
        if (put.method !== 'PUT' || !day || put.status === undefined || put.status >= 300) continue;
        const weight = (JSON.parse(put.body || '{}') as { weight?: number }).weight;
        if (weight === undefined || weight === -1) continue; // a blood-pressure write, or a clearing one
        const which = [...(byDay.get(day) ?? []), ...(replacedByDay.get(day) ?? [])]
          .filter((w) => near(w.weightKg, weight))
          .sort(
            (a, b) =>
              Math.abs(a.weightKg - weight) - Math.abs(b.weightKg - weight) ||
              b.takenAt.getTime() - a.takenAt.getTime(),
          )[0];
        const before = writtenUpTo.get(day) ?? 0;
        if (!which || which.takenAt.getTime() < before) result.duplicated += 1;
        writtenUpTo.set(day, Math.max(before, which?.takenAt.getTime() ?? 0));
      }
    }
    for (const report of this.reports) {
      const athleteId = this.people.find((p) => p.userId === report.userId)?.intervals?.athleteId;
      if (!athleteId) continue;
      const from = Date.parse(report.startedAt) - 5;
      const to = from + report.durationMs + 10;
      const inSync = requests.filter(
        (r) =>
          r.path.startsWith(`/api/v1/athlete/${athleteId}`) &&
          r.receivedAt.getTime() >= from &&
          r.receivedAt.getTime() <= to,
      );
      const failing = (r: (typeof inSync)[number]) => r.status === undefined || r.status >= 400;
      const failedForGood = inSync.filter(
        (r, i) =>
          failing(r) &&
          !inSync.slice(i + 1).some((l) => l.method === r.method && l.path === r.path && !failing(l)),
      );
      const entries = report.failed.filter((f) => f.destination === 'intervals');
      const sync = `the ${report.trigger} sync at ${report.startedAt}`;
      if ((failedForGood.length > 0 || (report.destinations.intervals?.failed ?? 0) > 0) && !entries.length)
        result.unsurfaced.push(
          `intervals.icu failed (HTTP ${failedForGood.map((r) => r.status ?? 'no answer').join(', ')}) in ${sync} without a failed entry naming it`,
        );
      const refused =
        entries.some((f) => f.code === 'REAUTH_REQUIRED') || failedForGood.some((r) => r.status === 401);
      const alerted = this.alerts.some(
        (a) => a.type === 'REAUTH_REQUIRED' && a.userId === report.userId && a.destination === 'intervals',
      );
      if (refused && !alerted)
        result.unsurfaced.push(`intervals.icu refused the key in ${sync} without an alert naming it`);
    }
    return result;
  }

  async close(): Promise<void> {
    for (const cleanup of this.#cleanup.reverse()) await cleanup().catch(() => undefined);
  }
}

/** A Withings-style notification POST, as Withings sends it. */
export function notificationBody(userId: string, minutesBack = 10): string {
  const now = Math.floor(Date.now() / 1000);
  return `userid=${userId}&appli=1&startdate=${now - minutesBack * 60}&enddate=${now}`;
}
