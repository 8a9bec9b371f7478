// csv-destination.ts: your own destination, beside Garmin. Each weigh-in becomes a line of a CSV file.
import { appendFile, readFile } from 'node:fs/promises';
import type { Destination, StoredWeighIn } from '@wg-sync/core';

export function csvDestination(path: string): Destination {
  // The file's lines, as records with an id (the line number) that the ledger keeps.
  const read = async (): Promise<StoredWeighIn[]> => {
    const text = await readFile(path, 'utf8').catch(() => 'takenAt,weightKg,fatPercent\n');
    return text
      .split('\n')
      .slice(1)
      .filter(Boolean)
      .map((line, i) => {
        const [takenAt, weightKg] = line.split(',');
        return { id: String(i + 1), takenAt: new Date(takenAt ?? ''), weightKg: Number(weightKg) };
      });
  };
  return {
    id: 'csv', // keys its ledger and cursor in the store: never change it
    name: 'CSV file',
    accepts: { bodyComposition: ['fatPercent'], bloodPressure: false },
    async open() {
      return {
        // What it holds in a range: the engine skips weigh-ins already there (±120 s, ±0.1 kg).
        list: async ({ from, to }) => (await read()).filter((r) => r.takenAt >= from && r.takenAt <= to),
        async write(batch) {
          const header = (await read()).length === 0 ? 'takenAt,weightKg,fatPercent\n' : '';
          const lines = batch.map((w) => `${w.takenAt.toISOString()},${w.weightKg},${w.fatPercent ?? ''}\n`);
          await appendFile(path, header + lines.join(''));
          return {}; // nothing failed on its own; the engine reads the file back (list) to confirm
        },
      };
    },
  };
}
