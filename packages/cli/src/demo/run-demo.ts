import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSync, fileStore, type Sync, type SyncReport } from '@wg-sync/core';
import { type GarminUrls, type GarminWeighIn, garminLogin } from '@wg-sync/garmin';
import { IntervalsClient, type IntervalsWellness } from '@wg-sync/intervals';
import type { IntervalsSim, WithingsSim } from '@wg-sync/testkit';
import { authorizeWithings, withTimeout } from '../commands/withings-auth.js';
import { startServer } from '../server.js';
import { allowOnConsentPage } from './consent.js';
import { describeIntervalsDay, describeStep, type Marks, mark } from './narrate.js';

/** What `wg-sync demo --json` prints. */
export interface DemoResult {
  /** Every sync report, in order (one per webhook-triggered sync). */
  reports: SyncReport[];
  /** What the simulated Garmin account holds at the end. */
  garmin: GarminWeighIn[];
  /** What the simulated intervals.icu athlete holds at the end: one wellness record per day. */
  intervals: IntervalsWellness[];
}

const TIME_ZONE = 'Europe/Berlin';
const GARMIN_EMAIL = 'demo@example.com';
const MINUTE = 60_000;
const STEP_TIMEOUT_MS = 15_000;

/** A demo whose story has been told and whose servers are still up (`wg-sync demo --serve`). */
export interface RunningDemo {
  /** What the story ended with (what `--json` prints). */
  result: DemoResult;
  /** The status page of the demo's `wg-sync serve`: `http://127.0.0.1:<port>/`. */
  pageUrl: string;
  /** The demo's API token, random for this run: what the page's sign-in form asks for. */
  apiToken: string;
  /** Closes `wg-sync serve` (letting syncs finish), then the simulators, then removes the state. */
  close(): Promise<void>;
}

/**
 * The offline demo: the three simulators and `wg-sync serve` on loopback, an account linked through
 * the simulated consent page, Garmin sign-in and an intervals.icu API key, the webhook subscribed,
 * then four weigh-ins on the simulated scale (one held until it is assigned), narrated step by step. No network, no accounts.
 * Everything is closed again before it answers.
 */
export async function runDemo(say: (line: string) => void): Promise<DemoResult> {
  const demo = await startDemo(say);
  await demo.close();
  return demo.result;
}

/**
 * {@link runDemo}, leaving the simulators and `wg-sync serve` (with its status page) up for the
 * caller to {@link RunningDemo.close}. If the story fails, everything is closed before it throws.
 */
