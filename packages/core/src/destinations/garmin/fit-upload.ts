import type { GarminClient } from '@wg-sync/garmin';
import type { Engine } from '../../context.js';
import { sideOf } from '../../engine/failures.js';
import type { SyncErrorCode } from '../../error-codes.js';
import { SyncError } from '../../errors.js';
import { raiseAlert } from '../../observability/health.js';
import type { StoredWeighIn, DestinationWeighIn as WeighIn, WriteOutcome } from '../destination.js';
import { type GarminWeightEntry, toGarminEntry } from './weight-entry.js';

/** A weigh-in with the FIT entry made from it. */
interface Item {
  weighIn: WeighIn;
  entry: GarminWeightEntry;
}

/** One FIT file to upload: its weigh-ins and its bytes. */
interface FitFile {
  items: Item[];
  bytes: Uint8Array;
}

type Encode = (entries: GarminWeightEntry[]) => Uint8Array;

/** The statuses after which a smaller file may get through (protocol §10: big files got 504s). */
const TOO_BIG: Record<number, { code: SyncErrorCode; what: string }> = {
  413: { code: 'UPLOAD_TOO_LARGE', what: 'refused it as too large (HTTP 413)' },
  504: { code: 'UPLOAD_TIMEOUT', what: 'timed out on it (HTTP 504)' },
};

