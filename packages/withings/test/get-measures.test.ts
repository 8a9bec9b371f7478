import { describe, expect, it } from 'vitest';
import { WithingsApiError } from '../src/index.js';
import { calls, clientFor, simWithUser } from './helpers.js';

const day = (n: number) => new Date(Date.UTC(2026, 10, n, 6, 30, 0));

describe('WithingsClient.getMeasures', () => {
  it('decodes groups (value × 10^unit) and keeps ids, instants, device and model', async () => {
    const { sim, userId } = await simWithUser();
    sim.addWeighIn(userId, { takenAt: day(20), weightKg: 81.37, fatPercent: 21.5, arrivedAt: day(21) });
    const { client } = clientFor(sim, sim.issueTokens(userId));
    const { groups, timeZone, updateTime } = await client.getMeasures();
    expect(timeZone).toBe('Europe/Berlin');
    expect(Math.abs(updateTime.getTime() - Date.now())).toBeLessThan(5000);
    expect(groups).toHaveLength(1);
    const [group] = groups;
    expect(group).toMatchObject({
      attribution: 0,
      takenAt: day(20),
      createdAt: day(21),
      modifiedAt: day(21),
      category: 1,
      model: 'Body Comp',
      modelId: 18,
    });
    expect(group?.groupId).toMatch(/^\d+$/);
    expect(group?.deviceId).toMatch(/^[0-9a-f]{40}$/);
    expect(group?.measures).toEqual([
      { type: 1, value: 81.37 },
      { type: 6, value: 21.5 },
    ]);
  });

  it('follows more/offset across every page in order', async () => {
    const { sim, userId } = await simWithUser({ pageSize: 2 });
    for (let n = 1; n <= 5; n += 1) sim.addWeighIn(userId, { takenAt: day(n), weightKg: 80 + n / 10 });
    const { client } = clientFor(sim, sim.issueTokens(userId));
    const { groups } = await client.getMeasures();
    expect(groups.map((g) => g.measures[0]?.value)).toEqual([80.1, 80.2, 80.3, 80.4, 80.5]);
    expect(calls(sim, '/measure').map((r) => new URLSearchParams(r.body).get('offset'))).toEqual([
      null,
      '2',
      '4',
    ]);
  });

  it('accepts more as a boolean', async () => {
    const { sim, userId } = await simWithUser({ pageSize: 1, moreAsBoolean: true });
    sim.addWeighIn(userId, { takenAt: day(1), weightKg: 80 });
    sim.addWeighIn(userId, { takenAt: day(2), weightKg: 81 });
    const { client } = clientFor(sim, sim.issueTokens(userId));
    expect((await client.getMeasures()).groups).toHaveLength(2);
  });

  it('a page that says more but does not advance is UPSTREAM, not a loop', async () => {
    const { sim, userId } = await simWithUser({ pageSize: 1 });
    sim.addWeighIn(userId, { takenAt: day(1), weightKg: 80 });
    sim.faults.add('non-advancing-page', 10, '/measure');
    const { client } = clientFor(sim, sim.issueTokens(userId));
    const error = await client.getMeasures().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WithingsApiError);
    expect(error).toMatchObject({ code: 'UPSTREAM' });
    expect((error as Error).message).toMatch(/does not advance/);
    expect(calls(sim, '/measure')).toHaveLength(1);
  });

  it('stops after maxPages pages with UPSTREAM', async () => {
    const { sim, userId } = await simWithUser({ pageSize: 1 });
    for (let n = 1; n <= 4; n += 1) sim.addWeighIn(userId, { takenAt: day(n), weightKg: 80 });
    const { client } = clientFor(sim, sim.issueTokens(userId), { maxPages: 3 });
    await expect(client.getMeasures()).rejects.toMatchObject({
      code: 'UPSTREAM',
      message: expect.stringMatching(/3 pages/),
    });
    expect(calls(sim, '/measure')).toHaveLength(3);
  });

  it('lastUpdate returns late arrivals: an old measurement that reached Withings after the cursor', async () => {
    const { sim, userId } = await simWithUser();
    sim.clock.set(day(10));
    sim.addWeighIn(userId, { takenAt: day(9), weightKg: 80 });
    const { client } = clientFor(sim, sim.issueTokens(userId));
    const first = await client.getMeasures({ lastUpdate: day(1) });
    expect(first.groups).toHaveLength(1);
    sim.clock.set(day(12));
    sim.addWeighIn(userId, { takenAt: day(3), weightKg: 79.5 }); // measured on day 3, uploaded on day 12
    const second = await client.getMeasures({ lastUpdate: first.updateTime });
    expect(second.groups.map((g) => g.takenAt)).toEqual([day(3)]);
  });

  it('sends category, dates and types as Withings expects', async () => {
    const { sim, userId } = await simWithUser();
    sim.addWeighIn(userId, { takenAt: day(5), weightKg: 80, fatPercent: 20 });
    sim.addWeighIn(userId, { takenAt: day(8), weightKg: 81 });
    const { client } = clientFor(sim, sim.issueTokens(userId));
    const { groups } = await client.getMeasures({ startDate: day(4), endDate: day(6), types: [1] });
    expect(groups).toHaveLength(1);
    expect(groups[0]?.measures).toEqual([{ type: 1, value: 80 }]);
    const sent = new URLSearchParams(calls(sim, '/measure')[0]?.body);
    expect(Object.fromEntries(sent)).toEqual({
      action: 'getmeas',
      category: '1',
      startdate: String(day(4).getTime() / 1000),
      enddate: String(day(6).getTime() / 1000),
      meastypes: '1',
    });
    expect(calls(sim, '/measure')[0]?.headers['content-type']).toBe('application/x-www-form-urlencoded');
  });

  it('keeps unknown measure types and unknown attributions', async () => {
    const { sim, userId } = await simWithUser();
    sim.addGroup(userId, {
      date: day(3).getTime() / 1000,
      attrib: 42,
      measures: [
        { value: 9000, type: 999, unit: -2 },
        { value: 80000, type: 1, unit: -3, position: 7 },
      ],
    });
    const { client } = clientFor(sim, sim.issueTokens(userId));
    const [group] = (await client.getMeasures()).groups;
    expect(group?.attribution).toBe(42);
    expect(group?.measures).toEqual([
      { type: 999, value: 90 },
      { type: 1, value: 80, position: 7 },
    ]);
  });

  it('refuses an invalid Date before calling Withings', async () => {
    const { sim, userId } = await simWithUser();
    const { client } = clientFor(sim, sim.issueTokens(userId));
    await expect(client.getMeasures({ lastUpdate: new Date('nope') })).rejects.toMatchObject({
      code: 'INVALID_PARAMS',
    });
    expect(calls(sim, '/measure')).toHaveLength(0);
  });
});
