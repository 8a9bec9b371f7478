import { garminLogin } from '@wg-sync/garmin';
import { describe, expect, it } from 'vitest';
import { ConfigError, createSync, HeldNotFoundError, memoryStore, StoreCorruptError } from '../src/index.js';
import { type Harness, harness, minutesAgo } from './harness.js';

/** A guest on a Body Cardio: three groups, the weight and composition one ambiguous (attrib 1). */
function guest(h: Harness, minutes = 20, weightKg = 64.5) {
  const takenAt = new Date(Math.floor(minutesAgo(minutes).getTime() / 1000) * 1000);
  const { groupIds } = h.withings.addWeighIn(h.userId, {
    takenAt,
    weightKg,
    fatPercent: 24.2,
    muscleMassKg: 46.1,
    hydrationKg: 35.2,
    boneMassKg: 2.6,
    heartRate: 71,
    pulseWaveVelocity: 7.1,
    layout: 'body-cardio',
    attrib: 1,
    notify: false,
  });
  return { takenAt, groupIds, main: groupIds[0] as string };
}

const garminOf = (h: Harness) => h.garmin.weighIns(h.email);

describe('hold and ask: ambiguous weigh-ins are held, not dropped', () => {
  it('holds an attrib-1 weigh-in with its instant and every field, alerts once, and assigns it to Garmin', async () => {
    const h = await harness();
    const g = guest(h);
    const report = await h.sync.syncRecent();
    expect(report.synced).toEqual([]);
    const id = `${h.userId}-${g.main}`;
    expect(report.held).toMatchObject({ held: [id] });
    // Still reported as skipped, each group with the id to answer with.
    expect(report.skipped.filter((s) => s.reason === 'ambiguous').map((s) => s.heldId)).toEqual([id, id]);
    expect(report.skipped.every((s) => s.heldId === id)).toBe(true);
    expect(h.alerts.filter((a) => a.type === 'HELD')).toMatchObject([
      { userId: h.userId, message: expect.stringContaining('wg-sync held list') },
    ]);
    const [held, ...rest] = await h.sync.held.list();
    expect(rest).toEqual([]);
    expect(held).toMatchObject({
      id,
      userId: h.userId,
      takenAt: g.takenAt.toISOString(),
      weightKg: 64.5,
      reason: 'ambiguous',
      fields: { fatPercent: 24.2, muscleMassKg: 46.1, hydrationKg: 35.2, boneMassKg: 2.6, heartRate: 71 },
    });
    expect(held?.fields.pulseWaveVelocity).toBe(7.1);
    expect(Date.parse(held?.expiresAt ?? '') - Date.parse(held?.heldAt ?? '')).toBe(30 * 86_400_000);
    expect(held?.groupIds).toHaveLength(3);

    // The next sync holds nothing new and raises nothing new.
    h.withings.updateGroup(g.main, { weightKg: 64.5 }); // modified: read again
    const again = await h.sync.syncRecent();
    expect(again.held).toBeUndefined();
    expect(again.skipped.find((s) => s.reason === 'ambiguous')?.heldId).toBe(id);
    expect(h.alerts.filter((a) => a.type === 'HELD')).toHaveLength(1);

    const assigned = await h.sync.held.assign(id);
    expect(assigned).toMatchObject({ trigger: 'assign', failed: [], held: { assigned: [id] } });
    expect(assigned.synced).toMatchObject([{ takenAt: g.takenAt.toISOString(), weightKg: 64.5 }]);
    const [stored, ...more] = garminOf(h);
    expect(more).toEqual([]);
    expect(stored).toMatchObject({
      timestampGMT: g.takenAt.getTime(),
      weight: 64500,
      bodyFat: 24.2,
      muscleMass: 46100,
    });
    expect(await h.sync.held.list()).toEqual([]);
    // In the account's activity record (the status page's "last syncs"), as any sync.
    const [account] = (await h.sync.status({ trendDays: 1 })).accounts;
    expect(account?.recentSyncs[0]).toMatchObject({ trigger: 'assign', result: 'synced', synced: 1 });
    expect(account?.trend).toMatchObject([{ weightKg: 64.5, writtenTo: ['garmin'] }]);

    // Never twice: assigning again reports it synced; the next sync neither holds nor writes it.
    const twice = await h.sync.held.assign(id);
    expect(twice.synced).toEqual([]);
    expect(twice.skipped).toMatchObject([{ reason: 'duplicate-ledger', heldId: id }]);
    h.withings.updateGroup(g.main, { weightKg: 64.5 });
    const after = await h.sync.syncRecent();
    expect(after.skipped.find((s) => s.reason === 'ambiguous')?.heldId).toBeUndefined();
    expect(garminOf(h)).toHaveLength(1);
    await expect(h.sync.held.dismiss(id)).rejects.toThrow(/already synced/);
  });

  it('status (the JSON of GET /status) shows what is held, and the account needs attention until it is resolved', async () => {
    const h = await harness();
    guest(h);
    await h.sync.syncRecent();
    const [held] = await h.sync.held.list();
    const before = (await h.sync.status()).accounts[0];
    expect(before?.held).toEqual([held]);
    expect(before?.health).toMatchObject({
      level: 'attention',
      reasons: [expect.stringContaining('1 held weigh-in')],
    });
    await h.sync.held.dismiss(held?.id as string);
    const after = (await h.sync.status()).accounts[0];
    expect(after?.held).toEqual([]);
    expect(after?.health.level).toBe('ok');
  });

  it('"not me": dismissed for good, never held again', async () => {
    const h = await harness();
    const g = guest(h);
    await h.sync.syncRecent();
    const id = `${h.userId}-${g.main}`;
    await h.sync.held.dismiss(id);
    await h.sync.held.dismiss(id); // twice: nothing more
    expect(await h.sync.held.list()).toEqual([]);
    h.withings.updateGroup(g.main, { weightKg: 64.6 });
    const report = await h.sync.syncRecent();
    expect(report.held).toBeUndefined();
    expect(report.skipped.filter((s) => s.reason === 'ambiguous')).toHaveLength(2);
    expect(report.skipped.some((s) => s.heldId)).toBe(false);
    await expect(h.sync.held.assign(id)).rejects.toBeInstanceOf(HeldNotFoundError);
    await expect(h.sync.held.assign('nobody-1')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(garminOf(h)).toEqual([]);
  });

  it('Withings re-attribution wins: attrib 0 syncs it once and it leaves the list; a later assign writes nothing', async () => {
    const h = await harness();
    const g = guest(h);
    await h.sync.syncRecent();
    const id = `${h.userId}-${g.main}`;
    for (const groupId of g.groupIds.slice(0, 2)) h.withings.updateGroup(groupId, { attrib: 0 }, false);
    const report = await h.sync.syncRecent();
    expect(report.synced).toHaveLength(1);
    expect(report.held).toMatchObject({ reattributed: [id] });
    expect(await h.sync.held.list()).toEqual([]);
    const assigned = await h.sync.held.assign(id);
    expect(assigned.synced).toEqual([]);
    expect(garminOf(h)).toHaveLength(1);
  });

  it('only the main group re-attributed: still one upload, whichever comes first', async () => {
    const h = await harness();
    const g = guest(h);
    await h.sync.syncRecent();
    const id = `${h.userId}-${g.main}`;
    await h.sync.held.assign(id);
    h.withings.updateGroup(g.main, { attrib: 0 }, false);
    const report = await h.sync.syncRecent();
    expect(report.synced).toEqual([]);
    expect(report.skipped).toContainEqual(expect.objectContaining({ reason: 'duplicate-ledger' }));
    expect(garminOf(h)).toHaveLength(1);
  });

  it('an assign racing the re-attributed weigh-in (two engines over one store): exactly one upload', async () => {
    const h = await harness();
    const g = guest(h);
    await h.sync.syncRecent();
    const id = `${h.userId}-${g.main}`;
    for (const groupId of g.groupIds.slice(0, 2)) h.withings.updateGroup(groupId, { attrib: 0 }, false);
    const other = h.another();
    const [assigned, synced, synced2] = await Promise.all([
      h.sync.held.assign(id),
      other.syncRecent(),
      h.sync.syncRecent(),
    ]);
    expect([assigned, synced, synced2].flatMap((r) => r.failed)).toEqual([]);
    expect(garminOf(h)).toHaveLength(1);
    await other.syncRecent();
    expect(await h.sync.held.list()).toEqual([]);
    expect(garminOf(h)).toHaveLength(1);
  });

  it('weightBand: a weigh-in outside the usual weight is held (out-of-band); inside it syncs', async () => {
    const h = await harness();
    const sync = h.another({ weightBand: { [h.userId]: { minKg: 75, maxKg: 90 } } });
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(30), weightKg: 81.2, notify: false });
    const low = h.withings.addWeighIn(h.userId, {
      takenAt: minutesAgo(20),
      weightKg: 52.4,
      fatPercent: 27,
      notify: false,
    });
    const report = await sync.syncRecent();
    expect(report.synced).toMatchObject([{ weightKg: 81.2 }]);
    const id = `${h.userId}-${low.groupIds[0]}`;
    expect(report.skipped).toMatchObject([{ reason: 'out-of-band', heldId: id }]);
    expect(await sync.held.list(h.userId)).toMatchObject([
      { id, reason: 'out-of-band', fields: { fatPercent: 27 } },
    ]);
    await sync.held.assign(id);
    expect(
      garminOf(h)
        .map((w) => w.weight)
        .sort(),
    ).toEqual([52400, 81200]);
    expect((await sync.syncRecent({ days: 2 })).synced).toEqual([]);
  });

  it('expires after heldForDays, with a note in the report', async () => {
    let offsetMs = 0;
    const h = await harness({ config: { heldForDays: 2, now: () => new Date(Date.now() + offsetMs) } });
    const g = guest(h);
    await h.sync.syncRecent();
    offsetMs = 3 * 86_400_000;
    expect(await h.sync.held.list()).toEqual([]);
    h.withings.updateGroup(g.main, { weightKg: 64.4 });
    const report = await h.sync.syncRecent();
    expect(report.held).toMatchObject({ expired: [`${h.userId}-${g.main}`] });
    expect(h.logs.some((l) => l.includes('sync.held.expired'))).toBe(true);
    await expect(h.sync.held.assign(`${h.userId}-${g.main}`)).rejects.toThrow(/expired/);
  });

  it('a dry run reports what it would hold and stores nothing', async () => {
    const h = await harness();
    guest(h);
    const report = await h.sync.syncRecent({ dryRun: true });
    expect(report.skipped.some((s) => s.reason === 'ambiguous')).toBe(true);
    expect(await h.sync.held.list()).toEqual([]);
    expect(await h.store.get(`held/${h.userId}`)).toBeUndefined();
  });

  it('a household: the same weigh-in held by two accounts; assigning it to one dismisses it for the other', async () => {
    const h = await harness();
    const bo = h.withings.addUser();
    h.garmin.addAccount({ email: 'bo@example.com', password: 'pw-bo-2b9f', timeZone: 'Europe/Berlin' });
    await h.sync.accounts.link({
      withings: h.withings.issueTokens(bo),
      garmin: await garminLogin({ email: 'bo@example.com', password: 'pw-bo-2b9f', urls: h.garmin.urls }),
    });
    const takenAt = minutesAgo(15);
    const ana = h.withings.addWeighIn(h.userId, { takenAt, weightKg: 70.3, attrib: 1, notify: false });
    const bos = h.withings.addWeighIn(bo, { takenAt, weightKg: 70.3, attrib: 1, notify: false });
    await h.sync.syncRecent({ userId: h.userId });
    await h.sync.syncRecent({ userId: bo });
    expect((await h.sync.held.list()).map((x) => x.userId).sort()).toEqual([h.userId, bo].sort());
    const report = await h.sync.held.assign(`${bo}-${bos.groupIds[0]}`);
    expect(report.held).toMatchObject({
      assigned: [`${bo}-${bos.groupIds[0]}`],
      dismissed: [`${h.userId}-${ana.groupIds[0]}`],
    });
    expect(await h.sync.held.list()).toEqual([]);
    expect(h.garmin.weighIns('bo@example.com')).toHaveLength(1);
    expect(garminOf(h)).toEqual([]);
    await expect(h.sync.held.assign(`${h.userId}-${ana.groupIds[0]}`)).rejects.toThrow(/assigned elsewhere/);
  });
});

