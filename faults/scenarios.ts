import { garminLoginCooldown, type SyncReport } from '@wg-sync/core';
import { refreshGarminTokens } from '@wg-sync/garmin';
import type { IntervalsSim } from '@wg-sync/testkit';
import { budgetScenarios } from './scenarios-budget.js';
import { queueScenarios } from './scenarios-queue.js';
import { sqsScenarios } from './scenarios-sqs.js';
import { notificationBody, type Person, WEBHOOK_SECRET, type World } from './world.js';

export interface Scenario {
  id: number;
  name: string;
  /** † scenarios also run on DynamoDB (dynalite) when a DynamoDB store is available. */
  dynamo?: boolean;
  options?: Parameters<typeof World.create>[0];
  run(world: World): Promise<void>;
}

const post = (
  world: World,
  body: string,
  path = `/webhook/withings/${WEBHOOK_SECRET}`,
  contentType = 'application/x-www-form-urlencoded',
) => fetch(`${world.server?.url}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });

const hasAlert = (world: World, type: string) => world.alerts.some((a) => a.type === type);
const failedWith = (report: { failed: Array<{ code: string }> } | undefined, code: string) =>
  !!report?.failed.some((f) => f.code === code);

/** Makes the stored access token of one side due, so the next call refreshes. */
async function expireStoredToken(world: World, key: string) {
  const stored = await world.store.get<Record<string, unknown>>(key);
  await world.store.put(key, { ...stored?.value, expiresAt: new Date(Date.now() - 60_000).toISOString() });
}

/** Scenario 3's engine clock, moved past the backoff a 601 makes the deployment wait. */
const clock3 = { skewMs: 0 };

/** A DI client id this Garmin still accepts, and one its JWTs name instead of the one asked for. */
const OLD_ID = 'GARMIN_CONNECT_MOBILE_ANDROID_DI_2025Q2';
const JWT_ID = 'GARMIN_CONNECT_MOBILE_ANDROID_DI_2024Q4';

export const scenarios: Scenario[] = [
  {
    id: 1,
    name: 'Withings refresh race: 5 concurrent syncs in 5 engines over one store',
    dynamo: true,
    async run(world) {
      const ana = world.person();
      world.weighIn(ana, { minutesAgo: 5, weightKg: 80.1 });
      await expireStoredToken(world, `withings/${ana.userId}/tokens`);
      world.withings.latencyMs = 20;
      const engines = Array.from({ length: 5 }, () => world.engine());
      const reports = await Promise.all(engines.map((engine) => world.run(engine.syncRecent())));
      world.withings.latencyMs = 0;
      const tokens = await world.store.get<{ accessToken: string; refreshToken: string }>(
        `withings/${ana.userId}/tokens`,
      );
      world.expectSurfaced(
        'no sync failed',
        reports.every((r) => r && r.failed.length === 0),
      );
      world.expectSurfaced(
        'stored access token valid',
        world.withings.isAccessTokenValid(tokens?.value.accessToken ?? ''),
      );
      world.expectSurfaced(
        'stored refresh token valid',
        world.withings.isRefreshTokenValid(tokens?.value.refreshToken ?? ''),
      );
    },
  },
  {
    id: 2,
    name: 'Withings refresh answered 503 (dead refresh token)',
    async run(world) {
      const ana = world.person();
      await world.serve();
      world.weighIn(ana, { minutesAgo: 60, weightKg: 70.2 });
      await world.settle();
      const cursor = await world.store.get(`cursor/${ana.userId}`);
      world.withings.revokeTokens(ana.userId);
      await expireStoredToken(world, `withings/${ana.userId}/tokens`);
      world.weighIn(ana, { minutesAgo: 5, weightKg: 70.4 });
      await world.settle();
      world.expectSurfaced('REAUTH_REQUIRED alert', hasAlert(world, 'REAUTH_REQUIRED'));
      world.expectSurfaced(
        'cursor unchanged',
        JSON.stringify(await world.store.get(`cursor/${ana.userId}`)) === JSON.stringify(cursor),
      );
      world.expectSurfaced('doctor fails', (await world.run(world.sync.doctor()))?.ok === false);
      await world.link(ana); // the person authorizes again
      await world.run(world.sync.reconcile());
    },
  },
  {
    id: 3,
    name: 'Withings 601 on getmeas: no call for wait_seconds, then recovery',
    options: { config: { now: () => new Date(Date.now() + clock3.skewMs) } },
    async run(world) {
      clock3.skewMs = 0;
      const ana = world.person();
      await world.serve();
      world.withings.faults.add({ status: 601, waitSeconds: 68 }, 1, '/measure');
      world.weighIn(ana, { minutesAgo: 3, weightKg: 64.4 });
      await world.settle();
      const health = await world.store.get<{ lastError?: { code: string } }>(`health/${ana.userId}`);
      world.expectSurfaced('RATE_LIMITED recorded', health?.value.lastError?.code === 'RATE_LIMITED');
      world.expectSurfaced(
        'notification kept pending',
        (await world.store.get(`pending/${ana.userId}`)) !== undefined,
      );
      // The whole deployment waits the 68 s Withings asked for; then the reconcile catches up.
      clock3.skewMs += 68_000;
      await world.run(world.sync.reconcile());
    },
  },
  {
    id: 4,
    name: 'Withings malformed JSON, HTTP 500 and a timeout on getmeas',
    async run(world) {
      const ana = world.person();
      world.weighIn(ana, { minutesAgo: 3, weightKg: 90.9 });
      for (const fault of ['malformed-json', { http: 500 }, 'hang'] as const) {
        world.withings.faults.add(fault, 1, '/measure');
        const report = await world.run(world.sync.syncRecent());
        world.expectSurfaced(`${JSON.stringify(fault)} is a failed sync`, (report?.failed.length ?? 0) > 0);
      }
      world.expectSurfaced(
        'timeout reported as TIMEOUT',
        (await world.store.get<{ lastError?: { code: string } }>(`health/${ana.userId}`))?.value.lastError
          ?.code === 'TIMEOUT',
      );
      await world.run(world.sync.reconcile());
    },
  },
  {
    id: 5,
    name: 'Withings pagination (3 pages) and a late-arriving group',
    options: { pageSize: 2 },
    async run(world) {
      const ana = world.person();
      await world.serve();
      for (let i = 6; i >= 2; i -= 1)
        world.weighIn(ana, { minutesAgo: i * 60, weightKg: 75 + i / 10, notify: false });
      await world.run(world.sync.syncRecent());
      world.expectSurfaced(
        'three getmeas pages read',
        world.withings.requests.filter((r) => r.path === '/measure').length >= 3,
      );
      world.weighIn(ana, { minutesAgo: 12 * 24 * 60, weightKg: 74.4 }); // measured 12 days ago, uploaded now
      await world.settle();
    },
  },
  {
    id: 6,
    name: 'Body Cardio split groups plus an ambiguous group in one notification',
    async run(world) {
      const ana = world.person();
      await world.serve();
      world.weighIn(ana, { minutesAgo: 4, weightKg: 68.4, attrib: 1, notify: false }, false); // someone else?
      world.weighIn(ana, {
        minutesAgo: 3,
        weightKg: 108.4,
        fatPercent: 11.4,
        hydrationKg: 70.4,
        boneMassKg: 3.8,
        muscleMassKg: 92.2,
        heartRate: 90,
        pulseWaveVelocity: 7.4,
        layout: 'body-cardio',
      });
      await world.settle();
      const stored = world.garmin.weighIns(ana.email)[0];
      world.expectSurfaced(
        'body composition arrived',
        stored?.bodyFat === 11.4 && stored.muscleMass === 92200,
      );
    },
  },
  {
    id: 7,
    name: 'the same POST 3 times, then a burst of 20 for one user',
    async run(world) {
      const ana = world.person();
      await world.serve();
      world.weighIn(ana, { minutesAgo: 2, weightKg: 77.7, notify: false });
      const body = notificationBody(ana.userId);
      for (let i = 0; i < 3; i += 1) world.seen.push(await (await post(world, body)).text());
      await world.settle();
      world.weighIn(ana, { minutesAgo: 1, weightKg: 77.9, notify: false });
      const burst = await Promise.all(Array.from({ length: 20 }, () => post(world, body)));
      world.expectSurfaced(
        'every delivery answered 200',
        burst.every((r) => r.status === 200),
      );
      await world.settle();
    },
  },
  {
    id: 8,
    name: 'crash after the Garmin upload, before the ledger write, then rerun',
    async run(world) {
      const ana = world.person();
      world.weighIn(ana, { minutesAgo: 6, weightKg: 83.3 });
      const realPut = world.store.put.bind(world.store);
      let killed = false;
      world.store.put = async (key, value, options) => {
        if (key.startsWith('ledger/') && !killed) {
          killed = true;
          throw new Error('process killed');
        }
        return realPut(key, value, options);
      };
      await world.run(world.sync.syncRecent());
      world.store.put = realPut;
      await world.store.delete(`lock/${ana.userId}`); // the dead process's lease (its TTL would do the same)
      const rerun = await world.run(world.sync.syncRecent());
      world.expectSurfaced(
        'rerun found it in Garmin',
        !!rerun?.skipped.some((s) => s.reason === 'duplicate-garmin'),
      );
    },
  },
  {
    id: 9,
    name: 'Garmin access token expired mid-sync (401) → refresh → retry',
    async run(world) {
      const ana = world.person();
      await world.serve();
      world.garmin.revokeAccessTokens(ana.email);
      world.weighIn(ana, { minutesAgo: 2, weightKg: 59.9 });
      await world.settle();
      const health = await world.store.get<{ lastError?: unknown }>(`health/${ana.userId}`);
      world.expectSurfaced('no failure recorded', health?.value.lastError === undefined);
    },
  },
  {
    id: 10,
    name: 'Garmin refresh invalid_grant → REAUTH alert, nothing lost once re-linked',
    async run(world) {
      const ana = world.person();
      await world.serve();
      const key = `garmin/${ana.userId}/session`;
      const stored = await world.store.get<{
        accessToken: string;
        refreshToken: string;
        clientId: string;
        domain: 'garmin.com';
      }>(key);
      if (!stored) return;
      // Someone else used this refresh token (it is single-use): ours is now dead.
      await refreshGarminTokens({ ...stored.value, expiresAt: null }, { urls: world.garmin.urls });
      world.garmin.revokeAccessTokens(ana.email);
      world.weighIn(ana, { minutesAgo: 2, weightKg: 61.6 });
      await world.settle();
      world.expectSurfaced(
        'REAUTH_REQUIRED (garmin) alert',
        world.alerts.some((a) => a.type === 'REAUTH_REQUIRED' && a.side === 'garmin'),
      );
      world.expectSurfaced('doctor fails', (await world.run(world.sync.doctor()))?.ok === false);
      await world.link(ana);
      await world.run(world.sync.reconcile());
    },
  },
  {
    id: 11,
    name: 'Garmin upload 429, then 5xx, then success',
    async run(world) {
      const ana = world.person();
      await world.serve();
      world.garmin.faults.add({ kind: 'rate-limited', retryAfterSeconds: 0 }, 1, /upload-service/);
      world.garmin.faults.add('server-error', 1, /upload-service/);
      world.weighIn(ana, { minutesAgo: 2, weightKg: 72.7 });
      await world.settle();
      const health = await world.store.get<{ lastError?: { code: string } }>(`health/${ana.userId}`);
      world.expectSurfaced('5xx upload recorded as a failure', health?.value.lastError?.code === 'UPSTREAM');
      await world.run(world.sync.reconcile());
    },
  },
  {
    id: 12,
    name: 'Garmin phantom success (202, nothing stored)',
    async run(world) {
      const ana = world.person();
      await world.serve();
      world.garmin.faults.add('phantom-upload');
      world.weighIn(ana, { minutesAgo: 2, weightKg: 81.8 });
      await world.settle();
      world.expectSurfaced('NOT_STORED alert', hasAlert(world, 'NOT_STORED'));
      await world.run(world.sync.reconcile());
    },
  },
  {
    id: 13,
    name: 'Garmin upload answers [] or an empty body',
    async run(world) {
      const ana = world.person();
      for (const [i, fault] of (['empty-array-upload', 'empty-body-upload'] as const).entries()) {
        world.garmin.faults.add(fault);
        world.weighIn(ana, { minutesAgo: 10 - i, weightKg: 66 + i });
        const report = await world.run(world.sync.syncRecent());
        world.expectSurfaced(`${fault} is PROTOCOL`, failedWith(report, 'PROTOCOL'));
      }
      await world.run(world.sync.reconcile());
    },
  },
  {
    id: 14,
    name: 'Garmin 409 duplicate upload',
    async run(world) {
      const ana = world.person();
      world.garmin.faults.add('duplicate-upload');
      world.weighIn(ana, { minutesAgo: 3, weightKg: 69.6 });
      const report = await world.run(world.sync.syncRecent());
      world.expectSurfaced('"duplicate" not taken on trust', failedWith(report, 'NOT_STORED'));
      await world.run(world.sync.reconcile());
    },
  },
  {
    id: 15,
    name: 'Garmin range read fails while the upload path works',
    async run(world) {
      const ana = world.person();
      world.garmin.faults.add('server-error', 6, /weight\/range/);
      world.weighIn(ana, { minutesAgo: 3, weightKg: 88.1 });
      const report = await world.run(world.sync.syncRecent());
      world.expectSurfaced(
        'sync failed instead of uploading blind',
        (report?.failed.length ?? 0) > 0 && world.garmin.uploads().length === 0,
      );
      world.garmin.faults.clear();
      await world.run(world.sync.reconcile());
    },
  },
  {
    id: 16,
    name: 'subscription dropped by Withings after failed deliveries → reconcile restores it',
    async run(world) {
      const ana = world.person();
      const { url, withPublicUrl } = await dropSubscription(world, ana, [71.1, 71.3]);
      world.down = false;
      const report = await world.run(withPublicUrl.reconcile());
      world.expectSurfaced('restored', report?.accounts[0]?.subscription === 'restored');
      world.expectSurfaced('SUBSCRIPTION_RESTORED alert', hasAlert(world, 'SUBSCRIPTION_RESTORED'));
      expectSubscribed(world, ana, url);
    },
  },
  {
    id: 17,
    name: 'webhook while Garmin is slow (5 s): acknowledged within Withings’ 2 s, synced later',
    async run(world) {
      const ana = world.person();
      await world.serve();
      world.garmin.latencyMs = 5000;
      world.weighIn(ana, { minutesAgo: 2, weightKg: 95.5 });
      await world.withings.settled(); // a delivery counts only if answered 2xx within 2 s
      world.expectSurfaced(
        'delivered (answered in time)',
        world.withings.deliveries.every((d) => d.delivered),
      );
      world.garmin.latencyMs = 0;
      await world.settle();
    },
  },
  {
    id: 18,
    name: 'corrupt state entry, conditional-write conflict → clear error, no reset, no loss',
    dynamo: true,
    async run(world) {
      const ana = world.person();
      world.weighIn(ana, { minutesAgo: 30, weightKg: 67.7 });
      await world.run(world.sync.syncRecent());
      const damage = await world.made.corrupt(`cursor/${ana.userId}`);
      world.weighIn(ana, { minutesAgo: 5, weightKg: 67.9 });
      const report = await world.run(world.sync.syncRecent());
      world.expectSurfaced(
        'STORE_CORRUPT failure names the entry',
        !!report?.failed.some((f) => f.code === 'STORE_CORRUPT' && f.message.includes(damage.where)),
      );
      world.expectSurfaced('doctor fails', (await world.run(world.sync.doctor()))?.ok === false);
      world.expectSurfaced('entry left as it was', await damage.untouched());
      await damage.remove(); // the person removes the broken entry
      await world.run(world.sync.syncRecent());

      // Two processes sync the same account at the same moment: the lease (a conditional write) lets
      // one through; the other stands back. Nothing is uploaded twice, nothing is left behind.
      world.weighIn(ana, { minutesAgo: 2, weightKg: 68.1 });
      const other = world.engine();
      const [first, second] = await Promise.all([
        world.run(world.sync.syncRecent()),
        world.run(other.syncRecent()),
      ]);
      world.expectSurfaced(
        'exactly one of the two synced the new weigh-in',
        (first?.synced.length ?? 0) + (second?.synced.length ?? 0) === 1,
      );
    },
  },
  {
    id: 19,
    name: 'forged webhooks: unknown user, wrong secret path, oversized body, wrong content type',
    async run(world) {
      const ana = world.person();
      await world.serve();
      const before = world.upstreamRequests();
      const answers = [
        await post(world, notificationBody('99999999')),
        await post(world, notificationBody(ana.userId), '/webhook/withings/not-the-secret-000000'),
        await post(world, notificationBody(ana.userId), '/webhook/withings'),
        await post(world, `${notificationBody(ana.userId)}&pad=${'x'.repeat(8000)}`),
        await post(
          world,
          JSON.stringify({ userid: ana.userId, appli: 1 }),
          `/webhook/withings/${WEBHOOK_SECRET}`,
          'application/json',
        ),
      ];
      for (const answer of answers) world.seen.push(await answer.text());
      await world.settle();
      world.expectSurfaced(
        'statuses 200/404/404/413/415',
        answers.map((a) => a.status).join() === '200,404,404,413,415',
      );
      world.expectSurfaced('no upstream call', world.upstreamRequests() === before);
      const status = await fetch(`${world.server?.url}/status`, {
        headers: { authorization: 'Bearer wrong' },
      });
      world.expectSurfaced('status refuses a wrong token', status.status === 401);
    },
  },
  {
    id: 20,
    name: 'two users on one deployment, interleaved weigh-ins',
    options: { people: 2 },
    async run(world) {
      const ana = world.person(0);
      const bo = world.person(1);
      await world.serve();
      world.weighIn(ana, { minutesAgo: 9, weightKg: 58.8 });
      world.weighIn(bo, { minutesAgo: 8, weightKg: 98.8 });
      world.weighIn(ana, { minutesAgo: 7, weightKg: 58.9 });
      world.weighIn(bo, { minutesAgo: 6, weightKg: 98.6 });
      await world.settle();
    },
  },
  {
    id: 21,
    name: 'H1 forged unlink: the account keeps syncing; a real unlink (token refused) stops it',
    options: { people: 2 },
    async run(world) {
      const ana = world.person(0);
      const bo = world.person(1);
      await world.serve();
      await world.forged(() => post(world, unlinkBody(ana.userId)));
      world.weighIn(ana, { minutesAgo: 2, weightKg: 60.6 });
      await world.settle();
      const accounts = (await world.sync.accounts.list()) as Array<{ userId: string; unlinkedAt?: string }>;
      world.expectSurfaced(
        'no UNLINKED alert for the forged one',
        !world.alerts.some((a) => a.type === 'UNLINKED' && a.userId === ana.userId),
      );
      world.expectSurfaced('still linked', !accounts.find((a) => a.userId === ana.userId)?.unlinkedAt);
      world.expectSurfaced(
        'the unconfirmed unlink is logged',
        world.logs.some((l) => l.includes('webhook.unlink.unconfirmed')),
      );
      // Bo really unlinks: Withings revokes the tokens, then notifies.
      world.withings.unlink(bo.userId);
      world.seen.push(await (await post(world, unlinkBody(bo.userId))).text());
      await world.settle();
      world.expectSurfaced(
        'UNLINKED alert for the real one',
        world.alerts.some((a) => a.type === 'UNLINKED' && a.userId === bo.userId),
      );
      const report = await world.run(world.sync.reconcile());
      const of = (userId: string) => report?.accounts.find((a) => a.userId === userId);
      world.expectSurfaced('reconcile: bo unlinked', of(bo.userId)?.subscription === 'unlinked');
      world.expectSurfaced('reconcile: ana synced', of(ana.userId)?.report?.failed.length === 0);
    },
  },
  {
    id: 22,
    name: 'H2 forged startdate=1 over 5 100 old groups (and a 0.1 pending record): history stays out',
    options: { pageSize: 100 },
    async run(world) {
      const ana = world.person();
      await world.serve();
      // Years of history that nobody asked to import (a backfill would; a webhook never does).
      const day = 86_400_000;
      for (let i = 0; i < 5100; i += 1) {
        const takenAt = new Date(Date.now() - (400 + i / 5) * day);
        world.withings.addWeighIn(ana.userId, {
          takenAt,
          arrivedAt: takenAt,
          weightKg: 80 + (i % 50) / 10,
          notify: false,
        });
      }
      world.weighIn(ana, { minutesAgo: 10, weightKg: 79.5 });
      await world.settle();
      // What 0.1 left behind after such a POST: a pending record starting in 1970.
      const at = new Date().toISOString();
      await world.store.put(`pending/${ana.userId}`, { since: 1, count: 1, firstAt: at, lastAt: at });
      await world.forged(() =>
        Promise.all([1, 2, 3].map(() => post(world, notificationBodyFrom(ana.userId, 1)))),
      );
      world.weighIn(ana, { minutesAgo: 1, weightKg: 79.3 });
      await world.settle();
      world.expectSurfaced(
        'no sync failed (no "more data after 50 pages")',
        world.reports.every((r) => r.failed.length === 0),
      );
      world.expectSurfaced('pending drained', (await world.store.get(`pending/${ana.userId}`)) === undefined);
      const reads = world.withings.requests.filter((r) => r.path === '/measure').length;
      world.expectSurfaced('no history read (a few getmeas calls, not 50 pages)', reads < 20);
    },
  },
  {
    id: 23,
    name: 'M1 who is linked? linked, unlinked, unknown and ignored notifications answer alike',
    options: { people: 2 },
    async run(world) {
      const ana = world.person(0);
      const bo = world.person(1);
      await world.serve();
      await world.run(world.sync.accounts.unlink(bo.userId));
      const answers: string[] = [];
      await world.forged(async () => {
        for (const body of [
          notificationBodyFrom(ana.userId),
          notificationBodyFrom(bo.userId),
          notificationBodyFrom('424242'),
          notificationBodyFrom(ana.userId).replace('appli=1', 'appli=44'),
          `${notificationBodyFrom(ana.userId).replace('appli=1', 'appli=46')}&action=update`,
        ]) {
          const response = await post(world, body);
          answers.push(`${response.status} ${response.headers.get('content-type')} ${await response.text()}`);
        }
      });
      world.seen.push(...answers);
      world.expectSurfaced('one answer for all', new Set(answers).size === 1);
      world.expectSurfaced('and it is 200 accepted', answers[0]?.endsWith('{"status":"accepted"}') === true);
    },
  },
  {
    id: 24,
    name: 'M2 flood: 400 forged POSTs (200 for a linked user) while a real weigh-in arrives',
    options: { people: 2 },
    async run(world) {
      const ana = world.person(0);
      const bo = world.person(1);
      await world.serve();
      world.weighIn(ana, { minutesAgo: 30, weightKg: 66.6 });
      await world.settle();
      let statuses: number[] = [];
      await world.forged(async () => {
        const flood = [
          ...Array.from({ length: 200 }, (_, i) => post(world, notificationBodyFrom(ana.userId, 1 + i))),
          ...Array.from({ length: 200 }, (_, i) => post(world, notificationBodyFrom(String(5_000_000 + i)))),
        ];
        world.weighIn(ana, { minutesAgo: 1, weightKg: 66.4 }); // Withings' own delivery, mid-flood
        statuses = (await Promise.all(flood)).map((r) => r.status);
        await world.withings.settled();
      });
      world.expectSurfaced(
        'every forged POST answered 200',
        statuses.every((s) => s === 200),
      );
      world.expectSurfaced(
        "Withings' delivery answered in time",
        world.withings.deliveries.every((d) => d.delivered),
      );
      world.weighIn(bo, { minutesAgo: 1, weightKg: 90.1 }); // another user, unaffected
      await world.settle();
    },
  },
  {
    id: 25,
    name: 'M3 a broken store: anonymous answers carry no path, table or code, the log has it',
    dynamo: true,
    async run(world) {
      const ana = world.person();
      await world.serve();
      world.weighIn(ana, { minutesAgo: 5, weightKg: 82.2, notify: false });
      const damage = await world.made.corrupt(`pending/${ana.userId}`);
      const url = world.server?.url ?? '';
      const answers: Response[] = [];
      await world.forged(async () => {
        answers.push(
          await post(world, notificationBodyFrom(ana.userId)),
          await fetch(`${url}/health`),
          await fetch(`${url}/status`),
          await fetch(`${url}/status`, { headers: { authorization: 'Bearer not-the-token-0123456789' } }),
        );
      });
      const texts = await Promise.all(answers.map((a) => a.text()));
      world.seen.push(...texts);
      const first = JSON.parse(texts[0] ?? '{}') as { error?: { code?: string; requestId?: string } };
      world.expectSurfaced(
        'the webhook answered 500 INTERNAL',
        answers[0]?.status === 500 && first.error?.code === 'INTERNAL',
      );
      world.expectSurfaced(
        'no internal detail in any answer',
        texts.every(
          (t) => !t.includes(damage.where) && !t.includes('STORE_CORRUPT') && !/state|table/i.test(t),
        ),
      );
      world.expectSurfaced(
        'logged with the request id and the detail',
        world.logs.some(
          (l) =>
            l.includes('handler.failed') &&
            l.includes(first.error?.requestId ?? '?') &&
            l.includes('STORE_CORRUPT'),
        ),
      );
      await damage.remove(); // the person fixes it; the notification is retried by reconcile
      await world.run(world.sync.reconcile());
    },
  },
  {
    id: 26,
    name: 'a re-subscribe failing during reconcile (callback unreachable) → SUBSCRIPTION_LOST, restored later',
    async run(world) {
      const ana = world.person();
      const { url, withPublicUrl } = await dropSubscription(world, ana, [72.1, 72.3]);
      // The deployment is still unreachable when reconcile runs: Withings refuses the re-subscribe.
      const failed = await world.run(withPublicUrl.reconcile());
      world.expectSurfaced('SUBSCRIPTION_LOST alert', hasAlert(world, 'SUBSCRIPTION_LOST'));
      world.expectSurfaced('reconcile not ok', failed?.ok === false);
      world.expectSurfaced(
        'logged at warn, not only info',
        world.logs.some((l) => l.includes('"level":"warn"') && l.includes('subscription')),
      );
      world.expectSurfaced('doctor fails', (await world.run(withPublicUrl.doctor()))?.ok === false);
      world.down = false;
      const healed = await world.run(withPublicUrl.reconcile());
      world.expectSurfaced('restored', healed?.accounts[0]?.subscription === 'restored');
      expectSubscribed(world, ana, url);
    },
  },
  {
    id: 27,
    name: 'a Garmin login 429 followed by a retry inside the cooldown: nothing sent, signed in later',
    async run(world) {
      const ana = world.person();
      let offset = 0;
      const clock = () => new Date(Date.now() + offset);
      const cooldown = garminLoginCooldown(world.store, { now: clock });
      // The session is gone (its refresh token used elsewhere): a person must sign in again.
      const stored = await world.store.get<Parameters<typeof refreshGarminTokens>[0]>(
        `garmin/${ana.userId}/session`,
      );
      if (stored)
        await refreshGarminTokens({ ...stored.value, expiresAt: null }, { urls: world.garmin.urls });
      world.garmin.revokeAccessTokens(ana.email);
      world.weighIn(ana, { minutesAgo: 20, weightKg: 77.7 });
      const refused = await world.run(world.sync.syncRecent());
      world.expectSurfaced('REAUTH_REQUIRED', failedWith(refused, 'REAUTH_REQUIRED'));
      // What `wg-sync garmin login` does: Cloudflare's 1015 page, a cooldown, then a retry too early.
      world.garmin.faults.add({ kind: 'cloudflare-429', retryAfterSeconds: 600 }, 1, /\/api\/login$/);
      const login = async () => {
        await cooldown.assertAllowed(ana.email);
        try {
          return await world.garminTokens(ana);
        } catch (error) {
          if ((error as { code?: string }).code === 'RATE_LIMITED')
            await cooldown.recordRateLimit(ana.email, (error as { retryAfterMs?: number }).retryAfterMs);
          throw error;
        }
      };
      const first = await login().catch((error: unknown) => error as { code?: string });
      world.seen.push(JSON.stringify(first));
      world.expectSurfaced('typed RATE_LIMITED', (first as { code?: string }).code === 'RATE_LIMITED');
      const posts = world.garmin.requests.filter((r) => r.method === 'POST').length;
      offset = 30 * 60_000; // half an hour later: inside the 2 h cooldown
      const early = await login().catch((error: unknown) => error as { code?: string; message?: string });
      world.seen.push(String((early as { message?: string }).message));
      world.expectSurfaced('LOGIN_COOLDOWN', (early as { code?: string }).code === 'LOGIN_COOLDOWN');
      world.expectSurfaced(
        'nothing sent inside the cooldown',
        world.garmin.requests.filter((r) => r.method === 'POST').length === posts,
      );
      offset = 2 * 3600_000 + 60_000; // after the cooldown
      const tokens = await login();
      await cooldown.clear(ana.email);
      await world.sync.accounts.setGarmin(ana.userId, tokens);
      await world.run(world.sync.syncRecent());
    },
  },
  {
    id: 28,
    name: 'a rotated DI client id refusing the ticket: REAUTH naming it; with the current id first, signed in',
    options: { people: 0, garmin: { clientIds: [OLD_ID], refusalSpendsTicket: true } },
    async run(world) {
      const ana = {
        userId: world.withings.addUser(),
        email: 'rotated@example.com',
        password: 'pw-rotated-4d1e0b',
      };
      world.garmin.addAccount({ email: ana.email, password: ana.password, timeZone: 'Europe/Berlin' });
      // The built-in list starts with ids this Garmin does not accept; its first refusal spends the ticket.
      const refused = await world
        .garminTokens(ana)
        .catch((error: unknown) => error as Error & { code?: string });
      world.seen.push(`${(refused as Error).message} ${JSON.stringify(refused)}`);
      world.expectSurfaced('REAUTH_REQUIRED', (refused as { code?: string }).code === 'REAUTH_REQUIRED');
      world.expectSurfaced(
        'names the refused id and says sign in again',
        /GARMIN_CONNECT_MOBILE_ANDROID_DI_2026Q3/.test((refused as Error).message) &&
          /sign in again/i.test((refused as Error).message),
      );
      // The four newer ids are unknown here (invalid_client); the first known one finds the ticket
      // spent (invalid_grant): the exchange stops there instead of trying the rest of the list.
      const exchanges = world.garmin.requests.filter((r) => r.path.endsWith('/oauth/token'));
      world.expectSurfaced(
        'stopped at the spent ticket',
        exchanges.map((r) => r.status).join() === '401,401,401,401,400',
      );
      // The person puts the current id first (WG_SYNC_GARMIN_CLIENT_IDS / --client-ids) and signs in again.
      const tokens = await world.garminTokens(ana, { clientIds: [OLD_ID] });
      await world.sync.accounts.link({ withings: world.withings.issueTokens(ana.userId), garmin: tokens });
      world.people.push(ana);
      world.weighIn(ana, { minutesAgo: 4, weightKg: 73.4 });
      await expireStoredToken(world, `garmin/${ana.userId}/session`);
      const report = await world.run(world.sync.syncRecent());
      world.expectSurfaced('synced after signing in again', report?.failed.length === 0);
    },
  },
  {
    id: 29,
    name: 'a JWT client_id that differs from the one asked for: kept, refreshed with, synced',
    options: { garmin: { jwtClientId: JWT_ID } },
    async run(world) {
      const ana = world.person();
      const key = `garmin/${ana.userId}/session`;
      world.expectSurfaced(
        "the JWT's client id is stored",
        (await world.store.get<{ clientId: string }>(key))?.value.clientId === JWT_ID,
      );
      world.weighIn(ana, { minutesAgo: 4, weightKg: 70.7 });
      await expireStoredToken(world, key);
      const report = await world.run(world.sync.syncRecent());
      world.expectSurfaced('no failure (not PROTOCOL)', report?.failed.length === 0);
      const refresh = world.garmin.requests.filter((r) => r.body.includes('grant_type=refresh_token')).at(-1);
      world.expectSurfaced('refreshed with that id', !!refresh?.body.includes(`client_id=${JWT_ID}`));
    },
  },
  {
    id: 30,
    name: 'a refresh answer without refresh_token keeps the old one, twice in a row',
    options: { garmin: { refreshWithoutRefreshToken: true } },
    async run(world) {
      const ana = world.person();
      const key = `garmin/${ana.userId}/session`;
      const before = (await world.store.get<{ refreshToken: string }>(key))?.value.refreshToken;
      for (const [minutesAgo, weightKg] of [
        [10, 71.1],
        [3, 72.0],
      ] as const) {
        world.weighIn(ana, { minutesAgo, weightKg });
        await expireStoredToken(world, key);
        const report = await world.run(world.sync.syncRecent());
        world.expectSurfaced(`sync ${weightKg} ok`, report?.failed.length === 0);
      }
      const after = (await world.store.get<{ refreshToken: string; accessToken: string }>(key))?.value;
      world.expectSurfaced('the old refresh token is kept', after?.refreshToken === before);
    },
  },
  {
    id: 31,
    name: '"token not active" after a refresh: one more refresh; twice → REAUTH, the bad token never stored',
    async run(world) {
      const ana = world.person();
      const key = `garmin/${ana.userId}/session`;
      world.garmin.faults.add('inactive-token', 1);
      world.weighIn(ana, { minutesAgo: 6, weightKg: 84.4 });
      await expireStoredToken(world, key);
      const recovered = await world.run(world.sync.syncRecent());
      world.expectSurfaced('one bad token: recovered', recovered?.failed.length === 0);

      world.garmin.faults.add('inactive-token', 2);
      world.weighIn(ana, { minutesAgo: 3, weightKg: 84.2 });
      await expireStoredToken(world, key);
      const stored = (await world.store.get<{ accessToken: string }>(key))?.value.accessToken;
      const refused = await world.run(world.sync.syncRecent());
      world.expectSurfaced('two bad tokens: REAUTH_REQUIRED', failedWith(refused, 'REAUTH_REQUIRED'));
      world.expectSurfaced(
        'REAUTH_REQUIRED (garmin) alert',
        world.alerts.some((a) => a.type === 'REAUTH_REQUIRED' && a.side === 'garmin'),
      );
      world.expectSurfaced(
        'no refused token was stored',
        (await world.store.get<{ accessToken: string }>(key))?.value.accessToken === stored,
      );
      await world.link(ana); // the person signs in again
      await world.run(world.sync.reconcile());
    },
  },
  {
    id: 32,
    name: 'a sparse weight-range answer (fields dropped, a four-key nextDateWeight) never fails a sync',
    async run(world) {
      const ana = world.person();
      world.garmin.faults.add({ kind: 'rewrite-json', rewrite: sparseRange }, 20, /weight\/range/);
      world.weighIn(ana, { minutesAgo: 5, weightKg: 68.8 });
      const first = await world.run(world.sync.syncRecent());
      world.expectSurfaced('synced', first?.failed.length === 0 && first.synced.length === 1);
      world.weighIn(ana, { minutesAgo: 2, weightKg: 68.6 });
      const second = await world.run(world.sync.syncRecent());
      world.expectSurfaced('the first one is not uploaded again', second?.synced.length === 1);
      world.garmin.faults.clear();
    },
  },
  {
    id: 33,
    name: 'an oversized backfill batch answered 504 (and stored anyway): read back, split, sent once',
    options: { garmin: { uploadLimits: { maxEntries: 20, status: 504, storedAnyway: true } } },
    async run(world) {
      const ana = world.person();
      const day = 86_400_000;
      for (let i = 0; i < 120; i += 1) {
        world.weighIn(ana, { minutesAgo: (i + 1) * 180, weightKg: 75 + (i % 30) / 10, notify: false });
      }
      const report = await world.run(
        world.sync.backfill({ from: new Date(Date.now() - 16 * day), to: new Date() }),
      );
      world.expectSurfaced('backfill without failures', report?.failed.length === 0);
      const uploads = world.garmin.uploads();
      world.expectSurfaced(
        'a 504 happened',
        uploads.some((u) => u.status === 504),
      );
      world.expectSurfaced(
        'no file above 50 weigh-ins',
        uploads.every((u) => u.entries <= 50),
      );
    },
  },
  {
    id: 34,
    name: 'intervals.icu 5xx, then key refused (401): Garmin syncs, REAUTH names it, caught up from its own cursor',
    options: { intervals: {} },
    async run(world) {
      const ana = world.person();
      const intervals = intervalsOf(world);
      await world.serve();
      intervals.faults.add({ status: 503 }, 1000);
      world.weighIn(ana, { minutesAgo: 2 * DAY_MINUTES, weightKg: 80.4, fatPercent: 21.2 });
      const down = await settledReports(world);
      world.expectSurfaced(
        '5xx: each sync has a failed UPSTREAM entry naming intervals',
        down.length > 0 &&
          down.every((r) => r.failed.some((f) => f.destination === 'intervals' && f.code === 'UPSTREAM')),
      );
      world.expectSurfaced(
        "5xx: Garmin's cursor moved, intervals.icu's did not",
        down.every((r) => r.destinations.garmin?.cursor && !r.destinations.intervals?.cursor),
      );
      intervals.faults.clear();
      intervals.faults.add({ status: 401 }, 1000);
      world.weighIn(ana, { minutesAgo: DAY_MINUTES, weightKg: 80.1 });
      const refused = await settledReports(world);
      world.expectSurfaced(
        '401: a failed REAUTH_REQUIRED entry naming intervals',
        refused.some((r) => failedWith(forDestination(r, 'intervals'), 'REAUTH_REQUIRED')),
      );
      world.expectSurfaced(
        '401: a REAUTH_REQUIRED alert naming intervals and the fix',
        world.alerts.some(
          (a) =>
            a.type === 'REAUTH_REQUIRED' &&
            a.destination === 'intervals' &&
            a.message.includes('wg-sync intervals link'),
        ),
      );
      world.expectSurfaced('Garmin holds both weigh-ins', world.garmin.weighIns(ana.email).length === 2);
      intervals.faults.clear();
      await world.linkIntervals(ana); // the person links the key again
      const uploads = world.garmin.uploads().length;
      const caughtUp = await world.run(world.sync.syncRecent());
      world.expectSurfaced(
        'the next sync writes both days to intervals.icu, nothing to Garmin',
        caughtUp?.failed.length === 0 &&
          caughtUp.synced.filter((s) => s.destination === 'intervals').length === 2 &&
          !caughtUp.synced.some((s) => s.destination === 'garmin') &&
          world.garmin.uploads().length === uploads,
      );
      world.weighIn(ana, { minutesAgo: 2, weightKg: 79.9 });
      await world.settle();
    },
  },
  {
    id: 35,
    name: 'Garmin down (5xx, then refused) while intervals.icu works: written there, Garmin caught up, nothing twice',
    options: { intervals: {} },
    async run(world) {
      const ana = world.person();
      await world.serve();
      world.garmin.faults.add('server-error', 1000);
      world.weighIn(ana, { minutesAgo: 2 * DAY_MINUTES, weightKg: 77.1, fatPercent: 18.4 });
      const down = await settledReports(world);
      world.expectSurfaced(
        '5xx: each sync has a failed entry naming garmin',
        down.length > 0 && down.every((r) => r.failed.some((f) => f.destination === 'garmin')),
      );
      world.expectSurfaced(
        '5xx: intervals.icu written all the same',
        down.some((r) => r.synced.some((s) => s.destination === 'intervals')),
      );
      world.garmin.faults.clear();
      // The Garmin session dies (its single-use refresh token used elsewhere).
      const stored = await world.store.get<Parameters<typeof refreshGarminTokens>[0]>(
        `garmin/${ana.userId}/session`,
      );
      if (stored)
        await refreshGarminTokens({ ...stored.value, expiresAt: null }, { urls: world.garmin.urls });
      world.garmin.revokeAccessTokens(ana.email);
      world.weighIn(ana, { minutesAgo: DAY_MINUTES, weightKg: 77.4 });
      const refused = await settledReports(world);
      world.expectSurfaced(
        'refused: REAUTH_REQUIRED (garmin) alert',
        world.alerts.some((a) => a.type === 'REAUTH_REQUIRED' && a.side === 'garmin'),
      );
      world.expectSurfaced(
        'refused: intervals.icu written all the same',
        refused.some((r) => r.synced.some((s) => s.destination === 'intervals')),
      );
      world.expectSurfaced('Garmin holds nothing yet', world.garmin.weighIns(ana.email).length === 0);
      const puts = intervalsPuts(world);
      await world.link(ana); // the person signs in to Garmin again
      const healed = await world.run(world.sync.reconcile());
      world.expectSurfaced('reconcile ok', healed?.ok === true);
      world.expectSurfaced('intervals.icu not written again', intervalsPuts(world) === puts);
    },
  },
  {
    id: 36,
    name: 'intervals.icu 429 with Retry-After: 1 on a write: waited out, written once, no failure',
    options: { intervals: {} },
    async run(world) {
      const ana = world.person();
      const intervals = intervalsOf(world);
      intervals.faults.add({ status: 429, retryAfterSeconds: 1 }, 1, /\/wellness\/\d{4}-/);
      world.weighIn(ana, { minutesAgo: 5, weightKg: 70.3, fatPercent: 15.5 });
      const report = await world.run(world.sync.syncRecent());
      world.expectSurfaced(
        'no failure, both destinations synced',
        report?.failed.length === 0 && report.synced.length === 2,
      );
      const writes = intervals.requests.filter((r) => r.method === 'PUT');
      world.expectSurfaced(
        'the retry came after Retry-After',
        writes.length === 2 &&
          writes[0]?.status === 429 &&
          (writes[1]?.receivedAt.getTime() ?? 0) - (writes[0]?.receivedAt.getTime() ?? 0) >= 950,
      );
    },
  },
  {
    id: 37,
    name: 'an HTML challenge page from intervals.icu: UPSTREAM naming it, the key not blamed, caught up later',
    options: { intervals: {} },
    async run(world) {
      const ana = world.person();
      const intervals = intervalsOf(world);
      intervals.faults.add('html-challenge', 1000);
      world.weighIn(ana, { minutesAgo: 30, weightKg: 91.2 });
      const blocked = await world.run(world.sync.syncRecent());
      world.expectSurfaced(
        'a failed UPSTREAM entry naming intervals',
        failedWith(forDestination(blocked, 'intervals'), 'UPSTREAM'),
      );
      world.expectSurfaced(
        'no REAUTH for intervals.icu (the key was not refused)',
        !world.alerts.some((a) => a.type === 'REAUTH_REQUIRED') &&
          !failedWith(forDestination(blocked, 'intervals'), 'REAUTH_REQUIRED'),
      );
      world.expectSurfaced('Garmin synced', world.garmin.weighIns(ana.email).length === 1);
      intervals.faults.clear();
      const passed = await world.run(world.sync.syncRecent());
      world.expectSurfaced(
        'caught up on the next sync',
        passed?.synced.some((s) => s.destination === 'intervals') === true,
      );
    },
  },
  {
    id: 38,
    name: 'deletion sync: the second of three Garmin deletes fails (5xx): the others go, it is retried next sync',
    options: { config: { syncDeletions: true } },
    async run(world) {
      const ana = world.person();
      const gone = [200, 150, 100].map((minutesAgo, i) => {
        const { groupIds } = world.weighIn(ana, { minutesAgo, weightKg: 71 + i / 10 });
        return { groupId: groupIds[0] as string, want: world.expected.at(-1) as World['expected'][number] };
      });
      world.weighIn(ana, { minutesAgo: 50, weightKg: 71.5 });
      await world.run(world.sync.syncRecent());
      const middle = world.garmin
        .weighIns(ana.email)
        .find((w) => Math.abs(w.timestampGMT - (gone[1]?.want.takenAt.getTime() ?? 0)) < 1000);
      for (const { groupId, want } of gone) {
        world.withings.deleteGroup(groupId, false);
        world.forget(want);
      }
      world.garmin.faults.add('server-error', 20, new RegExp(`/byversion/${middle?.samplePk}$`));
      const first = await world.run(world.sync.syncRecent());
      world.expectSurfaced(
        'two deleted, the failed one a failed entry naming its weigh-in',
        first?.deleted.length === 2 &&
          first.failed.some((f) => f.groupIds.includes(gone[1]?.groupId ?? '') && f.code === 'UPSTREAM'),
      );
      world.expectSurfaced(
        'a warn line says the delete failed',
        world.logs.some((line) => line.includes('sync.deletion.failed')),
      );
      world.garmin.faults.clear();
      const second = await world.run(world.sync.syncRecent());
      world.expectSurfaced(
        'the next sync deletes it',
        second?.deleted.length === 1 && second.failed.length === 0,
      );
    },
  },
  {
    id: 39,
    name: 'deletion sync: a crash between the Garmin delete and the tombstone, then rerun: found gone, never back',
    options: { config: { syncDeletions: true } },
    async run(world) {
      const ana = world.person();
      const { groupIds } = world.weighIn(ana, { minutesAgo: 90, weightKg: 66.6 });
      const want = world.expected.at(-1) as World['expected'][number];
      world.weighIn(ana, { minutesAgo: 30, weightKg: 66.2 });
      await world.run(world.sync.syncRecent());
      world.withings.deleteGroup(groupIds[0] as string, false);
      world.forget(want);
      const realPut = world.store.put.bind(world.store);
      let killed = false;
      world.store.put = async (key, value, options) => {
        if (!killed && key.startsWith('ledger/') && (value as { deletedAt?: string }).deletedAt) {
          killed = true;
          throw new Error('process killed');
        }
        return realPut(key, value, options);
      };
      await world.run(world.sync.syncRecent());
      world.store.put = realPut;
      world.expectSurfaced(
        'the crash came after the delete',
        killed && world.garmin.weighIns(ana.email).length === 1,
      );
      await world.store.delete(`lock/${ana.userId}`); // the dead process's lease (its TTL would do the same)
      const rerun = await world.run(world.sync.syncRecent());
      world.expectSurfaced(
        'the rerun finds it gone and tombstones it',
        rerun?.failed.length === 0 && rerun.deleted.length === 1 && rerun.deleted[0]?.alreadyGone === true,
      );
      const later = await world.run(world.sync.syncRecent({ days: 30 }));
      world.expectSurfaced('nothing comes back', later?.synced.length === 0 && later.deleted.length === 0);
    },
  },
  {
    id: 40,
    name: 'deletion sync: Withings read errors (500, malformed JSON, empty body) and a paged answer delete nothing',
    options: { config: { syncDeletions: true }, pageSize: 2 },
    async run(world) {
      const ana = world.person();
      const first = world.weighIn(ana, { minutesAgo: 150, weightKg: 88.1 });
      world.weighIn(ana, { minutesAgo: 120, weightKg: 88.3 });
      world.weighIn(ana, { minutesAgo: 90, weightKg: 88.0 });
      world.weighIn(ana, { minutesAgo: 50, weightKg: 88.2 });
      await world.run(world.sync.syncRecent());
      for (const fault of [{ http: 500 }, 'malformed-json', 'empty-body'] as const) {
        world.withings.faults.add(fault, 3, '/measure');
        const report = await world.run(world.sync.syncRecent());
        world.expectSurfaced(`${JSON.stringify(fault)}: a failed sync`, (report?.failed.length ?? 0) > 0);
        world.expectSurfaced(`${JSON.stringify(fault)}: nothing deleted`, report?.deleted.length === 0);
      }
      world.withings.faults.clear();
      // Deleted in Withings, but the window (3 groups, 2 a page) comes back in two pages: not trusted.
      world.withings.deleteGroup(first.groupIds[0] as string, false);
      const paged = await world.run(world.sync.syncRecent());
      world.expectSurfaced(
        'paged: deletions not looked for, and it says why',
        paged?.deleted.length === 0 && paged.destinations.garmin?.deletionCheck?.reason === 'paged',
      );
      world.expectSurfaced(
        'Garmin was never asked to delete',
        !world.garmin.requests.some((r) => r.method === 'DELETE'),
      );
    },
  },
  {
    id: 41,
    name: 'deletion sync: a weigh-in edited in Withings that is in both destinations: replaced in each, once',
    options: { config: { syncDeletions: true }, intervals: {} },
    async run(world) {
      const ana = world.person();
      world.weighIn(ana, { minutesAgo: 2 * DAY_MINUTES, weightKg: 74.4, fatPercent: 19.9 });
      const { groupIds } = world.weighIn(ana, { minutesAgo: 5, weightKg: 74.1, fatPercent: 19.6 });
      const want = world.expected.at(-1) as World['expected'][number];
      await world.run(world.sync.syncRecent({ days: 3 }));
      world.withings.updateGroup(groupIds[0] as string, { weightKg: 73.6 }, false);
      world.edit(want, { weightKg: 73.6 });
      const edited = await world.run(world.sync.syncRecent());
      world.expectSurfaced(
        'replaced in Garmin and intervals.icu',
        edited?.failed.length === 0 &&
          edited.edited
            .map((e) => e.destination)
            .sort()
            .join() === 'garmin,intervals',
      );
      const again = await world.run(world.sync.syncRecent({ days: 3 }));
      world.expectSurfaced(
        'a second sync changes nothing',
        again?.synced.length === 0 && again.edited.length === 0,
      );
    },
  },
  {
    id: 42,
    name: 'hold and ask: an assign racing the same weigh-in arriving re-attributed (attrib 0) from Withings',
    async run(world) {
      const ana = world.person();
      await world.serve();
      // Someone on the scale: Withings cannot tell whose (attrib 1). It was Ana: it must reach Garmin once.
      const { groupIds } = world.weighIn(ana, {
        minutesAgo: 12,
        weightKg: 71.3,
        fatPercent: 22.1,
        muscleMassKg: 52.4,
        heartRate: 64,
        layout: 'body-cardio',
        attrib: 1,
      });
      await world.settle();
      const [held] = (await world.run(world.sync.held.list(ana.userId))) ?? [];
      world.expectSurfaced('held, not dropped', held?.weightKg === 71.3 && held.fields.fatPercent === 22.1);
      world.expectSurfaced('HELD alert', hasAlert(world, 'HELD'));
      world.expectSurfaced('nothing synced yet', world.garmin.weighIns(ana.email).length === 0);
      // Ana re-attributes it in the Withings app (a notification) while she clicks "this was me" in
      // another process.
      for (const groupId of groupIds.slice(0, 2)) world.withings.updateGroup(groupId, { attrib: 0 });
      const assigned = world.run(world.engine().held.assign(held?.id ?? ''));
      await world.settle();
      const report = await assigned;
      world.expectSurfaced('the assign did not fail', report !== undefined && report.failed.length === 0);
      world.expectSurfaced(
        'no longer held',
        ((await world.run(world.sync.held.list())) ?? ['?']).length === 0,
      );
      const [stored] = world.garmin.weighIns(ana.email);
      world.expectSurfaced(
        'its own instant and fields',
        stored?.timestampGMT === Date.parse(held?.takenAt ?? '') && stored.bodyFat === 22.1,
      );
      await world.run(world.sync.reconcile());
    },
  },
  {
    id: 43,
    name: 'hold and ask, a household: two accounts hold one weigh-in; assigning it to one dismisses it for the other',
    options: { people: 2 },
    async run(world) {
      const ana = world.person(0);
      const bo = world.person(1);
      await world.serve();
      // A shared scale gave both accounts the same ambiguous weigh-in. It was Bo's.
      const mine = world.weighIn(bo, { minutesAgo: 8, weightKg: 88.6, fatPercent: 18.2, attrib: 1 });
      const theirs = world.weighIn(
        ana,
        { minutesAgo: 8, weightKg: 88.6, fatPercent: 18.2, attrib: 1 },
        false,
      );
      await world.settle();
      const held = (await world.run(world.sync.held.list())) ?? [];
      world.expectSurfaced('held for both', held.length === 2);
      const report = await world.run(world.sync.held.assign(`${bo.userId}-${mine.groupIds[0]}`));
      const anaId = `${ana.userId}-${theirs.groupIds[0]}`;
      world.expectSurfaced('dismissed for the other', !!report?.held?.dismissed.includes(anaId));
      world.expectSurfaced(
        'nothing left held',
        ((await world.run(world.sync.held.list())) ?? ['?']).length === 0,
      );
      // Withings sends Ana's copy again (modified): it is not held again, and never reaches her Garmin.
      world.withings.updateGroup(theirs.groupIds[0] as string, { fatPercent: 18.2 });
      await world.settle();
      world.expectSurfaced(
        'not held again',
        ((await world.run(world.sync.held.list(ana.userId))) ?? ['?']).length === 0,
      );
      await world.run(world.sync.reconcile());
    },
  },
  ...budgetScenarios,
  ...queueScenarios,
  ...sqsScenarios,
];

const DAY_MINUTES = 24 * 60;

/** The world's intervals.icu simulator (the scenario asked for one with `options.intervals`). */
function intervalsOf(world: World): IntervalsSim {
  if (!world.intervals) throw new Error('this scenario needs options.intervals');
  return world.intervals;
}

/** Settles the world and answers the reports of the syncs that ran meanwhile. */
async function settledReports(world: World): Promise<SyncReport[]> {
  const before = world.reports.length;
  await world.settle();
  return world.reports.slice(before);
}

/** A report's failed entries of one destination. */
const forDestination = (report: SyncReport | undefined, destination: string) =>
  report && { failed: report.failed.filter((f) => f.destination === destination) };

/** How many times intervals.icu was written (PUTs it answered 2xx). */
const intervalsPuts = (world: World) =>
  intervalsOf(world).requests.filter((r) => r.method === 'PUT' && (r.status ?? 500) < 300).length;

/** Garmin's range answer with what nothing reads taken out: no BMI, a four-key nextDateWeight. */
function sparseRange(body: unknown): unknown {
  const range = body as Record<string, unknown> & {
    dailyWeightSummaries?: Array<
      Record<string, unknown> & { allWeightMetrics?: Array<Record<string, unknown>> }
    >;
  };
  for (const day of range.dailyWeightSummaries ?? []) {
    delete day.latestWeight;
    delete day.numOfWeightEntries;
    for (const entry of day.allWeightMetrics ?? []) {
      for (const unread of ['bmi', 'bodyWater', 'boneMass', 'physiqueRating', 'metabolicAge', 'weightDelta'])
        delete entry[unread];
    }
  }
  const previous = range.previousDateWeight as Record<string, unknown> | null | undefined;
  if (previous) delete previous.bmi;
  range.nextDateWeight = { samplePk: null, date: null, calendarDate: null, weight: null };
  delete range.totalAverage;
  return range;
}

/**
 * Serves the engine, then takes the deployment down while two weigh-ins are delivered: Withings
 * drops the subscription after the failed deliveries. The deployment stays down.
 */
async function dropSubscription(world: World, person: Person, weights: [number, number]) {
  const url = await world.serve();
  const withPublicUrl = world.engine({ publicUrl: url.replace(`/webhook/withings/${WEBHOOK_SECRET}`, '') });
  world.down = true;
  world.weighIn(person, { minutesAgo: 30, weightKg: weights[0] });
  world.weighIn(person, { minutesAgo: 20, weightKg: weights[1] });
  await world.withings.settled();
  world.expectSurfaced('Withings dropped it', world.withings.subscriptions(person.userId).length === 0);
  return { url, withPublicUrl };
}

function expectSubscribed(world: World, person: Person, url: string): void {
  world.expectSurfaced(
    'subscribed again',
    world.withings.subscriptions(person.userId).some((s) => s.callbackUrl === url),
  );
}

/** A notification body as Withings would send it (or a stranger who copied its shape). */
function notificationBodyFrom(userId: string, startDate?: number): string {
  const now = Math.floor(Date.now() / 1000);
  return `userid=${userId}&appli=1&startdate=${startDate ?? now - 600}&enddate=${now}`;
}

/** An appli-46 unlink notification as Withings documents it: no startdate/enddate. */
function unlinkBody(userId: string): string {
  return `userid=${userId}&appli=46&action=unlink`;
}
