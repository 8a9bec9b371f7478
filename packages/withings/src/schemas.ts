import * as z from 'zod/mini';

// Tolerant readers: each schema requires what the client reads and nothing else. Unknown keys are
// dropped, and a key nobody reads may be missing, null or renamed without failing a sync; a missing
// key that is read fails with its path in the message (never its value).

/** `userid` arrives as a JSON number (OpenAPI) or a string (older docs); we keep it as a string. */
const userId = z.pipe(
  z.union([z.int().check(z.nonnegative()), z.string().check(z.regex(/^\d+$/))]),
  z.transform(String),
);

/** `/v2/oauth2` requesttoken. `token_type`, `csrf_token` … are not read; a null `scope` means none. */
export const tokenBodySchema = z.object({
  userid: userId,
  access_token: z.string().check(z.minLength(1)),
  refresh_token: z.string().check(z.minLength(1)),
  expires_in: z.number().check(z.positive()),
  scope: z.pipe(
    z.nullish(z.string()),
    z.transform((scope) => scope ?? ''),
  ),
});

const measureSchema = z.object({
  value: z.number(),
  type: z.int(),
  unit: z.int(),
  position: z.nullable(z.optional(z.int())),
});

/**
 * One `measuregrps[]` entry. `created`/`modified` only feed the informational `createdAt`/
 * `modifiedAt` (missing → the measurement `date`); `hash_deviceid`, `comment`, `algo`, `fm` … are
 * not read at all.
 */
const groupSchema = z.pipe(
  z.object({
    grpid: z.pipe(z.union([z.int(), z.string().check(z.regex(/^\d+$/))]), z.transform(String)),
    attrib: z.int(),
    date: z.int(),
    created: z.nullish(z.int()),
    modified: z.nullish(z.int()),
    category: z.int(),
    deviceid: z.nullish(z.string()),
    model: z.nullish(z.string()),
    modelid: z.nullish(z.int()),
    measures: z.array(measureSchema),
  }),
  z.transform(({ created, modified, ...group }) => ({
    ...group,
    created: created ?? group.date,
    ...(modified === null || modified === undefined ? {} : { modified }),
  })),
);

/** `more` is an integer per the docs, a boolean in some real answers. */
const more = z.pipe(
  z.nullish(z.union([z.number(), z.boolean()])),
  z.transform((value) => value === true || (typeof value === 'number' && value !== 0)),
);

export const getmeasBodySchema = z.object({
  updatetime: z.int(),
  timezone: z.string(),
  measuregrps: z.array(groupSchema),
  more,
  offset: z.pipe(
    z.nullish(z.union([z.number(), z.string()])),
    z.transform((offset) => offset ?? undefined),
  ),
});

export type RawMeasureGroup = z.infer<typeof groupSchema>;

const NO_EXPIRY = 2_147_483_647;

export const notifyProfileSchema = z.object({
  appli: z.int(),
  callbackurl: z.string(),
  comment: z.optional(z.nullable(z.string())),
  expires: z.optional(z.nullable(z.union([z.number(), z.string()]))),
});

export const notifyListBodySchema = z.object({ profiles: z.array(notifyProfileSchema) });

export const notifyGetBodySchema = z.object({
  appli: z.int(),
  callbackurl: z.string(),
  comment: z.optional(z.nullable(z.string())),
});

/** `expires` is 2147483647 ("never") in real answers; anything else is an epoch or a date string. */
export function toExpiry(expires: number | string | null | undefined): Date | null {
  if (expires === null || expires === undefined || expires === NO_EXPIRY) return null;
  const date = typeof expires === 'number' ? new Date(expires * 1000) : new Date(expires);
  return Number.isNaN(date.getTime()) ? null : date;
}
