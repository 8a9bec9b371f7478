import type { GarminClient, GarminWeighIn } from '@wg-sync/garmin';
import type { Engine } from '../../context.js';
import { garminClientFor } from '../../engine/clients.js';
import type {
  DeleteOutcome,
  DeletionTarget,
  Destination,
  DestinationAccount,
  DestinationSession,
  StoredWeighIn,
} from '../destination.js';
import { GARMIN_DESTINATION_ID } from '../ledger.js';
import type { Tolerance } from '../match.js';
import { uploadFitFiles } from './fit-upload.js';
import { readBack } from './read-back.js';
import { sentFields, toGarminEntry } from './weight-entry.js';

/** The most a FIT weight field holds (uint16, 1/100 kg). */
const MAX_FIT_WEIGHT_KG = 655.34;

const DAY_MS = 86_400_000;

const stored = (w: GarminWeighIn): StoredWeighIn => ({
  id: String(w.samplePk),
  takenAt: w.takenAt,
  weightKg: w.weightKg,
  deleteHint: w.calendarDate,
});

/**
 * Deletes one weigh-in wg-sync uploaded, by its `samplePk`. Garmin's delete also wants the
 * `calendarDate`: the ledger's `deleteHint` when it was written with one, else from one list of the
 * days around the weigh-in (not listed there: already gone). Garmin's 404 is `gone` too.
 */
async function deleteWeighIn(
  garmin: GarminClient,
  target: DeletionTarget,
  tolerance: Tolerance,
): Promise<DeleteOutcome> {
  const samplePk = Number(target.id);
  let calendarDate = target.deleteHint;
  if (!calendarDate) {
    const at = target.takenAt.getTime();
    const around = await garmin.listWeighIns({ from: new Date(at - DAY_MS), to: new Date(at + DAY_MS) });
    // The id, and the instant too: a record under that id at another time is not the one written.
    const found = around.find(
      (w) =>
        w.samplePk === samplePk && Math.abs(w.takenAt.getTime() - at) <= tolerance.timeToleranceSec * 1000,
    );
    if (!found) return { outcome: 'gone' };
    calendarDate = found.calendarDate;
  }
  try {
    await garmin.deleteWeighIn({ samplePk, calendarDate });
    return { outcome: 'deleted' };
  } catch (error) {
    // A GarminApiError (core loads @wg-sync/garmin lazily, so by its code, not its class).
    if ((error as { code?: unknown })?.code === 'NOT_FOUND') return { outcome: 'gone' };
    throw error;
  }
}

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
    delete: (target) => deleteWeighIn(garmin, target, engine.config.dedup),
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
