/**
 * One user's Withings OAuth tokens. The refresh token rotates on every refresh: always store the
 * newest pair before using its access token.
 */
export interface WithingsTokens {
  /** The Withings user id (an opaque string; Withings sends it as a number in JSON and as text in webhooks). */
  userId: string;
  accessToken: string;
  refreshToken: string;
  /** When the access token stops working (Withings: 3 hours after issue). */
  expiresAt: Date;
  /** The scopes the user actually granted, e.g. `['user.metrics']`. */
  scope: string[];
}

/** One measure inside a {@link MeasureGroup}, decoded to SI units (`value × 10^unit`). */
export interface Measure {
  /** Withings measure type (1 weight kg, 6 fat %, 76 muscle kg, 77 hydration kg, 88 bone kg, …). Unknown types are kept. */
  type: number;
  /** The decoded value (kg, %, m/s, kcal … depending on `type`). */
  value: number;
  /** Body position for segmental data (7 whole body, 12 torso, …), when Withings sends one. */
  position?: number;
}

/**
 * A Withings measure group (`measuregrps[]` in getmeas), decoded. One weigh-in can be split across
 * several groups that share `takenAt` and `deviceId`; {@link toWeighIns} merges them.
 */
export interface MeasureGroup {
  /** `grpid`, as a string: the idempotency key of the measurement. */
  groupId: string;
  /**
   * `attrib`: 0 device/this user, 1 ambiguous, 2 manual, 3 user-picked on the device, 4 manual at
   * sign-up, 8 same as 0, … (the table at {@link ToWeighInsOptions.attributions}). Unknown values are kept.
   */
  attribution: number;
  /** `date`: when the measurement was taken. */
  takenAt: Date;
  /** `created`: when Withings stored it (a scale that was offline uploads hours later). */
  createdAt: Date;
  /** `modified`: last change (also bumped by re-attribution and deletion of a measure). */
  modifiedAt: Date;
  /** 1 real measurement, 2 user objective (goal). */
  category: number;
  /** The device id, or `null` for a manual entry. */
  deviceId: string | null;
  /** Device model name (`'Body Cardio'`), or `null`. */
  model: string | null;
  /** Device model id (6 Body Cardio, 10 Body Scan, …), or `null`. */
  modelId: number | null;
  measures: Measure[];
}

/** Result of {@link WithingsClient.getMeasures}: every page, merged. */
export interface GetMeasuresResult {
  groups: MeasureGroup[];
  /**
   * Server time of the answer. Pass it as `lastUpdate` next time to get only what changed since.
   * With several pages it is the first page's time, so nothing changed during paging is skipped.
   */
  updateTime: Date;
  /** The user's IANA time zone, e.g. `'Europe/Berlin'`. */
  timeZone: string;
  /**
   * How many pages the answer took (1 when Withings said `more=0` at once). Groups deleted while
   * paging by `offset` can shift others out of view, so a caller that reads absence as deletion
   * should not trust a paged answer. Absent in results not built by {@link WithingsClient}.
   */
  pages?: number;
}

/**
 * One weigh-in: the groups of one measurement instant and device, merged. Body composition is
 * present only when that weigh-in measured it; it is never borrowed from another weigh-in.
 */
export interface WeighIn {
  /** The instant of the weigh-in. */
  takenAt: Date;
  /** Every `grpid` merged into this weigh-in (the ledger keys). */
  groupIds: string[];
  /** The latest `modified` of the merged groups. */
  modifiedAt: Date;
  /** Device id, `null` for manual entries. */
  deviceId: string | null;
  /** Device model name when known. */
  model: string | null;
  /** The attributions of the merged groups (for example `[0, 8]` for Body Cardio). */
  attributions: number[];
  weightKg: number;
  /** Type 6. */
  fatPercent?: number;
  /** Type 8. */
  fatMassKg?: number;
  /** Type 5. */
  fatFreeMassKg?: number;
  /** Type 76. */
  muscleMassKg?: number;
  /** Type 77 (Withings reports body water in kg). */
  hydrationKg?: number;
  /** Type 77 ÷ weight × 100: what Garmin expects. */
  hydrationPercent?: number;
  /** Type 88. */
  boneMassKg?: number;
  /** Type 170 (a unitless index, e.g. 3.2). */
  visceralFatIndex?: number;
  /** Type 226, kcal per day. */
  basalMetKcal?: number;
  /** Type 227, years. */
  metabolicAge?: number;
  /** Type 11, beats per minute. */
  heartRate?: number;
  /** Type 91, m/s. */
  pulseWaveVelocity?: number;
}

