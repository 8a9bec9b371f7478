import { describe, expect, it } from 'vitest';
import { type MeasureGroup, toWeighIns } from '../src/index.js';
import { clientFor, simWithUser } from './helpers.js';

const HOUR = 3600;

/** One weight-only group per attrib, an hour apart (so none merge), served by the simulator's getmeas. */
async function groupsWithAttribs(attribs: number[]) {
  const { sim, userId } = await simWithUser();
  const start = Math.floor(sim.clock.now().getTime() / 1000) - 24 * HOUR;
  const ids = new Map<number, string>();
  attribs.forEach((attrib, i) => {
    const id = sim.addGroup(userId, {
      attrib,
      date: start + i * HOUR,
      measures: [{ value: 7400 + i, type: 1, unit: -2 }],
    });
    ids.set(attrib, id);
  });
  const { client } = clientFor(sim, sim.issueTokens(userId));
  const { groups } = await client.getMeasures();
  return { groups, ids };
}

describe('toWeighIns and attributions Withings does not document for a scale', () => {
  it('the default [0, 3, 8] leaves out attrib 5, 7, 17, 99, -1 and 2^40 with reason attribution', async () => {
    const odd = [5, 7, 17, 99, -1, 2 ** 40];
    const { groups, ids } = await groupsWithAttribs([0, ...odd]);
    expect(groups.map((g) => g.attribution)).toEqual([0, ...odd]);
    const { weighIns, excluded } = toWeighIns(groups);
    expect(weighIns.map((w) => w.groupIds)).toEqual([[ids.get(0)]]);
    expect(excluded).toEqual(odd.map((attrib) => ({ groupId: ids.get(attrib), reason: 'attribution' })));
  });

  it('a set that includes 17 syncs the attrib-17 group and still leaves out the others', async () => {
    const { groups, ids } = await groupsWithAttribs([0, 5, 7, 17, 99]);
    const { weighIns, excluded } = toWeighIns(groups, { attributions: [0, 3, 8, 17] });
    expect(weighIns.map((w) => w.groupIds[0])).toEqual([ids.get(0), ids.get(17)]);
    expect(weighIns[1]).toMatchObject({ attributions: [17], weightKg: 74.03 });
    expect(excluded.map((e) => [e.groupId, e.reason])).toEqual([
      [ids.get(5), 'attribution'],
      [ids.get(7), 'attribution'],
      [ids.get(99), 'attribution'],
    ]);
  });

  it('1, 2 and 4 keep their own reasons; includeManual adds 2 but never 4', async () => {
    const { groups, ids } = await groupsWithAttribs([1, 2, 4]);
    expect(toWeighIns(groups).excluded.map((e) => e.reason)).toEqual(['ambiguous', 'manual', 'manual']);
    const manual = toWeighIns(groups, { includeManual: true });
    expect(manual.weighIns.map((w) => w.groupIds[0])).toEqual([ids.get(2)]);
    expect(manual.excluded.map((e) => e.groupId)).toEqual([ids.get(1), ids.get(4)]);
  });

  it('values no JSON integer reader would produce (2.5, NaN, Infinity) are left out, not thrown on', () => {
    const group = (groupId: string, attribution: number): MeasureGroup => ({
      groupId,
      attribution,
      takenAt: new Date(Date.UTC(2026, 2, 14, 7, Number(groupId))),
      createdAt: new Date(Date.UTC(2026, 2, 14, 8)),
      modifiedAt: new Date(Date.UTC(2026, 2, 14, 8)),
      category: 1,
      deviceId: 'scale',
      model: null,
      modelId: null,
      measures: [{ type: 1, value: 74.1 }],
    });
    const { weighIns, excluded } = toWeighIns([
      group('1', 2.5),
      group('2', Number.NaN),
      group('3', Number.POSITIVE_INFINITY),
      group('4', 0),
    ]);
    expect(weighIns.map((w) => w.groupIds)).toEqual([['4']]);
    expect(excluded).toEqual([
      { groupId: '1', reason: 'attribution' },
      { groupId: '2', reason: 'attribution' },
      { groupId: '3', reason: 'attribution' },
    ]);
  });
});