describe('held state and config', () => {
  it('a store of the previous version (no held keys) works unchanged', async () => {
    const h = await harness();
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(10), weightKg: 77.1, notify: false });
    expect(await h.sync.held.list()).toEqual([]);
    const report = await h.sync.syncRecent();
    expect(report).toMatchObject({ failed: [], synced: [{ weightKg: 77.1 }] });
    expect(report.held).toBeUndefined();
    expect(await h.store.list('held/')).toEqual([]);
  });

  it('a held record of the wrong shape is a StoreCorruptError; extra fields are kept', async () => {
    const store = memoryStore();
    const sync = createSync({ withings: { clientId: 'c', clientSecret: 'secret-value-0123456789' }, store });
    await store.put('held/1', { items: { '1-2': { reason: 'ambiguous' } }, resolved: {} });
    await expect(sync.held.list('1')).rejects.toBeInstanceOf(StoreCorruptError);
    await store.put('held/1', { items: {}, resolved: {}, later: true });
    expect(await sync.held.list('1')).toEqual([]);
  });

  it('rejects a bad weightBand or heldForDays', () => {
    const base = {
      withings: { clientId: 'c', clientSecret: 'secret-value-0123456789' },
      store: memoryStore(),
    };
    expect(() => createSync({ ...base, heldForDays: 0 })).toThrow(ConfigError);
    expect(() => createSync({ ...base, weightBand: { '1': { minKg: 90, maxKg: 80 } } })).toThrow(
      /weightBand\.1/,
    );
  });
});
