import * as z from 'zod/mini';
import type { IntervalsAthlete, IntervalsWellness } from './types.js';

// Tolerant readers: each schema requires what the client reads and nothing else. Unknown keys are
// dropped, and a `null` (real records carry dozens of null fields) is an absent value. A field that
// is read but has the wrong type fails with its path in the message (never its value).

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** An optional number that may arrive as `null`. */
const number = z.nullish(z.number());
const text = z.nullish(z.string());

/** Drops the keys whose value is `null` or `undefined`. */
function present<T extends Record<string, unknown>>(value: T): { [K in keyof T]?: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], null>;
  };
}

/** `GET /api/v1/athlete/{id}`; the id is a string (`i12345`), a number is accepted and kept as a string. */
export const athleteSchema = z.pipe(
  z.object({
    id: z.pipe(z.union([z.string().check(z.minLength(1)), z.int()]), z.transform(String)),
    timezone: text,
    name: text,
  }),
  z.transform(({ id, timezone, name }): IntervalsAthlete => ({ id, ...present({ timezone, name }) })),
);

const wellnessFields = {
  weight: number,
  bodyFat: number,
  systolic: number,
  diastolic: number,
  updated: text,
};

/** One wellness record; `id` is the day. */
export const wellnessSchema = z.pipe(
  z.object({ id: z.string().check(z.regex(DAY)), ...wellnessFields }),
  z.transform(({ id, ...fields }): IntervalsWellness => ({ id, ...present(fields) })),
);

/** `GET /api/v1/athlete/{id}/wellness`: an array of records. */
export const wellnessListSchema = z.array(wellnessSchema);

/**
 * The answer to a `PUT`: the record, whose `id` may be missing (then it is the day that was written).
 */
export const putAnswerSchema = z.object({
  id: z.optional(z.nullable(z.string().check(z.regex(DAY)))),
  ...wellnessFields,
});
