import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type MeasureGroup, toWeighIns, WithingsClient } from '../src/index.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

/** Decodes fixture getmeas pages through the client: an injected fetch serves them in order. */
async function groupsOf(...pages: string[]): Promise<MeasureGroup[]> {
  const bodies = pages.map(fixture);
  const client = new WithingsClient({
    clientId: 'c',
    clientSecret: 's',
    tokens: {
      userId: '1',
      accessToken: 'a',
      refreshToken: 'r',
      expiresAt: new Date(Date.now() + 3600_000),
      scope: [],
    },
    fetch: async () => new Response(bodies.shift()),
  });
  return (await client.getMeasures()).groups;
}

describe('toWeighIns on fixture payloads', () => {
  it('Body Cardio: three split groups become one weigh-in with body composition and hydration in percent', async () => {
    const { weighIns, excluded } = toWeighIns(await groupsOf('getmeas_body_cardio_split_groups.json'));
    expect(excluded).toEqual([]);
    expect(weighIns).toHaveLength(1);
    const [w] = weighIns;
    expect(w).toMatchObject({
      takenAt: new Date(1766822291 * 1000),
      groupIds: ['7215530482', '7215530517', '7215530569'],
      weightKg: 91.65,
      fatPercent: 21.189,
      fatMassKg: 19.42,
      fatFreeMassKg: 72.23,
      muscleMassKg: 68.76,
      hydrationKg: 52.94,
      boneMassKg: 3.47,
      heartRate: 64,
      pulseWaveVelocity: 8.1,
      model: 'Body Cardio',
      attributions: [0, 8],
    });
    expect(w?.hydrationPercent).toBeCloseTo((52.94 / 91.65) * 100, 10);
  });

  it('Body Scan: whole-body values win over segmental ones and repeated types count once', async () => {
    const { weighIns, excluded } = toWeighIns(await groupsOf('getmeas_body_scan_full_composition.json'));
    expect(excluded).toEqual([]);
    expect(weighIns).toHaveLength(1);
    expect(weighIns[0]).toMatchObject({
      groupIds: ['7391024736', '7391024711', '7391024784'],
      weightKg: 78.41,
      fatFreeMassKg: 61.27,
      fatMassKg: 17.14,
      muscleMassKg: 58.15,
      hydrationKg: 44.86,
      boneMassKg: 3.12,
      visceralFatIndex: 6.4,
      basalMetKcal: 1712,
      fatPercent: 21.859,
      heartRate: 71,
    });
  });

  it('an ambiguous (attrib 1) group is excluded; a manual one too unless asked for', async () => {
    const groups = await groupsOf('getmeas_ambiguous_attrib1.json');
    const { weighIns, excluded } = toWeighIns(groups);
    expect(weighIns.map((w) => w.groupIds)).toEqual([['7502119058']]);
    expect(excluded).toEqual(
      expect.arrayContaining([
        { groupId: '7502118934', reason: 'ambiguous' },
        { groupId: '7449607312', reason: 'ambiguous' },
        { groupId: '7418850276', reason: 'manual' },
      ]),
    );
    const withManual = toWeighIns(groups, { includeManual: true });
    expect(withManual.weighIns.map((w) => w.groupIds[0])).toEqual(['7418850276', '7502119058']);
    expect(withManual.weighIns[0]).toMatchObject({ deviceId: null, weightKg: 80.38 });
  });

  it('the same group returned twice (attrib 0 and 8) is one weigh-in', async () => {
    const { weighIns } = toWeighIns(await groupsOf('getmeas_same_group_twice.json'));
    expect(weighIns).toHaveLength(1);
    expect(weighIns[0]).toMatchObject({ groupIds: ['6983301265'], weightKg: 74.218 });
  });

  it('two pages: a weight-only weigh-in stays weight-only (never borrows composition)', async () => {
    const groups = await groupsOf('getmeas_page1_more.json', 'getmeas_page2_last.json');
    expect(groups).toHaveLength(5);
    const { weighIns, excluded } = toWeighIns(groups);
    expect(excluded).toEqual([{ groupId: '7598104477', reason: 'manual' }]);
    expect(weighIns.map((w) => w.groupIds)).toEqual([
      ['7595520913'],
      ['7601937468'],
      ['7608842150', '7608842151'],
    ]);
    const weightOnly = weighIns[0];
    expect(Object.keys(weightOnly ?? {}).sort()).toEqual(
      ['attributions', 'deviceId', 'groupIds', 'model', 'modifiedAt', 'takenAt', 'weightKg'].sort(),
    );
    expect(weighIns[2]).toMatchObject({ weightKg: 76.84, visceralFatIndex: 6, heartRate: 58 });
  });
});

describe('toWeighIns rules', () => {
  const at = new Date('2026-11-20T06:31:07Z');
  const group = (over: Partial<MeasureGroup>): MeasureGroup => ({
    groupId: '1',
    attribution: 0,
    takenAt: at,
    createdAt: at,
    modifiedAt: at,
    category: 1,
    deviceId: 'dev',
    model: 'Body+',
    modelId: 5,
    measures: [{ type: 1, value: 80 }],
    ...over,
  });

  it('excludes objectives, unknown attributions, attrib 4 and groups without weight, with reasons', () => {
    const { weighIns, excluded } = toWeighIns(
      [
        group({ groupId: 'goal', category: 2 }),
        group({ groupId: 'odd', attribution: 10 }),
        group({ groupId: 'signup', attribution: 4 }),
        group({ groupId: 'bp', deviceId: 'bpm', measures: [{ type: 10, value: 120 }] }),
        group({ groupId: 'zero', takenAt: new Date(0), measures: [{ type: 1, value: 0 }] }),
      ],
      { includeManual: true },
    );
    expect(weighIns).toEqual([]);
    expect(excluded).toEqual([
      { groupId: 'goal', reason: 'objective' },
      { groupId: 'odd', reason: 'attribution' },
      { groupId: 'signup', reason: 'manual' },
      { groupId: 'bp', reason: 'no-weight' },
      { groupId: 'zero', reason: 'no-weight' },
    ]);
  });

  it('a blood-pressure group at the same instant on another device does not swallow the weigh-in', () => {
    const { weighIns, excluded } = toWeighIns([
      group({
        groupId: 'bp',
        deviceId: 'bpm',
        measures: [
          { type: 9, value: 80 },
          { type: 10, value: 120 },
        ],
      }),
      group({ groupId: 'w' }),
    ]);
    expect(weighIns.map((w) => w.groupIds)).toEqual([['w']]);
    expect(excluded).toEqual([{ groupId: 'bp', reason: 'no-weight' }]);
  });

  it('honours a custom attribution list', () => {
    const groups = [group({ groupId: 'a', attribution: 1 })];
    expect(toWeighIns(groups, { attributions: [0, 1] }).weighIns).toHaveLength(1);
  });

  it('drops a hydration percent that cannot be true, keeping the kilograms', () => {
    const { weighIns } = toWeighIns([
      group({
        measures: [
          { type: 1, value: 50 },
          { type: 77, value: 60 },
        ],
      }),
    ]);
    expect(weighIns[0]?.hydrationKg).toBe(60);
    expect(weighIns[0]?.hydrationPercent).toBeUndefined();
  });

  it('orders weigh-ins by time', () => {
    const { weighIns } = toWeighIns([
      group({ groupId: 'late', takenAt: new Date(at.getTime() + 1000) }),
      group({ groupId: 'early' }),
    ]);
    expect(weighIns.map((w) => w.groupIds[0])).toEqual(['early', 'late']);
  });
});
