import { z } from 'zod';

/**
 * zod schemas of the answers this package reads, written against the recorded payloads in
 * `test/fixtures/` (protocol §1–§2). They check only what we use and let every other key through,
 * so Garmin adding a field never breaks a client; a missing or mistyped field we rely on does.
 */

const responseStatus = z.object({
  type: z.string(),
  message: z.string().nullish(),
  httpStatus: z.string().nullish(),
});

/** `POST /mobile/api/login` and `/mobile/api/mfa/verifyCode` (the verify answer has fewer keys). */
export const ssoLoginResponse = z.looseObject({
  serviceURL: z.string().nullish(),
  serviceTicketId: z.string().nullish(),
  responseStatus,
  customerMfaInfo: z
    .looseObject({
      email: z.string().nullish(),
      mfaLastMethodUsed: z.string().nullish(),
      defaultMfaMethod: z.string().nullish(),
    })
    .nullish(),
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
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
});

/** OAuth2 error bodies from diauth: `{"error":"invalid_grant","error_description":"…"}`. */
export const oauthError = z.looseObject({
  error: z.string(),
  error_description: z.string().nullish(),
});

/** connectapi error bodies: `{"message":"HTTP 404 Not Found","error":"NotFoundException"}`. */
export const apiError = z.looseObject({
  message: z.string().nullish(),
  error: z.string().nullish(),
});

/**
 * `GET /userprofile-service/socialProfile`: only `displayName` is read (the session check). Garmin
 * has renamed and dropped profile keys over the years; none of the others may fail a sync.
 */
export const socialProfile = z.looseObject({
  displayName: z.string().min(1),
});

/** A numeric id Garmin sends as a number or as a string of digits (`""` on failures). */
const id = z.union([z.number(), z.string()]).nullish();

const uploadFailure = z.looseObject({
  internalId: id,
  externalId: id,
  messages: z
    .array(
      z.looseObject({ code: z.union([z.number(), z.string()]).nullish(), content: z.string().nullish() }),
    )
    .nullish(),
});

/**
 * `POST /upload-service/upload` (202 accepted, 409 duplicate; protocol §2.2). Read: `uploadId` and
 * `failures`; `uploadUuid`, `fileName`, `successes` and the rest are Garmin's business.
 */
export const uploadResponse = z.looseObject({
  detailedImportResult: z.looseObject({
    uploadId: id,
    failures: z.array(uploadFailure).nullish(),
  }),
});
export type UploadResponse = z.infer<typeof uploadResponse>;

const optionalNumber = z.number().nullish();

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
  calendarDate: z.string().nullish(),
  bmi: optionalNumber,
  bodyFat: optionalNumber,
  bodyWater: optionalNumber,
  boneMass: optionalNumber,
  muscleMass: optionalNumber,
  physiqueRating: optionalNumber,
  visceralFat: optionalNumber,
  metabolicAge: optionalNumber,
  sourceType: z.string().nullish(),
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
  notes: z.string().nullish(),
  sourceType: z.string().nullish(),
  category: z.string().nullish(),
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
  di_token: z.string().min(1),
  di_refresh_token: z.string().min(1),
  di_client_id: z.string().min(1).nullish(),
});

/** Our own token JSON (`JSON.stringify(tokens)`). */
export const ourTokenFile = z.looseObject({
  accessToken: z.string().min(1),
  refreshToken: z.string().min(1),
  clientId: z.string().min(1).nullish(),
  expiresAt: z.union([z.string(), z.number(), z.date()]).nullish(),
  domain: z.enum(['garmin.com', 'garmin.cn']).nullish(),
});
