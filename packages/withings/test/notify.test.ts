import { type SimHttpServer, startHttpServer } from '@wg-sync/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { parseNotification, WithingsApiError } from '../src/index.js';
import { calls, clientFor, simWithUser } from './helpers.js';

let callback: SimHttpServer | undefined;
afterEach(async () => {
  await callback?.close();
  callback = undefined;
});

/** A webhook endpoint on loopback that answers like a healthy wg-sync handler (or not). */
async function webhookEndpoint(status = 200) {
  callback = await startHttpServer(() => new Response(null, { status }));
  return { server: callback, url: `${callback.url}/webhook/withings/7f3a9c1e5b2d8f4a` };
}

describe('notify', () => {
  it('subscribe performs Withings’ HEAD check, then list/get show the subscription and revoke removes it', async () => {
    const { sim, userId } = await simWithUser();
    const { server, url } = await webhookEndpoint();
    const { client } = clientFor(sim, sim.issueTokens(userId));
    await client.notify.subscribe({ callbackUrl: url, appli: 1, comment: 'wg-sync' });
    expect(server.requests.map((r) => [r.method, r.path])).toEqual([
      ['HEAD', '/webhook/withings/7f3a9c1e5b2d8f4a'],
    ]);
    expect(await client.notify.list()).toEqual([
      { appli: 1, callbackUrl: url, comment: 'wg-sync', expiresAt: null },
    ]);
    expect(await client.notify.list({ appli: 4 })).toEqual([]);
    expect(await client.notify.get({ callbackUrl: url })).toEqual({
      appli: 1,
      callbackUrl: url,
      comment: 'wg-sync',
      expiresAt: null,
    });
    await client.notify.revoke({ callbackUrl: url, appli: 1 });
    expect(await client.notify.list()).toEqual([]);
    const sent = calls(sim, '/notify').map((r) => Object.fromEntries(new URLSearchParams(r.body)));
    expect(sent[0]).toEqual({ action: 'subscribe', callbackurl: url, appli: '1', comment: 'wg-sync' });
  });

  it('a callback that fails the HEAD check is CALLBACK_UNREACHABLE (293), without the secret path', async () => {
    const { sim, userId } = await simWithUser();
    const { url } = await webhookEndpoint(404);
    const { client } = clientFor(sim, sim.issueTokens(userId));
    const error = (await client.notify
      .subscribe({ callbackUrl: url })
      .catch((e: unknown) => e)) as WithingsApiError;
    expect(error).toBeInstanceOf(WithingsApiError);
    expect(error.code).toBe('CALLBACK_UNREACHABLE');
    expect(error.status).toBe(293);
    expect(error.message).toMatch(/HEAD request with 2xx/);
    expect(error.message).not.toContain('7f3a9c1e5b2d8f4a');
    expect(String((error.cause as Error).message)).not.toContain('7f3a9c1e5b2d8f4a');
    expect(await client.notify.list()).toEqual([]);
  });

  it('a callback nobody listens on is CALLBACK_UNREACHABLE', async () => {
    const { sim, userId } = await simWithUser();
    const { server, url } = await webhookEndpoint();
    await server.close();
    const { client } = clientFor(sim, sim.issueTokens(userId));
    await expect(client.notify.subscribe({ callbackUrl: url })).rejects.toMatchObject({
      code: 'CALLBACK_UNREACHABLE',
    });
  });

  it('with strict rules, an http or loopback callback is refused as Withings does', async () => {
    const { sim, userId } = await simWithUser({ strictCallbackUrls: true });
    const { url } = await webhookEndpoint();
    const { client } = clientFor(sim, sim.issueTokens(userId));
    await expect(client.notify.subscribe({ callbackUrl: url })).rejects.toMatchObject({
      code: 'CALLBACK_UNREACHABLE',
    });
  });

  it('get or revoke of an unknown subscription is INVALID_PARAMS', async () => {
    const { sim, userId } = await simWithUser();
    const { client } = clientFor(sim, sim.issueTokens(userId));
    await expect(client.notify.get({ callbackUrl: 'https://x.example/h' })).rejects.toMatchObject({
      code: 'INVALID_PARAMS',
    });
    await expect(client.notify.revoke({ callbackUrl: 'https://x.example/h' })).rejects.toMatchObject({
      code: 'INVALID_PARAMS',
    });
  });

  it('a new weigh-in is POSTed to the callback as a form that parseNotification accepts', async () => {
    const { sim, userId } = await simWithUser();
    const { server, url } = await webhookEndpoint();
    const { client } = clientFor(sim, sim.issueTokens(userId));
    await client.notify.subscribe({ callbackUrl: url });
    const takenAt = new Date('2026-11-20T06:31:07Z');
    sim.addWeighIn(userId, { takenAt, weightKg: 81.4 });
    await sim.settled();
    const post = server.requests.find((r) => r.method === 'POST');
    expect(post?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(parseNotification(post?.body ?? '')).toEqual({
      userId,
      appli: 1,
      startDate: takenAt,
      endDate: new Date(takenAt.getTime() + 1000),
    });
    expect(sim.deliveries).toMatchObject([{ delivered: true, appli: 1, callbackUrl: url }]);
  });

  it('drops a subscription after repeated failed deliveries, as Withings does', async () => {
    const { sim, userId } = await simWithUser({ delivery: { retryDelaysMs: [0, 0], dropAfterFailures: 2 } });
    const { server, url } = await webhookEndpoint();
    const { client } = clientFor(sim, sim.issueTokens(userId));
    await client.notify.subscribe({ callbackUrl: url });
    await server.close(); // the endpoint goes down
    sim.addWeighIn(userId, { takenAt: new Date('2026-11-20T06:00:00Z'), weightKg: 80 });
    await sim.settled();
    expect(await client.notify.list()).toHaveLength(1);
    sim.addWeighIn(userId, { takenAt: new Date('2026-11-21T06:00:00Z'), weightKg: 80 });
    await sim.settled();
    expect(await client.notify.list()).toEqual([]);
    expect(sim.deliveries.map((d) => [d.delivered, d.attempts.length])).toEqual([
      [false, 2],
      [false, 2],
    ]);
  });
});
