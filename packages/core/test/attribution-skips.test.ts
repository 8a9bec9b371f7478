import { describe, expect, it } from 'vitest';
import { loadConfigFromEnv } from '../src/index.js';
import { harness } from './harness.js';

const HOUR_S = 3600;

/** Weight-only groups with the given attribs, an hour apart (none merge), stored in the Withings simulator. */
function addGroups(h: Awaited<ReturnType<typeof harness>>, attribs: number[]) {
  const start = Math.floor(Date.now() / 1000) - 12 * HOUR_S;
  return new Map(
    attribs.map((attrib, i) => [
      attrib,
      h.withings.addGroup(h.userId, {
        attrib,
        date: start + i * HOUR_S,
        measures: [{ value: 7410 + i * 10, type: 1, unit: -2 }],
      }),
    ]),
  );
}

describe('attributions outside the synced set are reported, never a failure', () => {
  it('default config: attrib 5, 7, 17, 99, -1 and 2^40 are skipped with reason attribution', async () => {
    const h = await harness();
    const odd = [5, 7, 17, 99, -1, 2 ** 40];
    const ids = addGroups(h, [0, ...odd]);
    const report = await h.sync.syncRecent();
    expect(report.failed).toEqual([]);
    expect(report.synced.map((s) => s.groupIds)).toEqual([[ids.get(0)]]);
    expect(report.skipped.map((s) => [s.groupIds, s.reason])).toEqual(
      odd.map((attrib) => [[ids.get(attrib)], 'attribution']),
    );
    expect(report.skipped.every((s) => typeof s.takenAt === 'string')).toBe(true);
    expect(h.garmin.weighIns(h.email)).toHaveLength(1);
  });

  it('WG_SYNC_ATTRIBUTIONS=0,3,8,17 syncs the attrib-17 weigh-in and still skips the rest', async () => {
    const { attributions } = loadConfigFromEnv({
      WITHINGS_CLIENT_ID: 'cid',
      WITHINGS_CLIENT_SECRET: 'super-secret-value-123',
      WG_SYNC_ATTRIBUTIONS: '0,3,8,17',
    });
    expect(attributions).toEqual([0, 3, 8, 17]);
    const h = await harness({ config: { attributions } });
    const ids = addGroups(h, [5, 7, 17, 99]);
    const report = await h.sync.syncRecent();
    expect(report.failed).toEqual([]);
    expect(report.synced).toMatchObject([{ groupIds: [ids.get(17)], weightKg: 74.3 }]);
    expect(report.skipped.map((s) => [s.groupIds[0], s.reason])).toEqual([
      [ids.get(5), 'attribution'],
      [ids.get(7), 'attribution'],
      [ids.get(99), 'attribution'],
    ]);
    expect(h.garmin.weighIns(h.email)).toMatchObject([{ weight: expect.any(Number) }]);
  });

  it('a blood-pressure group with attrib 17 (where it was seen) is skipped by default and synced once 17 is in the set', async () => {
    const bp = { takenAt: new Date(Date.now() - 30 * 60_000), systolic: 121, diastolic: 79, heartRate: 64 };
    const byDefault = await harness({ config: { bloodPressure: true } });
    const [groupId] = byDefault.withings.addBloodPressure(byDefault.userId, {
      ...bp,
      notify: false,
    }).groupIds;
    byDefault.withings.updateGroup(groupId as string, { attrib: 17 }, false);
    const skipped = await byDefault.sync.syncRecent();
    expect(skipped.synced).toEqual([]);
    expect(skipped.skipped).toMatchObject([{ groupIds: [groupId], reason: 'attribution' }]);

    const with17 = await harness({ config: { bloodPressure: true, attributions: [0, 3, 8, 17] } });
    const [id17] = with17.withings.addBloodPressure(with17.userId, { ...bp, notify: false }).groupIds;
    with17.withings.updateGroup(id17 as string, { attrib: 17 }, false);
    const synced = await with17.sync.syncRecent();
    expect(synced.synced).toMatchObject([
      { groupIds: [id17], bloodPressure: { systolic: 121, diastolic: 79, pulse: 64 } },
    ]);
    expect(with17.garmin.bloodPressures(with17.email)).toHaveLength(1);
  });
});
