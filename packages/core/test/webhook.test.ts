import { WithingsClient } from '@wg-sync/withings';
import { describe, expect, it } from 'vitest';
import { harness, minutesAgo, notificationRequest, serveHandler } from './harness.js';

async function until(check: () => boolean | Promise<boolean>, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('webhook → upload, end to end over loopback', () => {
  it('Withings notifies the served handler, which syncs the weigh-in into Garmin', async () => {
    const h = await harness();
    const server = await serveHandler(h.sync);
    const tokens = h.withings.issueTokens(h.userId);
    const client = new WithingsClient({
      clientId: h.withings.clientId,
      clientSecret: h.withings.clientSecret,
      baseUrl: h.withings.url,
      tokens,
    });
    await client.notify.subscribe({ callbackUrl: `${server.url}/webhook/withings`, appli: 1 });
    h.withings.addWeighIn(h.userId, {
      takenAt: minutesAgo(1),
      weightKg: 79.9,
      fatPercent: 19.5,
      layout: 'body-cardio',
      heartRate: 61,
    });
    await h.withings.settled();
    expect(h.withings.deliveries[0]).toMatchObject({ delivered: true });
    expect(h.withings.deliveries[0]?.attempts[0]?.status).toBe(200);
    await until(() => h.garmin.weighIns(h.email).length === 1);
    expect(h.garmin.weighIns(h.email)[0]).toMatchObject({ weight: 79900, bodyFat: 19.5 });
  });

  it('answers 200 before upstream work when the adapter passes waitUntil', async () => {
    const h = await harness();
    h.garmin.latencyMs = 400; // a slow Garmin
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(2), weightKg: 80.2, notify: false });
    const background: Promise<unknown>[] = [];
    const garminBefore = h.garmin.requests.length;
    const response = await h.sync.handler(
      notificationRequest(
        `userid=${h.userId}&appli=1&startdate=${Math.floor(Date.now() / 1000) - 200}&enddate=${Math.floor(Date.now() / 1000)}`,
      ),
      { waitUntil: (p) => void background.push(p) },
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'accepted' });
    expect(h.garmin.requests).toHaveLength(garminBefore); // answered before Garmin was called
    await Promise.all(background);
    expect(h.garmin.weighIns(h.email)).toHaveLength(1);
    expect(await h.store.get(`pending/${h.userId}`)).toBeUndefined(); // drained
  });

  it('hands the notification to ctx.defer (the Lambda queue) and stores it as pending', async () => {
    const h = await harness();
    const deferred: unknown[] = [];
    const response = await h.sync.handler(
      notificationRequest(`userid=${h.userId}&appli=1&startdate=1741588937&enddate=1741588938`),
      {
        defer: async (n) => void deferred.push(n),
      },
    );
    expect(await response.json()).toEqual({ status: 'accepted' });
    expect(deferred).toEqual([
      { userId: h.userId, appli: 1, startDate: new Date(1741588937000), endDate: new Date(1741588938000) },
    ]);
    expect(await h.store.get(`pending/${h.userId}`)).toMatchObject({
      value: { since: 1741588937, count: 1 },
    });
    expect(h.withings.requests).toHaveLength(0);
  });

  it('10 concurrent notifications for one user make one upload', async () => {
    const h = await harness();
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(3), weightKg: 84.4, notify: false });
    h.withings.latencyMs = 30;
    const now = Math.floor(Date.now() / 1000);
    const body = `userid=${h.userId}&appli=1&startdate=${now - 300}&enddate=${now}`;
    const background: Promise<unknown>[] = [];
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        h.sync.handler(notificationRequest(body), { waitUntil: (p) => void background.push(p) }),
      ),
    );
    expect(responses.every((r) => r.status === 200)).toBe(true);
    await Promise.all(background);
    expect(h.garmin.uploads()).toHaveLength(1);
    expect(h.garmin.weighIns(h.email)).toHaveLength(1);
  });

  it('the same notification delivered three times syncs once', async () => {
    const h = await harness();
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(3), weightKg: 71.1, notify: false });
    const now = Math.floor(Date.now() / 1000);
    for (let i = 0; i < 3; i += 1) {
      const response = await h.sync.handler(
        notificationRequest(`userid=${h.userId}&appli=1&startdate=${now - 300}&enddate=${now}`),
      );
      expect(response.status).toBe(200);
    }
    expect(h.garmin.weighIns(h.email)).toHaveLength(1);
  });

  it('answers every well-formed notification the same, costing nothing for unknown users and other applis', async () => {
    const h = await harness();
    const garminBefore = h.garmin.requests.length;
    const unknown = await h.sync.handler(notificationRequest('userid=999&appli=1&startdate=1&enddate=2'));
    const sleep = await h.sync.handler(
      notificationRequest(`userid=${h.userId}&appli=44&startdate=1&enddate=2`),
    );
    const update = await h.sync.handler(
      notificationRequest(`userid=${h.userId}&appli=46&action=update&startdate=1&enddate=2`),
    );
    // Whether a user id is linked is not a stranger's to learn: same status, same body.
    for (const answer of [unknown, sleep, update]) {
      expect(answer.status).toBe(200);
      expect(await answer.text()).toBe('{"status":"accepted"}');
    }
    expect(h.withings.requests).toHaveLength(0);
    expect(h.garmin.requests).toHaveLength(garminBefore);
    expect(await h.store.get(`pending/999`)).toBeUndefined();
    const reasons = h.logs.filter((l) => l.includes('webhook.ignored')).map((l) => JSON.parse(l).reason);
    expect(reasons).toEqual(['unknown user', 'appli not synced', 'appli 46 action update']);
  });

  it('a forged unlink (Withings still accepts the token) changes nothing: the account keeps syncing', async () => {
    const h = await harness();
    const now = Math.floor(Date.now() / 1000);
    const response = await h.sync.handler(
      notificationRequest(`userid=${h.userId}&appli=46&action=unlink&startdate=${now}&enddate=${now}`),
    );
    expect(await response.json()).toEqual({ status: 'accepted' });
    expect(h.alerts).toEqual([]);
    expect((await h.sync.accounts.list())[0]?.unlinkedAt).toBeUndefined();
    expect(h.logs.some((l) => l.includes('webhook.unlink.unconfirmed'))).toBe(true);
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(1), weightKg: 77.1, notify: false });
    expect((await h.sync.syncRecent()).synced).toHaveLength(1);
    expect(h.garmin.weighIns(h.email)).toHaveLength(1);
  });

  it('a real unlink (Withings refuses the token) stops the account and raises UNLINKED once', async () => {
    const h = await harness();
    h.withings.unlink(h.userId);
    const now = Math.floor(Date.now() / 1000);
    const response = await h.sync.handler(
      notificationRequest(`userid=${h.userId}&appli=46&action=unlink&startdate=${now}&enddate=${now}`),
    );
    expect(await response.json()).toEqual({ status: 'accepted' });
    expect(h.alerts.map((a) => a.type)).toEqual(['UNLINKED']);
    expect((await h.sync.accounts.list())[0]?.unlinkedAt).toBeDefined();
    expect(await h.store.get(`pending/${h.userId}`)).toBeUndefined();
    const calls = h.withings.requests.length;
    const after = await h.sync.handler(
      notificationRequest(`userid=${h.userId}&appli=1&startdate=${now}&enddate=${now}`),
    );
    expect(await after.json()).toEqual({ status: 'accepted' });
    expect(h.withings.requests).toHaveLength(calls); // an unlinked account costs nothing
  });
});
