import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StoreCorruptError } from '../src/index.js';
import { harness } from './harness.js';

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

/** Writes `value` as the entry of `key` the way the file store lays it out (a version envelope, 0600). */
async function plant(dir: string, key: string, value: unknown): Promise<string> {
  const path = join(dir, `${key.replaceAll('/', '+')}.json`);
  await writeFile(path, JSON.stringify({ version: 3, value }), { mode: 0o600 });
  return path;
}

describe('state entries of the wrong shape are corrupt, like unparseable ones', () => {
  // Valid JSON, valid envelope, but not what wg-sync wrote: each is refused by name, never read as
  // "absent" or as half a record (`accounts list` used to print "undefined linked undefined").
  const cases: Array<{ key: (user: string) => string; value: unknown; read: 'list' | 'sync' | 'doctor' }> = [
    { key: (u) => `account/${u}`, value: { id: 1, when: 'yesterday' }, read: 'list' },
    { key: (u) => `account/${u}`, value: ['not', 'an', 'object'], read: 'list' },
    { key: (u) => `withings/${u}/tokens`, value: { accessToken: 42 }, read: 'sync' },
    { key: (u) => `garmin/${u}/session`, value: 'a string', read: 'sync' },
    { key: (u) => `cursor/${u}`, value: { lastUpdate: 'last tuesday' }, read: 'sync' },
    { key: (u) => `pending/${u}`, value: { count: 'many' }, read: 'sync' },
    { key: (u) => `health/${u}`, value: { lastError: 'it broke' }, read: 'doctor' },
    { key: (u) => `health/${u}`, value: { alerts: ['STALE'] }, read: 'doctor' },
  ];

  it.each(cases)(
    '$value at the $read of a key: StoreCorruptError naming the key and the file',
    async ({ key, value, read }) => {
      const h = await harness({ store: 'file' });
      const dir = h.stateDir as string;
      const name = key(h.userId);
      const path = await plant(dir, name, value);
      const before = await readFile(path, 'utf8');
      if (read === 'list') {
        const error = await h.sync.accounts.list().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StoreCorruptError);
        expect(error).toMatchObject({ code: 'STORE_CORRUPT', key: name, location: path });
        expect((error as Error).message).toContain(path);
      } else if (read === 'sync') {
        const report = await h.sync.syncRecent({ userId: h.userId });
        expect(report.failed).toMatchObject([
          { code: 'STORE_CORRUPT', message: expect.stringContaining(`state "${name}" at ${path}`) },
        ]);
      } else {
        const doctor = await h.sync.doctor();
        expect(doctor.ok).toBe(false);
        expect(doctor.accounts[0]?.checks).toMatchObject([
          { name: 'state', status: 'fail', detail: expect.stringContaining(path) },
        ]);
      }
      expect(await readFile(path, 'utf8')).toBe(before); // nothing reset
    },
  );

  it('a ledger entry that is not a record stops the sync of that weigh-in, by name (no second upload)', async () => {
    const h = await harness({ store: 'file' });
    const { groupIds } = h.withings.addWeighIn(h.userId, {
      takenAt: minutesAgo(6),
      weightKg: 69.9,
      notify: false,
    });
    const name = `ledger/${h.userId}/${groupIds[0]}`;
    const path = await plant(h.stateDir as string, name, 'uploaded');
    const report = await h.sync.syncRecent({ userId: h.userId });
    expect(report.failed).toMatchObject([{ code: 'STORE_CORRUPT', message: expect.stringContaining(path) }]);
    expect(h.garmin.weighIns(h.email)).toEqual([]);
  });

  it('the message names fields, never values (a token of the wrong type stays out of it)', async () => {
    const h = await harness({ store: 'file' });
    const secret = 'tok-0a9b8c7d6e5f4a3b2c1d';
    await plant(h.stateDir as string, `withings/${h.userId}/tokens`, {
      userId: h.userId,
      accessToken: [secret],
      refreshToken: secret,
      expiresAt: new Date().toISOString(),
    });
    const report = await h.sync.syncRecent({ userId: h.userId });
    expect(report.failed[0]?.message).toMatch(/not Withings tokens: accessToken expected string/);
    expect(JSON.stringify(report)).not.toContain(secret);
  });
});

describe('shapes earlier versions wrote, and extra fields, are read as before', () => {
  it('0.1 records (no side, no savedAt, a pending since=1, unknown extra fields) sync and pass doctor', async () => {
    const h = await harness({ store: 'file' });
    const dir = h.stateDir as string;
    const u = h.userId;
    const tokens = await h.store.get<Record<string, unknown>>(`withings/${u}/tokens`);
    const session = await h.store.get<Record<string, unknown>>(`garmin/${u}/session`);
    const { savedAt: _w, ...oldTokens } = tokens?.value ?? {};
    const { savedAt: _g, domain: _d, ...oldSession } = session?.value ?? {};
    await plant(dir, `withings/${u}/tokens`, { ...oldTokens, addedByALaterVersion: { x: 1 } });
    await plant(dir, `garmin/${u}/session`, { ...oldSession, expiresAt: null });
    await plant(dir, `account/${u}`, { userId: u, timeZone: null, linkedAt: '2026-01-02T03:04:05.000Z' });
    await plant(dir, `health/${u}`, {
      lastAttemptAt: '2026-01-03T00:00:00.000Z',
      lastError: { code: 'UPSTREAM', message: 'Withings answered 502', at: '2026-01-03T00:00:00.000Z' },
      alerts: { STALE: '2026-01-03T00:00:00.000Z' },
      subscription: { checkedAt: '2026-01-03T00:00:00.000Z', present: true },
    });
    await plant(dir, `pending/${u}`, {
      since: 1,
      count: 2,
      firstAt: minutesAgo(3).toISOString(),
      lastAt: minutesAgo(2).toISOString(),
    });
    await plant(dir, `ledger/${u}/123`, {
      takenAt: '2026-01-01T00:00:00.000Z',
      kind: 'weight',
      how: 'uploaded',
      at: '2026-01-01T00:00:01.000Z',
    });
    h.withings.addWeighIn(u, { takenAt: minutesAgo(4), weightKg: 71.3, notify: false });

    expect((await h.sync.accounts.list()).map((a) => a.userId)).toEqual([u]);
    const report = await h.sync.syncRecent({ userId: u });
    expect(report.failed).toEqual([]);
    expect(report.synced.map((s) => s.weightKg)).toEqual([71.3]);
    const doctor = await h.sync.doctor();
    expect(doctor.accounts[0]?.checks.find((c) => c.name === 'state')).toMatchObject({ status: 'ok' });
  });

  it('keys the engine does not read are not checked (a cooldown, a lease, your own keys)', async () => {
    const h = await harness();
    await h.store.put('mine/anything', ['a', 1]);
    await h.store.put(`accountish/${h.userId}`, 7);
    expect(await h.sync.accounts.list()).toHaveLength(1);
  });
});
