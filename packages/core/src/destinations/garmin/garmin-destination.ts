import type { GarminClient, GarminWeighIn } from '@wg-sync/garmin';
import type { Engine } from '../../context.js';
import { garminClientFor } from '../../engine/clients.js';
import type { Destination, DestinationAccount, DestinationSession, StoredWeighIn } from '../destination.js';
import { GARMIN_DESTINATION_ID } from '../ledger.js';
import { uploadFitFiles } from './fit-upload.js';
import { readBack } from './read-back.js';
import { sentFields, toGarminEntry } from './weight-entry.js';

/** The most a FIT weight field holds (uint16, 1/100 kg). */
const MAX_FIT_WEIGHT_KG = 655.34;

const stored = (w: GarminWeighIn): StoredWeighIn => ({
  id: String(w.samplePk),
  takenAt: w.takenAt,
  weightKg: w.weightKg,
});

/**
 * Garmin Connect, the built-in destination: weigh-ins as FIT files (body composition included),
 * read back until Garmin shows them, and blood pressure through its JSON endpoint. Built on
 * `@wg-sync/garmin`'s `GarminClient`, loaded on first use; its session tokens live in the store.
 */
export function garminDestination(engine: Engine): Destination {
  return {
    id: GARMIN_DESTINATION_ID,
    name: 'Garmin',
    accepts: {
      bodyComposition: [
        'fatPercent',
        'hydrationPercent',
        'boneMassKg',
        'muscleMassKg',
        'visceralFatIndex',
        'metabolicAge',
        'basalMetKcal',
        'bmi',
      ],
      bloodPressure: true,
      maxWeightKg: MAX_FIT_WEIGHT_KG,
    },
    async open(account) {
      const garmin = await garminClientFor(engine, account.userId, account.fetch);
      return garmin && garminSession(engine, garmin, account);
    },
  };
}

function garminSession(
  engine: Engine,
  garmin: GarminClient,
  account: DestinationAccount,
): DestinationSession {
  const { userId } = account;
  // Garmin records seen before this sync wrote anything: the read-back after a 504 ignores them.
  const seen = new Set<number>();
  return {
    async list(range) {
      const found = await garmin.listWeighIns(range);
      for (const w of found) seen.add(w.samplePk);
      return found.map(stored);
    },
    write(batch) {
      return uploadFitFiles(
        {
          engine,
          garmin,
          userId,
          storedAlready: async (weighIns) => {
            const found = await readBack(garmin, weighIns, {
              existing: seen,
              tolerance: engine.config.dedup,
              policy: engine.config.readBack,
            });
            for (const w of found) if (w) seen.add(w.samplePk);
            return found.map((w) => (w ? stored(w) : undefined));
          },
        },
        batch,
      );
    },
    async confirm(written, existing) {
      const known = new Set([...existing].map(Number));
      const found = await readBack(garmin, written, {
        existing: known,
        tolerance: engine.config.dedup,
        policy: engine.config.readBack,
      });
      return found.map((w) => (w ? stored(w) : undefined));
    },
    fields: (weighIn) => sentFields(toGarminEntry(weighIn, weighIn.heightM)),
    bloodPressure: {
      list: async (range) =>
        (await garmin.listBloodPressure(range)).map((r) => ({
          id: String(r.version),
          takenAt: r.takenAt,
          systolic: r.systolic,
          diastolic: r.diastolic,
        })),
      write: (reading) => garmin.addBloodPressure({ ...reading, notes: 'Withings' }),
    },
  };
}