/** Garmin will not take one weigh-in even as a file of its own (413 or 504 again). */
export class UploadRefusedError extends SyncError {
  constructor(
    readonly code: SyncErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** What {@link uploadFitFiles} needs besides the batch. */
export interface FitUploadContext {
  engine: Engine;
  garmin: GarminClient;
  userId: string;
  /**
   * After a 504: which of these weigh-ins Garmin holds already (Garmin may have stored the file
   * before its gateway gave up). Those are not sent again.
   */
  storedAlready(weighIns: WeighIn[]): Promise<Array<StoredWeighIn | undefined>>;
}

/**
 * Uploads a batch as FIT files of at most `config.upload.maxEntries` weigh-ins and
 * `config.upload.maxBytes` bytes. A file answered 413 or 504 is split in half and sent again; after
 * a 504 Garmin is read first and what it already holds is not sent again. A single weigh-in that
 * still gets 413/504 fails on its own (with an alert) and is retried next sync. Any other error
 * fails the file and everything not sent yet.
 */
export async function uploadFitFiles(
  context: FitUploadContext,
  batch: readonly WeighIn[],
): Promise<WriteOutcome> {
  const { engine, garmin, userId } = context;
  const items = batch.map((weighIn) => ({ weighIn, entry: toGarminEntry(weighIn, weighIn.heightM) }));
  const { encodeWeightFit } = await import('@wg-sync/fit');
  const encode: Encode = (entries) => encodeWeightFit(entries);
  const queue: FitFile[] = packFitFiles(items, engine.config.upload, encode); // FitEncodeError: nothing sent
  const failed: NonNullable<WriteOutcome['failed']> = [];
  const confirmed: NonNullable<WriteOutcome['confirmed']> = [];
  const refused: Array<{ item: Item; reason: { code: SyncErrorCode; what: string } }> = [];
  for (let file = queue.shift(); file; file = queue.shift()) {
    try {
      const result = await garmin.uploadFit(file.bytes, { filename: 'body_composition.fit' });
      engine.log.debug('garmin.uploaded', {
        userId,
        entries: file.items.length,
        bytes: file.bytes.length,
        status: result.status,
      });
    } catch (error) {
      const status = (error as { status?: unknown }).status;
      const tooBig = sideOf(error) === 'garmin' && typeof status === 'number' ? TOO_BIG[status] : undefined;
      if (!tooBig) {
        // Garmin is refusing or failing: the files not sent yet wait for the next sync too.
        failed.push({ weighIns: weighInsOf([file, ...queue]), error });
        break;
      }
      engine.log.warn('garmin.upload_too_big', {
        userId,
        status,
        entries: file.items.length,
        bytes: file.bytes.length,
      });
      let left = file.items;
      if (status === 504) {
        try {
          left = await keepUnstored(context, left, confirmed);
        } catch (readError) {
          // Not knowing whether Garmin has them, sending them again could duplicate: next sync decides.
          failed.push({
            weighIns: weighInsOf([{ items: left, bytes: file.bytes }, ...queue]),
            error: readError,
          });
          break;
        }
      }
      if (left.length === 0) continue;
      if (file.items.length === 1) {
        refused.push(...left.map((item) => ({ item, reason: tooBig })));
        continue;
      }
      const half = Math.ceil(left.length / 2);
      const parts = [left.slice(0, half), left.slice(half)].filter((part) => part.length > 0);
      queue.unshift(...parts.map((part) => ({ items: part, bytes: encode(part.map((i) => i.entry)) })));
    }
  }
  if (refused.length > 0) failed.push(...(await refusedAlone(context, refused)));
  return { failed, confirmed };
}

const weighInsOf = (files: FitFile[]) => files.flatMap((f) => f.items.map((i) => i.weighIn));

/**
 * Cuts items, in order, into files within both caps. The bytes are measured by encoding (a file's
 * size grows with every entry, so the largest prefix that fits is found by bisection). One entry
 * over `maxBytes` still goes alone: only Garmin can say whether it is too big.
 */
export function packFitFiles<T extends { entry: GarminWeightEntry }>(
  items: T[],
  caps: { maxEntries: number; maxBytes: number },
  encode: Encode,
): Array<{ items: T[]; bytes: Uint8Array }> {
  const files: Array<{ items: T[]; bytes: Uint8Array }> = [];
  const encodeSlice = (from: number, count: number) =>
    encode(items.slice(from, from + count).map((i) => i.entry));
  for (let start = 0; start < items.length; ) {
    let count = Math.min(caps.maxEntries, items.length - start);
    let bytes = encodeSlice(start, count);
    if (bytes.length > caps.maxBytes && count > 1) {
      let fits = 1;
      let fitsBytes = encodeSlice(start, 1);
      let tooBig = count;
      while (tooBig - fits > 1) {
        const middle = Math.floor((fits + tooBig) / 2);
        const candidate = encodeSlice(start, middle);
        if (candidate.length <= caps.maxBytes) {
          fits = middle;
          fitsBytes = candidate;
        } else {
          tooBig = middle;
        }
      }
      count = fits;
      bytes = fitsBytes;
    }
    files.push({ items: items.slice(start, start + count), bytes });
    start += count;
  }
  return files;
}

/** After a 504: the items Garmin does NOT show. Those it shows are confirmed as they are. */
async function keepUnstored(
  context: FitUploadContext,
  items: Item[],
  confirmed: NonNullable<WriteOutcome['confirmed']>,
): Promise<Item[]> {
  const stored = await context.storedAlready(items.map((i) => i.weighIn));
  const left: Item[] = [];
  for (const [index, item] of items.entries()) {
    const record = stored[index];
    if (record) confirmed.push({ weighIn: item.weighIn, record });
    else left.push(item);
  }
  if (left.length < items.length) {
    context.engine.log.info('garmin.stored_despite_timeout', {
      userId: context.userId,
      stored: items.length - left.length,
      notStored: left.length,
    });
  }
  return left;
}

/** Weigh-ins Garmin will not take even alone: one failure each, logged, and one alert. */
async function refusedAlone(
  { engine, userId }: FitUploadContext,
  refused: Array<{ item: Item; reason: { code: SyncErrorCode; what: string } }>,
): Promise<NonNullable<WriteOutcome['failed']>> {
  const failed = refused.map(({ item: { weighIn: w }, reason }) => {
    engine.log.error('garmin.upload_refused', {
      userId,
      code: reason.code,
      takenAt: w.takenAt.toISOString(),
    });
    const message = `Garmin ${reason.what} even as a file with only the ${w.weightKg} kg weigh-in of ${w.takenAt.toISOString()}; it will be uploaded again on the next sync`;
    return { weighIns: [w], error: new UploadRefusedError(reason.code, message) };
  });
  const what = refused[0]?.reason.what ?? '';
  await raiseAlert(engine, {
    type: 'NOT_STORED',
    userId,
    message: `Garmin ${what} for a single weigh-in of user ${userId}; it stays pending and is retried on the next sync`,
  });
  return failed;
}
