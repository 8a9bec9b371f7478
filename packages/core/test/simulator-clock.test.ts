import { linkedWorld, minutesAgo } from '@wg-sync/test-support';
import { createClock, type RecordedRequest } from '@wg-sync/testkit';
import { describe, expect, it } from 'vitest';

// A fixed instant, far from today's date: if any part of the world still read the wall clock, tokens,
// read windows and TTLs would disagree and these tests would fail.
const START = new Date('2031-03-14T07:30:00.000Z');
const ACCESS_TOKEN_TTL_MS = 10_800_000; // the simulator's (and Withings') 3 hours

const isRefresh = (request: RecordedRequest) =>
  request.path === '/v2/oauth2' && new URLSearchParams(request.body).get('grant_type') === 'refresh_token';
const bearerOf = (request: RecordedRequest) => request.headers.authorization?.replace(/^Bearer /, '');

describe('the shared simulator clock', () => {
  it('moved past the Withings access token expiry, makes the next sync refresh the token once, before using it', async () => {
    const clock = createClock(START);
    const world = await linkedWorld({ clock });
    const linked = await world.store.get<{ accessToken: string }>(`withings/${world.userId}/tokens`);
    const oldToken = linked?.value.accessToken ?? '';
    world.withings.addWeighIn(world.userId, { takenAt: minutesAgo(5, clock), weightKg: 80.2 });
    expect((await world.sync.syncRecent()).synced).toHaveLength(1);
    expect(world.withings.requests.filter(isRefresh)).toHaveLength(0);

    clock.advance(ACCESS_TOKEN_TTL_MS + 60_000);
    expect(world.withings.isAccessTokenValid(oldToken)).toBe(false);
    world.withings.addWeighIn(world.userId, { takenAt: minutesAgo(5, clock), weightKg: 80.0 });
    const seen = world.withings.requests.length;
    const report = await world.sync.syncRecent();

    expect(report.failed).toEqual([]);
    expect(report.synced).toHaveLength(1);
    const after = world.withings.requests.slice(seen);
    expect(after.filter(isRefresh)).toHaveLength(1);
    // The engine knew the token had expired by the same clock: it never sent the dead one.
    expect(after.filter((request) => bearerOf(request) === oldToken)).toEqual([]);
    expect(after.filter((request) => request.status === 401)).toEqual([]);
    // The new expiry is counted from the moved clock, not from the wall clock.
    const stored = await world.store.get<{ accessToken: string; expiresAt: string }>(
      `withings/${world.userId}/tokens`,
    );
    expect(stored?.value.accessToken).not.toBe(oldToken);
    expect(stored?.value.expiresAt).toBe(new Date(clock.now().getTime() + ACCESS_TOKEN_TTL_MS).toISOString());
  });

  it.each(['memory', 'file'] as const)(
    "lets another process's lease in a %s store expire when the clock passes its TTL",
    async (kind) => {
      const clock = createClock(START);
      const world = await linkedWorld({ clock, store: kind, config: { leaseSeconds: 60 } });
      world.withings.addWeighIn(world.userId, { takenAt: minutesAgo(5, clock), weightKg: 77.1 });
      await world.store.put(`lock/${world.userId}`, { owner: 'crashed-process' }, { ttlSeconds: 60 });

      expect(await world.sync.syncRecent()).toMatchObject({ coalesced: true, synced: [] });
      clock.advance(59_000);
      expect(await world.sync.syncRecent()).toMatchObject({ coalesced: true, synced: [] });
      expect(world.garmin.uploads()).toHaveLength(0);

      clock.advance(2_000);
      const report = await world.sync.syncRecent();
      expect(report.coalesced).toBe(false);
      expect(report.synced).toHaveLength(1);
      expect(world.garmin.weighIns(world.email)).toHaveLength(1);
    },
  );
});
