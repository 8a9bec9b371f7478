import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { garminLogin, isGarminApiError } from '@wg-sync/garmin';
import { type GarminSim, type GarminSimFault, startGarminSim } from '@wg-sync/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  fileStore,
  GARMIN_LOGIN_COOLDOWN,
  GarminLoginCooldownError,
  garminLoginCooldown,
  garminLoginCooldownKey,
  memoryStore,
  type StateStore,
  StoreCorruptError,
} from '../src/index.js';

const HOUR = 3600_000;
const EMAIL = 'ana@example.com';
const PASSWORD = 'pw-ana-123456';
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

function clock(start = '2026-12-02T08:00:00.000Z') {
  let t = Date.parse(start);
  return {
    now: () => new Date(t),
    advance: (ms: number) => {
      t += ms;
    },
    set: (at: Date) => {
      t = at.getTime();
    },
  };
}

async function garminSim(): Promise<GarminSim> {
  const sim = await startGarminSim({ accounts: [{ email: EMAIL, password: PASSWORD }] });
  cleanups.push(() => sim.close());
  return sim;
}

async function stateDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'wg-sync-cooldown-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'state');
}

/** What the CLI does: a password login against the simulator; a rate limit is recorded. */
async function loginOnce(sim: GarminSim, store: StateStore, now: () => Date, fault?: GarminSimFault) {
  if (fault) sim.faults.add(fault, 1);
  const cooldown = garminLoginCooldown(store, { now });
  try {
    const tokens = await garminLogin({ email: EMAIL, password: PASSWORD, urls: sim.urls });
    await cooldown.clear(EMAIL);
    return { tokens };
  } catch (error) {
    if (!isGarminApiError(error, 'RATE_LIMITED')) throw error;
    return { error, state: await cooldown.recordRateLimit(EMAIL, error.retryAfterMs) };
  }
}

describe('garminLoginCooldown', { timeout: 30_000 }, () => {
  it('Cloudflare 1015 (429) on login: 2 h, then 4, 8, 16 and 24 h; the error says until when and that --force overrides', async () => {
    const sim = await garminSim();
    const c = clock();
    const store = memoryStore();
    const cooldown = garminLoginCooldown(store, { now: c.now });
    expect(await cooldown.check(EMAIL)).toBeUndefined();
    await expect(cooldown.assertAllowed(EMAIL)).resolves.toBeUndefined();

    const hours: number[] = [];
    for (let strike = 1; strike <= 6; strike += 1) {
      const attempt = await loginOnce(sim, store, c.now, 'cloudflare-429'); // Retry-After: 30 s
      expect(attempt.error?.code).toBe('RATE_LIMITED');
      const state = attempt.state;
      if (!state) throw new Error('no cooldown recorded');
      expect(state.strikes).toBe(strike);
      const hoursLeft = (state.until.getTime() - c.now().getTime()) / HOUR;
      hours.push(hoursLeft);
      expect(await cooldown.check(EMAIL)).toEqual(state);

      c.advance(HOUR);
      const refused = await cooldown.assertAllowed(EMAIL).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(GarminLoginCooldownError);
      expect(refused).toMatchObject({ code: 'LOGIN_COOLDOWN', strikes: strike, until: state.until });
      const message = (refused as Error).message;
      expect(message).toContain(state.until.toISOString());
      expect(message).toContain(`in ${hoursLeft - 1} h`);
      expect(message).toContain('--force');
      expect(message).not.toContain(EMAIL);
      c.set(state.until); // the cooldown is over: the next attempt may run
      expect(await cooldown.check(EMAIL)).toBeUndefined();
    }
    expect(hours).toEqual([2, 4, 8, 16, 24, 24]);

    // A successful login forgets the strikes: the next rate limit starts at 2 h again.
    const ok = await loginOnce(sim, store, c.now);
    expect(ok.tokens).toBeDefined();
    expect(await store.get(garminLoginCooldownKey(EMAIL))).toBeUndefined();
    const fresh = await loginOnce(sim, store, c.now, 'cloudflare-429');
    expect(fresh.state).toEqual({ strikes: 1, until: new Date(c.now().getTime() + 2 * HOUR) });
  });

  it('a longer Retry-After wins; a shorter one does not shorten the cooldown', async () => {
    const sim = await garminSim();
    const c = clock();
    const store = memoryStore();
    const long = await loginOnce(sim, store, c.now, { kind: 'rate-limited', retryAfterSeconds: 30 * 3600 });
    expect(long.error?.retryAfterMs).toBe(30 * HOUR);
    expect(long.state).toEqual({ strikes: 1, until: new Date(c.now().getTime() + 30 * HOUR) });

    const other = clock();
    const short = await loginOnce(sim, memoryStore(), other.now, {
      kind: 'rate-limited',
      retryAfterSeconds: 60,
    });
    expect(short.state?.until).toEqual(new Date(other.now().getTime() + GARMIN_LOGIN_COOLDOWN.firstMs));
  });

  it('strikes are forgotten 48 h after the last one', async () => {
    const c = clock();
    const cooldown = garminLoginCooldown(memoryStore(), { now: c.now });
    expect((await cooldown.recordRateLimit(EMAIL)).strikes).toBe(1);
    c.advance(47 * HOUR);
    expect((await cooldown.recordRateLimit(EMAIL)).strikes).toBe(2); // within 48 h: doubles
    c.advance(48 * HOUR + 1);
    const reset = await cooldown.recordRateLimit(EMAIL);
    expect(reset).toEqual({ strikes: 1, until: new Date(c.now().getTime() + 2 * HOUR) });
  });

  it('one cooldown per account, whatever the spelling; the key does not hold the e-mail', async () => {
    const c = clock();
    const store = memoryStore();
    const cooldown = garminLoginCooldown(store, { now: c.now });
    await cooldown.recordRateLimit('  Ana@Example.COM ');
    expect(await cooldown.check(EMAIL)).toMatchObject({ strikes: 1 });
    expect(await cooldown.check('bob@example.com')).toBeUndefined();
    const entries = await store.list('');
    expect(entries.map((e) => e.key)).toEqual([garminLoginCooldownKey(EMAIL)]);
    expect(entries[0]?.key).toMatch(/^garmin-login\/[0-9a-f]{32}$/);
    expect(JSON.stringify(entries).toLowerCase()).not.toContain('ana');
  });

  it('two processes refused at once both count (compare-and-swap)', async () => {
    const c = clock();
    const store = memoryStore();
    const one = garminLoginCooldown(store, { now: c.now });
    const two = garminLoginCooldown(store, { now: c.now });
    await Promise.all([one.recordRateLimit(EMAIL), two.recordRateLimit(EMAIL)]);
    expect(await one.check(EMAIL)).toMatchObject({ strikes: 2 });
  });

  it('a corrupt entry is a typed error, never read as "no cooldown" and never overwritten; clear() removes it', async () => {
    const c = clock();
    const store = memoryStore();
    const key = garminLoginCooldownKey(EMAIL);
    await store.put(key, { strikes: 'two', until: 'soon' });
    const cooldown = garminLoginCooldown(store, { now: c.now });
    await expect(cooldown.check(EMAIL)).rejects.toBeInstanceOf(StoreCorruptError);
    await expect(cooldown.assertAllowed(EMAIL)).rejects.toMatchObject({ code: 'STORE_CORRUPT', key });
    await expect(cooldown.recordRateLimit(EMAIL)).rejects.toMatchObject({ code: 'STORE_CORRUPT' });
    expect((await store.get(key))?.value).toEqual({ strikes: 'two', until: 'soon' });
    await cooldown.clear(EMAIL);
    expect(await cooldown.check(EMAIL)).toBeUndefined();
  });
});

