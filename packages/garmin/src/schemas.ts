import * as z from 'zod/mini';

/**
 * zod schemas of the answers this package reads, written against the recorded payloads in
 * `test/fixtures/` (protocol §1–§2). They check only what we use and let every other key through,
 * so Garmin adding a field never breaks a client; a missing or mistyped field we rely on does.
 */

const responseStatus = z.object({
  type: z.string(),
  message: z.nullish(z.string()),
  httpStatus: z.nullish(z.string()),
});

/** `POST /mobile/api/login` and `/mobile/api/mfa/verifyCode` (the verify answer has fewer keys). */
export const ssoLoginResponse = z.looseObject({
  serviceURL: z.nullish(z.string()),
  serviceTicketId: z.nullish(z.string()),
  responseStatus,
  customerMfaInfo: z.nullish(
    z.looseObject({
      email: z.nullish(z.string()),
      mfaLastMethodUsed: z.nullish(z.string()),
      defaultMfaMethod: z.nullish(z.string()),
    }),
  ),
});
export type SsoLoginResponse = z.infer<typeof ssoLoginResponse>;

/** `{"error":{"status-code":"429"}}`, sometimes inside an HTTP 200 (protocol §1.1). */
export const jsonRateLimit = z.object({
  error: z.looseObject({ 'status-code': z.union([z.string(), z.number()]) }),
});

/**
 * DI token exchange and refresh answers (protocol §1.5–1.6). Only the two tokens are read: the
 * expiry comes from the JWT, so `expires_in`, `scope`, `token_type`, `jti` … may change shape freely.
 */
export const diTokenResponse = z.looseObject({
  access_token: z.string().check(z.minLength(1)),
  refresh_token: z.string().check(z.minLength(1)),
});

/**
 * A refresh answer may leave out `refresh_token` (python-garminconnect then keeps the old one,
 * protocol §10). A ticket exchange may not: without a refresh token the tokens die within a day,
 * so there {@link diTokenResponse} keeps it required and its absence is `PROTOCOL`.
 */
export const diRefreshResponse = z.extend(diTokenResponse, {
  refresh_token: z.optional(diTokenResponse.shape.refresh_token),
});

/** OAuth2 error bodies from diauth: `{"error":"invalid_grant","error_description":"…"}`. */
export const oauthError = z.looseObject({
  error: z.string(),
  error_description: z.nullish(z.string()),
});

/** connectapi error bodies: `{"message":"HTTP 404 Not Found","error":"NotFoundException"}`. */
export const apiError = z.looseObject({
  message: z.nullish(z.string()),
  error: z.nullish(z.string()),
});

/**
 * `GET /userprofile-service/socialProfile`: only `displayName` is read (the session check). Garmin
 * has renamed and dropped profile keys over the years; none of the others may fail a sync.
 */
export const socialProfile = z.looseObject({
  displayName: z.string().check(z.minLength(1)),
});

/** A numeric id Garmin sends as a number or as a string of digits (`""` on failures). */
const id = z.nullish(z.union([z.number(), z.string()]));

const uploadFailure = z.looseObject({
  internalId: id,
  externalId: id,
  messages: z.nullish(
    z.array(
      z.looseObject({ code: z.nullish(z.union([z.number(), z.string()])), content: z.nullish(z.string()) }),
    ),
  ),
});

/**
 * `POST /upload-service/upload` (202 accepted, 409 duplicate; protocol §2.2). Read: `uploadId` and
 * `failures`; `uploadUuid`, `fileName`, `successes` and the rest are Garmin's business.
 */
export const uploadResponse = z.looseObject({
  detailedImportResult: z.looseObject({
    uploadId: id,
    failures: z.nullish(z.array(uploadFailure)),
  }),
});
export type UploadResponse = z.infer<typeof uploadResponse>;

const optionalNumber = z.nullish(z.number());

/**
 * One stored weigh-in (grams, epoch ms). A weigh-in without its record id, instant or weight is of
 * no use (it could not be matched or deleted), so those three are required; every other value is
 * optional and may be null or missing. `previousDateWeight`/`nextDateWeight` are never read, so
 * their all-null form is no concern.
 */
export const weightEntry = z.looseObject({
  samplePk: z.number(),
  timestampGMT: z.number(),
  weight: z.number(),
  calendarDate: z.nullish(z.string()),
  bmi: optionalNumber,
  bodyFat: optionalNumber,
  bodyWater: optionalNumber,
  boneMass: optionalNumber,
  muscleMass: optionalNumber,
  physiqueRating: optionalNumber,
  visceralFat: optionalNumber,
  metabolicAge: optionalNumber,
  sourceType: z.nullish(z.string()),
});
export type WeightEntryPayload = z.infer<typeof weightEntry>;

/**
 * `GET /weight-service/weight/range/{start}/{end}?includeAll=true`: only every day's
 * `allWeightMetrics` is read. `summaryDate`, `latestWeight`, `totalAverage`, `previousDateWeight`,
 * `nextDateWeight` and the rest pass unchecked.
 */
export const weightRange = z.looseObject({
  dailyWeightSummaries: z.array(z.looseObject({ allWeightMetrics: z.array(weightEntry) })),
});

/** `GET /weight-service/weight/dayview/{date}` (not called by the client today; kept for the fixtures). */
export const weightDayview = z.looseObject({
  dateWeightList: z.array(weightEntry),
});

const bloodPressureMeasurement = z.looseObject({
  version: z.number(),
  systolic: z.number(),
  diastolic: z.number(),
  measurementTimestampLocal: z.string(),
  measurementTimestampGMT: z.string(),
  pulse: optionalNumber,
  notes: z.nullish(z.string()),
  sourceType: z.nullish(z.string()),
  category: z.nullish(z.string()),
});

/**
 * `GET /bloodpressure-service/bloodpressure/range/{start}/{end}?includeAll=true`: only the
 * readings are read; `from`/`until`, the day summaries' statistics and `categoryStats` pass unchecked.
 */
export const bloodPressureRange = z.looseObject({
  measurementSummaries: z.array(z.looseObject({ measurements: z.array(bloodPressureMeasurement) })),
});

/** python-garminconnect's `garmin_tokens.json` (0.3.x `Client.dumps()`). */
export const pgcTokenFile = z.looseObject({
  di_token: z.string().check(z.minLength(1)),
  di_refresh_token: z.string().check(z.minLength(1)),
  di_client_id: z.nullish(z.string().check(z.minLength(1))),
});

/** Our own token JSON (`JSON.stringify(tokens)`). */
export const ourTokenFile = z.looseObject({
  accessToken: z.string().check(z.minLength(1)),
  refreshToken: z.string().check(z.minLength(1)),
  clientId: z.nullish(z.string().check(z.minLength(1))),
  expiresAt: z.nullish(z.union([z.string(), z.number(), z.date()])),
  domain: z.nullish(z.enum(['garmin.com', 'garmin.cn'])),
});
