import { Decoder, Stream } from '@garmin/fitsdk';
import { FitDecodeError } from './errors.js';
import { NUMERIC_FIELDS, WEIGHT_FIELDS } from './fields.js';
import type { DecodedWeightFit, WeightEntry } from './types.js';

/**
 * Decodes a FIT weight file: ours, one written by Garmin's scales, or one from the Python tools.
 *
 * Integrity (header, CRC) is checked before anything is read. `weight_scale` records without a
 * timestamp or a weight cannot be weigh-ins and are left out.
 *
 * @param bytes - The whole file.
 * @returns `createdAt` and the weigh-ins in file order.
 * @throws {@link FitDecodeError} `CORRUPT` when the bytes are not an intact FIT file,
 *   `NOT_WEIGHT_FILE` when the file's type is not `weight`.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { decodeWeightFit } from '@wg-sync/fit';
 *
 * const { createdAt, entries } = decodeWeightFit(readFileSync('weight.fit'));
 * ```
 */
export function decodeWeightFit(bytes: Uint8Array): DecodedWeightFit {
  if (!(bytes instanceof Uint8Array)) {
    throw new FitDecodeError('CORRUPT', 'expected the FIT file as a Uint8Array');
  }
  // Stream.fromByteArray copies the view, so a subarray of a larger buffer is read correctly.
  if (!new Decoder(Stream.fromByteArray(bytes)).checkIntegrity()) {
    throw new FitDecodeError(
      'CORRUPT',
      `not an intact FIT file (${bytes.length} bytes): bad header, truncated, or CRC mismatch`,
    );
  }
  const { messages, errors } = new Decoder(Stream.fromByteArray(bytes)).read();
  if (errors.length > 0) {
    throw new FitDecodeError('CORRUPT', `FIT records could not be read: ${errors[0]?.message}`, {
      cause: errors[0],
    });
  }
  const fileId = messages.fileIdMesgs?.[0];
  if (fileId?.type !== 'weight') {
    throw new FitDecodeError(
      'NOT_WEIGHT_FILE',
      fileId ? `FIT file type is "${String(fileId.type)}", not "weight"` : 'FIT file has no file_id record',
    );
  }

  const entries: WeightEntry[] = [];
  for (const record of messages.weightScaleMesgs ?? []) {
    const fields = record as Record<string, unknown>;
    const timestamp = fields.timestamp;
    if (!(timestamp instanceof Date) || typeof fields.weight !== 'number') continue;
    const entry: Record<string, unknown> = { timestamp };
    for (const key of NUMERIC_FIELDS) {
      const value = fields[WEIGHT_FIELDS[key].fit];
      if (typeof value === 'number') entry[key] = value;
    }
    entries.push(entry as unknown as WeightEntry);
  }

  const createdAt =
    fileId.timeCreated instanceof Date
      ? fileId.timeCreated
      : entries.map((e) => e.timestamp).sort((a, b) => a.getTime() - b.getTime())[0];
  if (!createdAt) {
    throw new FitDecodeError('NOT_WEIGHT_FILE', 'FIT weight file has neither time_created nor any weigh-in');
  }
  const decoded: DecodedWeightFit = { createdAt, entries };
  if (fileId.manufacturer !== undefined) decoded.manufacturer = fileId.manufacturer as string | number;
  if (typeof fileId.product === 'number') decoded.product = fileId.product;
  if (typeof fileId.serialNumber === 'number') decoded.serialNumber = fileId.serialNumber;
  return decoded;
}