describe('garminLoginCooldown on fileStore (state is forever)', { timeout: 30_000 }, () => {
  it('a cooldown written by one run is enforced by the next; the file format stays readable', async () => {
    const sim = await garminSim();
    const dir = await stateDir();
    const c = clock();
    const first = await loginOnce(sim, fileStore(dir), c.now, 'cloudflare-429');
    expect(first.state?.strikes).toBe(1);

    // The next `wg-sync garmin login`: a new process, a new store over the same directory.
    const next = garminLoginCooldown(fileStore(dir), { now: c.now });
    expect(await next.check(EMAIL)).toEqual(first.state);
    await expect(next.assertAllowed(EMAIL)).rejects.toBeInstanceOf(GarminLoginCooldownError);

    // What this version writes, pinned: later versions must read it as it is.
    const file = `${garminLoginCooldownKey(EMAIL).replace('/', '+')}.json`;
    expect(await readdir(dir)).toContain(file);
    const raw = JSON.parse(await readFile(join(dir, file), 'utf8'));
    expect(raw.value).toEqual({
      strikes: 1,
      lastStrikeAt: '2026-12-02T08:00:00.000Z',
      until: '2026-12-02T10:00:00.000Z',
    });
  });

  it('reads an entry as this version wrote it to disk (constructed by hand)', async () => {
    const dir = await stateDir();
    const store = fileStore(dir);
    await store.put('probe', 1); // creates the directory with the modes fileStore wants
    const key = garminLoginCooldownKey(EMAIL);
    const envelope = {
      version: 123456,
      value: { strikes: 3, lastStrikeAt: '2026-12-01T20:00:00.000Z', until: '2026-12-02T04:00:00.000Z' },
    };
    await writeFile(join(dir, `${key.replace('/', '+')}.json`), JSON.stringify(envelope), { mode: 0o600 });
    const c = clock('2026-12-02T01:00:00.000Z');
    const cooldown = garminLoginCooldown(fileStore(dir), { now: c.now });
    expect(await cooldown.check(EMAIL)).toEqual({ strikes: 3, until: new Date('2026-12-02T04:00:00.000Z') });
    // The fourth strike within 48 h doubles from there: 16 h.
    c.set(new Date('2026-12-02T05:00:00.000Z'));
    expect(await cooldown.recordRateLimit(EMAIL)).toEqual({
      strikes: 4,
      until: new Date('2026-12-02T21:00:00.000Z'),
    });
  });

  it('an unreadable file is a StoreCorruptError naming its path; nothing is reset', async () => {
    const dir = await stateDir();
    const store = fileStore(dir);
    await store.put('probe', 1);
    const path = join(dir, `${garminLoginCooldownKey(EMAIL).replace('/', '+')}.json`);
    await writeFile(path, '{"version": 1, "value": {"strikes": 2', { mode: 0o600 });
    const cooldown = garminLoginCooldown(fileStore(dir), { now: clock().now });
    await expect(cooldown.check(EMAIL)).rejects.toMatchObject({ code: 'STORE_CORRUPT', location: path });
    await expect(cooldown.recordRateLimit(EMAIL)).rejects.toBeInstanceOf(StoreCorruptError);
    expect(await readFile(path, 'utf8')).toBe('{"version": 1, "value": {"strikes": 2');
  });
});