export async function startDemo(say: (line: string) => void): Promise<RunningDemo> {
  const { startGarminSim, startIntervalsSim, startWithingsSim } = await import('@wg-sync/testkit');
  const dir = await mkdtemp(join(tmpdir(), 'wg-sync-demo-'));
  const garminPassword = randomBytes(12).toString('base64url');
  // The safe setup, as `wg-sync serve` requires it: Withings signs nothing, the secret path is what
  // keeps strangers out. Like `openssl rand -hex 32`; never printed (the narration shows <secret>).
  const webhookSecret = randomBytes(32).toString('hex');
  // Turns the status page on (GET / of wg-sync serve). Random for this run and only ever on
  // 127.0.0.1, so `--serve` may print it for the page's sign-in form.
  const apiToken = `demo-${randomBytes(18).toString('base64url')}`;
  const withings = await startWithingsSim();
  const garmin = await startGarminSim({
    accounts: [{ email: GARMIN_EMAIL, password: garminPassword, timeZone: TIME_ZONE }],
  });
  // The athlete's API key is random and never printed, like the Garmin password.
  const intervals = await startIntervalsSim({ athletes: [{ timezone: TIME_ZONE }] });
  const reports: SyncReport[] = [];
  let reportArrived: (() => void) | undefined;
  const sync = createSync({
    withings: { clientId: withings.clientId, clientSecret: withings.clientSecret, baseUrl: withings.url },
    garmin: { urls: garmin.urls },
    intervals: { baseUrl: intervals.url },
    store: fileStore(join(dir, 'state')),
    webhookSecret,
    apiToken,
    hooks: {
      onReport(report) {
        reports.push(report);
        reportArrived?.();
      },
    },
    // The simulator stores uploads at once; real Garmin needs the default 1.5 s before the first read.
    readBack: { attempts: 3, delayMs: 50 },
    // Weigh-ins a few seconds apart: a window of 1 s (default 60) keeps the story moving while
    // showing that each notification only asks for a sync.
    webhookDebounceSeconds: 1,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  });
  const server = await startServer(sync, { port: 0, host: '127.0.0.1' });
  const nextReport = () =>
    withTimeout(
      new Promise<string>((resolve) => {
        reportArrived = () => resolve('');
      }),
      STEP_TIMEOUT_MS,
    );

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await server.close();
      await Promise.all([withings.close(), garmin.close(), intervals.close()]);
      await rm(dir, { recursive: true, force: true });
    })();
    return closing;
  };

  try {
    say('wg-sync demo: everything below runs on this machine (127.0.0.1), against simulated Withings,');
    say('Garmin Connect and intervals.icu servers that speak the real protocols. No network, no accounts.');
    say('');
    say(`  Withings simulator        ${withings.url}`);
    say(`  Garmin simulator          ${garmin.url}`);
    say(`  intervals.icu simulator   ${intervals.url}`);
    say(`  wg-sync serve             ${server.url}   (state in ${join(dir, 'state')})`);
    say('');

    const userId = await linkWithings(sync, withings, say);
    await linkGarmin(sync, userId, { urls: garmin.urls, password: garminPassword }, say);
    const intervalsClient = await linkIntervals(sync, userId, intervals, say);
    const callbackUrl = `${server.url}/webhook/withings/${webhookSecret}`;
    const client = await sync.withingsClient(userId);
    await client?.notify.subscribe({ callbackUrl, appli: 1, comment: 'wg-sync demo' });
    say(`4. Webhook: Withings checked ${server.url}/webhook/withings/<secret> with HEAD (200)`);
    say('   and subscribed it (appli 1). <secret> is a random WG_SYNC_WEBHOOK_SECRET: Withings signs');
    say('   nothing, so only that path is accepted.');
    say('');

    const now = Date.now();
    const steps: Array<{ title: string; act: (marks: Marks) => Promise<void> }> = [
      {
        title: 'A weigh-in on a Body+ scale (one measure group)',
        act: async () => {
          withings.addWeighIn(userId, {
            takenAt: new Date(now - 30 * MINUTE),
            weightKg: 81.37,
            fatPercent: 21.4,
            layout: 'single',
          });
        },
      },
      {
        title: 'A weigh-in on a Body Cardio (Withings splits it into 3 groups)',
        act: async () => {
          withings.addWeighIn(userId, {
            takenAt: new Date(now - 20 * MINUTE),
            weightKg: 81.12,
            fatPercent: 21.1,
            fatMassKg: 17.12,
            muscleMassKg: 60.9,
            hydrationKg: 44.8,
            boneMassKg: 3.21,
            heartRate: 62,
            pulseWaveVelocity: 7.4,
            layout: 'body-cardio',
          });
        },
      },
      {
        title: 'Someone steps on the shared scale, and Withings cannot tell whose weigh-in it is (attrib 1)',
        act: async () => {
          withings.addWeighIn(userId, {
            takenAt: new Date(now - 25 * MINUTE),
            weightKg: 81.3,
            fatPercent: 21.3,
            attrib: 1,
          });
        },
      },
      {
        title: 'Withings delivers the last notification again (it does, after timeouts)',
        act: async () => {
          const last = withings.deliveries.at(-1);
          if (!last) throw new Error('no notification was delivered');
          const response = await fetch(callbackUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: last.body,
          });
          await response.arrayBuffer();
        },
      },
      {
        title: 'It was you: "this was me" (wg-sync held assign <id>, or sync.held.assign(id) in code)',
        act: async () => {
          const [held] = await sync.held.list(userId);
          if (!held) throw new Error('nothing is held');
          await sync.held.assign(held.id);
        },
      },
    ];

    for (const [index, step] of steps.entries()) {
      say(`${index + 5}. ${step.title}`);
      const marks = mark(withings, garmin, intervals);
      const arrived = nextReport();
      await step.act(marks);
      await arrived;
      await withings.settled();
      const sims = { withings, garmin, intervals, athleteId: intervals.athlete.id };
      const report = reports.at(-1) as SyncReport;
      for (const line of describeStep(report, marks, sims)) say(`   ${line}`);
      for (const held of report.held?.held ?? [])
        say(
          `   held, not dropped: ${held}, with its own time and every field (HELD alert: wg-sync held list)`,
        );
      for (const assigned of report.held?.assigned ?? [])
        say(`   ${assigned} assigned: written with the weigh-in's own time, and no longer held`);
      say('');
    }

    const held = (await (
      await sync.garminClient(userId)
    )?.listWeighIns({
      from: new Date(now - 2 * 24 * 60 * MINUTE),
      to: new Date(now + 24 * 60 * MINUTE),
    })) as GarminWeighIn[];
    say('What Garmin Connect now holds:');
    for (const w of held) {
      const parts = [
        `${w.weightKg.toFixed(2)} kg`,
        w.fatPercent === undefined ? '' : `fat ${w.fatPercent} %`,
        w.muscleMassKg === undefined ? '' : `muscle ${w.muscleMassKg} kg`,
        w.hydrationPercent === undefined ? '' : `water ${w.hydrationPercent} %`,
        w.boneMassKg === undefined ? '' : `bone ${w.boneMassKg} kg`,
      ].filter(Boolean);
      say(`  ${w.takenAt.toISOString()}  ${parts.join(', ')}`);
    }
    const days = await intervalsClient.listWellness({
      oldest: dayIn(new Date(now - 2 * 24 * 60 * MINUTE)),
      newest: dayIn(new Date(now + 24 * 60 * MINUTE)),
    });
    say('');
    say("What intervals.icu now holds (one wellness record a day: the day's latest weigh-in):");
    for (const day of days) say(`  ${day.id}  ${describeIntervalsDay(day)}`);
    const uploads = garmin.uploads().length;
    const puts = intervals.requests.filter((r) => r.method === 'PUT').length;
    say('');
    say(
      `${held.length} weigh-ins in Garmin from ${reports.length} syncs and ${uploads} uploads, ` +
        `${days.length} day(s) in intervals.icu from ${puts} writes: the weigh-in Withings could not ` +
        'attribute was held until you assigned it, the repeated notification wrote nothing.',
    );
    return {
      result: { reports, garmin: held, intervals: days },
      pageUrl: `${server.url}/`,
      apiToken,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

async function linkWithings(sync: Sync, withings: WithingsSim, say: (line: string) => void): Promise<string> {
  withings.addUser({ timeZone: TIME_ZONE });
  const { tokens, redirectUri } = await authorizeWithings({
    withings: { clientId: withings.clientId, clientSecret: withings.clientSecret, baseUrl: withings.url },
    accountUrl: withings.url,
    port: 0,
    timeoutMs: STEP_TIMEOUT_MS,
    visit: allowOnConsentPage,
  });
  await sync.accounts.setWithings(tokens, { timeZone: TIME_ZONE });
  say(`1. Withings: consent page → "Allow" → code captured on ${redirectUri}`);
  say(`   → exchanged for tokens (access token for 3 h, rotating refresh token) for user ${tokens.userId}.`);
  return tokens.userId;
}

/** The day (`YYYY-MM-DD`) an instant falls on in the demo's time zone. */
const dayIn = (at: Date) => at.toLocaleDateString('en-CA', { timeZone: TIME_ZONE });

/**
 * What `wg-sync intervals link` does: one real call with the key (the athlete and its time zone)
 * before it is stored. Answers the client the demo reads intervals.icu back with at the end.
 */
async function linkIntervals(
  sync: Sync,
  userId: string,
  intervals: IntervalsSim,
  say: (line: string) => void,
): Promise<IntervalsClient> {
  const { id: athleteId, apiKey } = intervals.athlete;
  const client = new IntervalsClient({ apiKey, athleteId, baseUrl: intervals.url });
  const athlete = await client.getAthlete();
  await sync.accounts.setIntervals(userId, { apiKey, athleteId });
  say(
    `3. intervals.icu: API key checked with GET /api/v1/athlete/${athlete.id} (200, days in ${athlete.timezone})`,
  );
  say("   and stored; every weigh-in now also goes there, as the day's wellness record.");
  return client;
}

/** The simulated Garmin account the demo signs in to: where its SSO lives, and its password. */
interface GarminDemoAccount {
  urls: GarminUrls;
  password: string;
}

async function linkGarmin(
  sync: Sync,
  userId: string,
  { urls, password }: GarminDemoAccount,
  say: (line: string) => void,
): Promise<void> {
  const tokens = await garminLogin({ email: GARMIN_EMAIL, password, urls });
  await sync.accounts.setGarmin(userId, tokens);
  say(`2. Garmin: signed in as ${GARMIN_EMAIL} (mobile SSO → service ticket → DI OAuth2 tokens,`);
  say('   proved with one real API call); wg-sync lives on the rotating refresh token from now on.');
}
