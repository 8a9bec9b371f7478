import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Destination, DestinationSession, SyncConfig } from '@wg-sync/core';
import { createSync, memoryStore, silentLogger } from '@wg-sync/core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { csvDestination } from './guide/csv-destination.js';
import { harness, minutesAgo } from './harness.js';

async function csvFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'wg-sync-csv-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'weigh-ins.csv');
}

const lines = async (path: string) => (await readFile(path, 'utf8')).split('\n').filter(Boolean).slice(1);

/** A destination that fails its writes while `down` is set, then behaves like the CSV file. */
function flaky(path: string, state: { down: boolean }): Destination {
  const inner = csvDestination(path);
  return {
    ...inner,
    async open(account) {
      const session = (await inner.open(account)) as DestinationSession;
      return {
        ...session,
        write: async (batch) => {
          if (state.down) throw Object.assign(new Error('disk full'), { code: 'UPSTREAM' });
          return session.write(batch);
        },
      };
    },
  };
}

describe('destinations beside Garmin', () => {
  it('the guide’s CSV destination gets every weigh-in Garmin gets, once, with its own ledger and cursor', async () => {
    const path = await csvFile();
    const h = await harness({ config: { destinations: [csvDestination(path)] } });
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(30), weightKg: 80.2, fatPercent: 20.1 });
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(20), weightKg: 80.4 });
    const report = await h.sync.syncRecent();
    expect(report.failed).toEqual([]);
    expect(report.synced.map((s) => s.destination).sort()).toEqual(['csv', 'csv', 'garmin', 'garmin']);
    expect(report.synced.find((s) => s.destination === 'csv' && s.weightKg === 80.2)).toMatchObject({
      fields: ['weightKg', 'fatPercent'],
      storedId: '1',
    });
    expect(
      Object.values(report.destinations).map(({ id, synced, failed }) => ({ id, synced, failed })),
    ).toEqual([
      { id: 'garmin', synced: 2, failed: 0 },
      { id: 'csv', synced: 2, failed: 0 },
    ]);
    expect(await lines(path)).toHaveLength(2);
    expect(h.garmin.weighIns(h.email)).toHaveLength(2);
    const keys = (await h.store.list('destinations/csv/')).map((e) => e.key);
    expect(keys.filter((k) => k.startsWith(`destinations/csv/ledger/${h.userId}/`))).toHaveLength(2);
    expect(keys).toContain(`destinations/csv/cursor/${h.userId}`);
    expect(report.destinations.csv?.cursor).toBe(report.destinations.garmin?.cursor);

    const again = await h.sync.syncRecent();
    expect(again.synced).toEqual([]);
    expect(again.skipped.map((s) => [s.destination, s.reason]).sort()).toEqual([
      ['csv', 'duplicate-ledger'],
      ['csv', 'duplicate-ledger'],
      ['garmin', 'duplicate-ledger'],
      ['garmin', 'duplicate-ledger'],
    ]);
    expect(await lines(path)).toHaveLength(2);
  });

  it('a failing destination holds Garmin back in nothing, names itself, and catches up from its own cursor', async () => {
    const path = await csvFile();
    const state = { down: true };
    const h = await harness({ config: { destinations: [flaky(path, state)] } });
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(30), weightKg: 80.2 });
    const first = await h.sync.syncRecent();
    expect(first.synced.map((s) => s.destination)).toEqual(['garmin']);
    expect(first.failed).toMatchObject([{ destination: 'csv', code: 'UPSTREAM', message: 'disk full' }]);
    expect(h.logs.some((l) => l.includes('"sync.failed"') && l.includes('disk full'))).toBe(true);
    expect(first.destinations.garmin?.cursor).toBeDefined();
    expect(first.destinations.csv?.cursor).toBeUndefined();
    expect(first.cursor).toBeUndefined(); // the account is not through: pending stays, and the sync is retried

    state.down = false;
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(10), weightKg: 80.6 });
    const second = await h.sync.syncRecent();
    expect(second.failed).toEqual([]);
    expect(second.synced.map((s) => [s.destination, s.weightKg]).sort()).toEqual([
      ['csv', 80.2],
      ['csv', 80.6],
      ['garmin', 80.6],
    ]);
    expect(await lines(path)).toHaveLength(2);
    expect(h.garmin.weighIns(h.email)).toHaveLength(2);
  });

  it('Garmin refusing its session stops Garmin alone: the other destination is written', async () => {
    const path = await csvFile();
    const h = await harness({ config: { destinations: [csvDestination(path)] } });
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(30), weightKg: 80.2 });
    h.garmin.faults.add('forbidden', 5);
    const report = await h.sync.syncRecent();
    expect(report.synced.map((s) => s.destination)).toEqual(['csv']);
    expect(report.failed[0]).toMatchObject({ destination: 'garmin', side: 'garmin' });
    expect(await lines(path)).toHaveLength(1);
    expect(h.garmin.weighIns(h.email)).toHaveLength(0);
  });

  it('writes to both destinations at once: the second adds no sequential round trip', async () => {
    const h = await harness();
    let garminUploadsSeen = 0;
    // A destination whose write completes only once Garmin has received its upload: run one after
    // the other, this would wait for ever (bounded here at 5 s, which fails the test).
    const waitsForGarmin: Destination = {
      id: 'second',
      accepts: { bodyComposition: [], bloodPressure: false },
      async open() {
        const held: Array<{ id: string; takenAt: Date; weightKg: number }> = [];
        return {
          list: async () => held,
          async write(batch) {
            const deadline = Date.now() + 5000;
            while (h.garmin.uploads().length === 0 && Date.now() < deadline)
              await new Promise((resolve) => setTimeout(resolve, 5));
            garminUploadsSeen = h.garmin.uploads().length;
            held.push(...batch.map((w, i) => ({ id: `s${i}`, takenAt: w.takenAt, weightKg: w.weightKg })));
            return {};
          },
        };
      },
    };
    const sync = createSync({ ...h.config, destinations: [waitsForGarmin] });
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(30), weightKg: 80.2 });
    const report = await sync.syncRecent();
    expect(report.failed).toEqual([]);
    expect(garminUploadsSeen).toBe(1);
    expect(report.synced.map((s) => s.destination).sort()).toEqual(['garmin', 'second']);
  });

  it("unlinking removes every destination's cursor and keeps the ledgers (a new link re-sends nothing)", async () => {
    const path = await csvFile();
    const h = await harness({ config: { destinations: [csvDestination(path)] } });
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(30), weightKg: 80.2 });
    await h.sync.syncRecent();
    expect(await h.store.get(`destinations/csv/cursor/${h.userId}`)).toBeDefined();
    await h.sync.accounts.unlink(h.userId);
    expect(await h.store.get(`destinations/csv/cursor/${h.userId}`)).toBeUndefined();
    expect(await h.store.get(`cursor/${h.userId}`)).toBeUndefined();
    expect(await h.store.list(`destinations/csv/ledger/${h.userId}/`)).toHaveLength(1);
  });

  it("a destination's cursor of the wrong shape is corrupt state, named, and nothing is uploaded", async () => {
    const path = await csvFile();
    const h = await harness({ config: { destinations: [csvDestination(path)] } });
    await h.store.put(`destinations/csv/cursor/${h.userId}`, { lastUpdate: 'last tuesday' });
    h.withings.addWeighIn(h.userId, { takenAt: minutesAgo(30), weightKg: 80.2 });
    const report = await h.sync.syncRecent();
    expect(report.failed).toMatchObject([
      { code: 'STORE_CORRUPT', message: expect.stringContaining(`destinations/csv/cursor/${h.userId}`) },
    ]);
    expect(report.synced).toEqual([]);
    expect(h.garmin.weighIns(h.email)).toHaveLength(0);
  });

  it('refuses destinations whose ids would clash in the store', () => {
    const base: SyncConfig = {
      withings: { clientId: 'id', clientSecret: 'secret' },
      store: memoryStore(),
      logger: silentLogger,
    };
    const make = (id: string): Destination => ({
      id,
      accepts: { bodyComposition: [], bloodPressure: false },
      open: async () => undefined,
    });
    expect(() => createSync({ ...base, destinations: [make('garmin')] })).toThrow(
      /built-in Garmin destination/,
    );
    expect(() => createSync({ ...base, destinations: [make('csv'), make('csv')] })).toThrow(/used twice/);
    expect(() => createSync({ ...base, destinations: [make('../x')] })).toThrow(/a-z 0-9 -/);
    expect(() => createSync({ ...base, destinations: [{} as Destination] })).toThrow(/id, accepts and open/);
  });
});
