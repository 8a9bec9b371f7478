import { z } from 'zod';

// Tolerant readers: each schema requires what the client reads and nothing else. Unknown keys are
// dropped, and a key nobody reads may be missing, null or renamed without failing a sync; a missing
// key that is read fails with its path in the message (never its value).

/** `userid` arrives as a JSON number (OpenAPI) or a string (older docs); we keep it as a string. */
const userId = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)]).transform(String);

/** `/v2/oauth2` requesttoken. `token_type`, `csrf_token` … are not read; a null `scope` means none. */
export const tokenBodySchema = z.object({
  userid: userId,
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  expires_in: z.number().positive(),
  scope: z
    .string()
    .nullish()
    .transform((scope) => scope ?? ''),
});

const measureSchema = z.object({
  value: z.number(),
  type: z.number().int(),
  unit: z.number().int(),
  position: z.number().int().optional().nullable(),
});

/**
 * One `measuregrps[]` entry. `created`/`modified` only feed the informational `createdAt`/
 * `modifiedAt` (missing → the measurement `date`); `hash_deviceid`, `comment`, `algo`, `fm` … are
 * not read at all.
 */
const groupSchema = z
  .object({
    grpid: z.union([z.number().int(), z.string().regex(/^\d+$/)]).transform(String),
    attrib: z.number().int(),
    date: z.number().int(),
    created: z.number().int().nullish(),
    modified: z.number().int().nullish(),
    category: z.number().int(),
    deviceid: z.string().nullish(),
    model: z.string().nullish(),
    modelid: z.number().int().nullish(),
    measures: z.array(measureSchema),
  })
  .transform(({ created, modified, ...group }) => ({
    ...group,
    created: created ?? group.date,
    ...(modified === null || modified === undefined ? {} : { modified }),
  }));

/** `more` is an integer per the docs, a boolean in some real answers. */
const more = z
  .union([z.number(), z.boolean()])
  .nullish()
  .transform((value) => value === true || (typeof value === 'number' && value !== 0));

export const getmeasBodySchema = z.object({
  updatetime: z.number().int(),
  timezone: z.string(),
  measuregrps: z.array(groupSchema),
  more,
  offset: z
    .union([z.number(), z.string()])
    .nullish()
    .transform((offset) => offset ?? undefined),
});

export type RawMeasureGroup = z.infer<typeof groupSchema>;

const NO_EXPIRY = 2_147_483_647;

export const notifyProfileSchema = z.object({
  appli: z.number().int(),
  callbackurl: z.string(),
  comment: z.string().nullable().optional(),
  expires: z.union([z.number(), z.string()]).nullable().optional(),
});

export const notifyListBodySchema = z.object({ profiles: z.array(notifyProfileSchema) });

export const notifyGetBodySchema = z.object({
  appli: z.number().int(),
  callbackurl: z.string(),
  comment: z.string().nullable().optional(),
});

/** `expires` is 2147483647 ("never") in real answers; anything else is an epoch or a date string. */
export function toExpiry(expires: number | string | null | undefined): Date | null {
  if (expires === null || expires === undefined || expires === NO_EXPIRY) return null;
  const date = typeof expires === 'number' ? new Date(expires * 1000) : new Date(expires);
  return Number.isNaN(date.getTime()) ? null : date;
}
