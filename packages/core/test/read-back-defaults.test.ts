import { GARMIN_VERIFY_DEFAULTS, GarminClient, garminLogin } from '@wg-sync/garmin';
import { type GarminSim, startGarminSim } from '@wg-sync/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/config.js';
import { readBack } from '../src/destinations/garmin/read-back.js';
import { memoryStore } from '../src/store/memory-store.js';

const EMAIL = 'ana@example.com';
const PASSWORD = 'pw-ana-123456';
const RANGE = /^\/weight-service\/weight\/range\//;

let sim: GarminSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe('core read-back: the garmin one, with core config', () => {
  it("core's unconfigured read-back and match tolerance are GARMIN_VERIFY_DEFAULTS", () => {
    const config = resolveConfig({
      withings: { clientId: 'id', clientSecret: 'secret' },
      store: memoryStore(),
    });
    expect(config.readBack).toEqual({
      attempts: GARMIN_VERIFY_DEFAULTS.attempts,
      delayMs: GARMIN_VERIFY_DEFAULTS.delayMs,
    });
    expect(config.dedup).toEqual({
      timeToleranceSec: GARMIN_VERIFY_DEFAULTS.toleranceSeconds,
      weightToleranceKg: GARMIN_VERIFY_DEFAULTS.toleranceKg,
    });
  });

  it('passes existing samplePks, its tolerance and its attempts to GarminClient.readBack', async () => {
    sim = await startGarminSim({ accounts: [{ email: EMAIL, password: PASSWORD }] });
    const t = Date.parse('2026-11-20T07:00:00Z');
    const before = sim.addWeighIn(EMAIL, { timestamp: new Date(t), weightKg: 81.2 });
    const later = sim.addWeighIn(EMAIL, { timestamp: new Date(t + 30_000), weightKg: 81.2 });
    const tokens = await garminLogin({ email: EMAIL, password: PASSWORD, urls: sim.urls });
    const garmin = new GarminClient({ tokens, urls: sim.urls });
    const item = { takenAt: new Date(t), weightKg: 81.2 };
    const policy = { attempts: 2, delayMs: 0 };

    const wide = await readBack(garmin, [item], {
      existing: new Set([before.samplePk]),
      tolerance: { timeToleranceSec: 60, weightToleranceKg: 0.1 },
      policy,
    });
    expect(wide[0]?.samplePk).toBe(later.samplePk);
    expect(sim.requests.filter((r) => RANGE.test(r.path))).toHaveLength(1);

    // 10 s is core's choice here, not the 120 s default: the record 30 s off no longer counts.
    const narrow = await readBack(garmin, [item], {
      existing: new Set([before.samplePk]),
      tolerance: { timeToleranceSec: 10, weightToleranceKg: 0.1 },
      policy,
    });
    expect(narrow).toEqual([undefined]);
    expect(sim.requests.filter((r) => RANGE.test(r.path))).toHaveLength(3);
  });
});
