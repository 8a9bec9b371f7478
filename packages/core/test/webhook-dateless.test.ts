import { startHttpServer } from '@wg-sync/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import type { HandlerContext } from '../src/index.js';
import type { PendingRecord } from '../src/store/state.js';
import { harness, minutesAgo, serveHandler } from './harness.js';

// Withings documents appli 46 (unlink) and 50/51 (in / out of bed) without startdate/enddate
// (protocol §5.3, §12). They reach the handler over HTTP, as Withings would deliver them.
const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const post = (url: string, body: string) =>
  fetch(`${url}/webhook/withings`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });

type Deferred = Parameters<NonNullable<HandlerContext['defer']>>[0];

/** The handler behind a queueing adapter (like the Lambda one): it acknowledges and defers, never syncs inline. */
async function queueingServer(h: Awaited<ReturnType<typeof harness>>) {
  const deferred: Deferred[] = [];
  const server = await startHttpServer((request) =>
    h.sync.handler(request, { defer: async (n) => void deferred.push(n) }),
  );
  servers.push(server);
  return { url: server.url, deferred };
}

describe('a dateless appli-46 unlink', () => {
  it('is accepted, recorded as a pending unlink, and the next sync confirms it (Withings refuses the token)', async () => {
    const h = await harness();
    const { url, deferred } = await queueingServer(h);
    h.withings.unlink(h.userId);
    const before = h.withings.requests.length;

    const answer = await post(url, `userid=${h.userId}&appli=46&action=unlink&date=2026-12-01`);
    expect(answer.status).toBe(200);
    expect(await answer.text()).toBe('{"status":"accepted"}');
    expect(h.withings.requests).toHaveLength(before); // acknowledging costs no upstream call
    const pending = (await h.store.get<PendingRecord>(`pending/${h.userId}`))?.value;
    expect(pending?.unlinkReportedAt).toEqual(expect.any(String));
    // The queued notification carries the receipt time as its window: the queue's format needs one.
    expect(deferred).toHaveLength(1);
    expect(deferred[0]).toMatchObject({ userId: h.userId, appli: 46, action: 'unlink' });
    expect(deferred[0]?.startDate).toBeInstanceOf(Date);
    expect(deferred[0]?.startDate.getTime()).toBe(deferred[0]?.endDate.getTime());

    const report = await h.sync.syncRecent();
    expect(report.failed.map((f) => f.code)).toEqual(['UNLINKED']);
    expect(h.alerts.map((a) => a.type)).toEqual(['UNLINKED']);
    expect((await h.sync.accounts.list())[0]?.unlinkedAt).toBeDefined();
    expect(await h.store.get(`pending/${h.userId}`)).toBeUndefined();
  });

  it('a forged one (Withings still accepts the token) is checked by the next sync and changes nothing', async () => {
    const h = await harness();
    const { url } = await queueingServer(h);
    const answer = await post(url, `userid=${h.userId}&appli=46&action=unlink`);
    expect(await answer.text()).toBe('{"status":"accepted"}');
    expect((await h.store.get<PendingRecord>(`pending/${h.userId}`))?.value.unlinkReportedAt).toBeDefined();

    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(1), weightKg: 77.1, notify: false });
    const report = await h.sync.syncRecent();
    expect(report.synced).toHaveLength(1);
    expect(h.alerts).toEqual([]);
    expect((await h.sync.accounts.list())[0]?.unlinkedAt).toBeUndefined();
    expect(h.logs.some((l) => l.includes('webhook.unlink.unconfirmed'))).toBe(true);
    expect(await h.store.get(`pending/${h.userId}`)).toBeUndefined();
  });

  it('served without a queue, the sync it starts confirms the unlink before the answer', async () => {
    const h = await harness();
    const server = await serveHandler(h.sync);
    h.withings.unlink(h.userId);
    const answer = await post(server.url, `userid=${h.userId}&appli=46&action=unlink`);
    expect(await answer.text()).toBe('{"status":"accepted"}');
    expect(h.alerts.map((a) => a.type)).toEqual(['UNLINKED']);
    expect((await h.sync.accounts.list())[0]?.unlinkedAt).toBeDefined();
  });
});

describe('dateless appli 50 / 51 (in and out of bed)', () => {
  it.each([50, 51])(
    'appli %i is accepted and costs nothing: no sync, no upstream call, no write',
    async (appli) => {
      const h = await harness();
      const { url, deferred } = await queueingServer(h);
      const upstream = () => h.withings.requests.length + h.garmin.requests.length;
      const state = async () => (await h.store.list('')).map((e) => `${e.key}@${e.version}`).join(',');
      const [upstreamBefore, stateBefore] = [upstream(), await state()];

      for (const body of [
        `userid=${h.userId}&appli=${appli}`,
        `userid=${h.userId}&appli=${appli}&date=1764576000&deviceid=a1b2c3d4e5f60718`,
        `userid=424242&appli=${appli}`,
      ]) {
        const answer = await post(url, body);
        expect(answer.status).toBe(200);
        expect(await answer.text()).toBe('{"status":"accepted"}');
      }
      await h.sync.flush();
      expect(deferred).toEqual([]);
      expect(upstream()).toBe(upstreamBefore);
      expect(await state()).toBe(stateBefore);
      expect(h.garmin.weighIns(h.email)).toEqual([]);
      const reasons = h.logs.filter((l) => l.includes('webhook.ignored')).map((l) => JSON.parse(l).reason);
      expect(reasons).toEqual(['appli not synced', 'appli not synced', 'unknown user']);
    },
  );

  it('a dateless appli 1 is still refused (400 MISSING_FIELD) with no side effect', async () => {
    const h = await harness();
    const { url, deferred } = await queueingServer(h);
    const answer = await post(url, `userid=${h.userId}&appli=1`);
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({ error: { code: 'MISSING_FIELD' } });
    expect(deferred).toEqual([]);
    expect(await h.store.get(`pending/${h.userId}`)).toBeUndefined();
  });
});