/** Why {@link toWeighIns} left a group out. */
export type ExclusionReason = 'ambiguous' | 'manual' | 'attribution' | 'no-weight' | 'objective';

/** Options for {@link toWeighIns}. */
export interface ToWeighInsOptions {
  /**
   * The `attrib` values to sync. Default `[0, 3, 8]`: measured by a device for this user (0), the
   * user picked their profile on the device (3), "same as 0" (8: Body Cardio and Body Scan put
   * pulse wave velocity there). What Withings sends (protocol §4.4, §7, §12):
   *
   * | attrib | meaning | default |
   * | --- | --- | --- |
   * | 0 | device, this user | synced |
   * | 1 | device, ambiguous: may belong to another user of the scale | `ambiguous` |
   * | 2 | entered by hand for this user (see `includeManual`) | `manual` |
   * | 3 | the user picked the profile on the device (undocumented) | synced |
   * | 4 | entered by hand at sign-up, "may not be accurate" | `manual` |
   * | 5 | blood-pressure monitor in auto mode (best of several readings) | `attribution` |
   * | 7 | the user confirmed a detected activity | `attribution` |
   * | 8 | same as 0 | synced |
   * | 17 | undocumented; aiowithings maps it to 15 ("guided conditions"); seen only on blood pressure | `attribution` |
   *
   * aiowithings treats 2, 5, 7 and 17 as valid data; withings-sync applies no filter at all. Any
   * other value (9, 99, -1, 2 ** 40, …) is left out with reason `attribution`, never an error. Pass
   * the full set you want: `[0, 3, 8, 17]` adds 17 to the default (core: `attributions`, or
   * `WG_SYNC_ATTRIBUTIONS=0,3,8,17`).
   */
  attributions?: number[];
  /** Also sync attrib 2 (entered manually by the user). Default `false`. Attrib 4 (sign-up value) is never synced. */
  includeManual?: boolean;
}

/** Result of {@link toWeighIns}. */
export interface ToWeighInsResult {
  /** Weigh-ins ordered by `takenAt`. */
  weighIns: WeighIn[];
  /** Every group that did not become (part of) a weigh-in, with the reason. */
  excluded: Array<{ groupId: string; reason: ExclusionReason }>;
}

/**
 * A validated Withings webhook notification (the form body Withings POSTs to the callback URL) with
 * its data window. Event notifications without one are {@link WithingsEventNotification}s.
 */
export interface WithingsNotification {
  /** `userid`, as a string. */
  userId: string;
  /** `appli`: 1 weight and body composition, 4 blood pressure, 46 user actions (unlink), … */
  appli: number;
  /** `startdate`: start of the changed data window. */
  startDate: Date;
  /** `enddate`: end of the changed data window. */
  endDate: Date;
  /** `date` (event notifications), as sent: `YYYY-MM-DD` or epoch seconds. */
  date?: string;
  /** `action` (appli 46): `unlink`, `delete`, `update`, … */
  action?: string;
  /** `deviceid` when Withings includes it. */
  deviceId?: string;
}

/**
 * A validated Withings notification without a data window: the event notifications Withings
 * documents without `startdate`/`enddate` (appli 46 user actions such as `action=unlink`, 50/51 in
 * and out of bed, …). {@link parseNotification} returns one when a non-data appli comes without the
 * pair; `startDate` is then absent, which is how to tell the two apart.
 */
export interface WithingsEventNotification {
  /** `userid`, as a string. */
  userId: string;
  /** `appli`: 46 user actions, 50 in bed, 51 out of bed, … (never 1, 2, 4, 16 or 44). */
  appli: number;
  /** Event notifications carry no window. */
  startDate?: undefined;
  /** Event notifications carry no window. */
  endDate?: undefined;
  /** `date` (the event's day or instant), as sent: `YYYY-MM-DD` or epoch seconds. */
  date?: string;
  /** `action` (appli 46): `unlink`, `delete`, `update`, … */
  action?: string;
  /** `deviceid` when Withings includes it. */
  deviceId?: string;
}

/** A webhook subscription as `notify list` reports it. */
export interface NotifySubscription {
  appli: number;
  callbackUrl: string;
  comment: string | null;
  /** `null` when the subscription does not expire (Withings sends 2147483647). */
  expiresAt: Date | null;
}
