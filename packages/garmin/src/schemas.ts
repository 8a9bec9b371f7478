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

/** DI token exchange and refresh answers (protocol §1.5–1.6). */
export const diTokenResponse = z.looseObject({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  token_type: z.string().nullish(),
  expires_in: z.number().nullish(),
  refresh_token_expires_in: z.number().nullish(),
  scope: z.string().nullish(),
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

/** `GET /userprofile-service/socialProfile`. */
export const socialProfile = z.looseObject({
  displayName: z.string().min(1),
  profileId: z.number().nullish(),
  garminGUID: z.string().nullish(),
  fullName: z.string().nullish(),
});

const uploadFailure = z.looseObject({
  internalId: z.union([z.number(), z.string()]).nullish(),
  externalId: z.union([z.number(), z.string()]).nullish(),
  messages: z.array(z.looseObject({ code: z.number().nullish(), content: z.string().nullish() })).nullish(),
});

/** `POST /upload-service/upload` (202 accepted, 409 duplicate; protocol §2.2). */
export const uploadResponse = z.looseObject({
  detailedImportResult: z.looseObject({
    uploadId: z.union([z.number(), z.string()]).nullish(),
    uploadUuid: z.looseObject({ uuid: z.string() }).nullish(),
    fileName: z.string().nullish(),
    successes: z.array(z.unknown()).nullish(),
    failures: z.array(uploadFailure).nullish(),
  }),
});
export type UploadResponse = z.infer<typeof uploadResponse>;

const nullableNumber = z.number().nullable();

/**
 * One weigh-in of the weight service (grams, epoch ms). Every field is nullable because
 * `previousDateWeight`/`nextDateWeight` come back all-null when there is no such weigh-in.
 */
export const weightEntry = z.looseObject({
  samplePk: nullableNumber,
  date: nullableNumber,
  calendarDate: z.string().nullable(),
  weight: nullableNumber,
  bmi: nullableNumber,
  bodyFat: nullableNumber,
  bodyWater: nullableNumber,
  boneMass: nullableNumber,
  muscleMass: nullableNumber,
  physiqueRating: nullableNumber,
  visceralFat: nullableNumber,
  metabolicAge: nullableNumber,
  sourceType: z.string().nullable(),
  timestampGMT: nullableNumber,
  weightDelta: nullableNumber.optional(),
});
export type WeightEntryPayload = z.infer<typeof weightEntry>;

const weightAverage = z.looseObject({
  from: z.number(),
  until: z.number(),
  weight: nullableNumber,
});

/** `GET /weight-service/weight/range/{start}/{end}?includeAll=true`. */
export const weightRange = z.looseObject({
  dailyWeightSummaries: z.array(
    z.looseObject({
      summaryDate: z.string(),
      numOfWeightEntries: z.number(),
      latestWeight: weightEntry.nullish(),
      allWeightMetrics: z.array(weightEntry),
    }),
  ),
  totalAverage: weightAverage.nullish(),
  previousDateWeight: weightEntry.nullish(),
  nextDateWeight: weightEntry.nullish(),
});

/** `GET /weight-service/weight/dayview/{date}`. */
export const weightDayview = z.looseObject({
  startDate: z.string(),
  endDate: z.string(),
  dateWeightList: z.array(weightEntry),
  totalAverage: weightAverage.nullish(),
});

const bloodPressureMeasurement = z.looseObject({
  version: z.number(),
  systolic: z.number(),
  diastolic: z.number(),
  pulse: z.number().nullish(),
  notes: z.string().nullish(),
  sourceType: z.string().nullish(),
  measurementTimestampLocal: z.string(),
  measurementTimestampGMT: z.string(),
  category: z.string().nullish(),
});

/** `GET /bloodpressure-service/bloodpressure/range/{start}/{end}?includeAll=true`. */
export const bloodPressureRange = z.looseObject({
  from: z.string(),
  until: z.string(),
  measurementSummaries: z.array(
    z.looseObject({
      startDate: z.string(),
      endDate: z.string(),
      measurements: z.array(bloodPressureMeasurement),
    }),
  ),
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
