import { randomUUID } from 'node:crypto';
import { checkTimeZone } from './time.js';
import type { GarminSimAccount, GarminSimBloodPressure, GarminSimWeighIn } from './types.js';

export const DEFAULT_ACCOUNT: GarminSimAccount = {
  email: 'user@example.com',
  password: 'correct horse battery staple',
};

export interface AccountState {
  email: string;
  password: string;
  mfa: boolean;
  captcha: boolean;
  timeZone: string;
  displayName: string;
  profileId: number;
  garminGUID: string;
  weighIns: GarminSimWeighIn[];
  bloodPressures: GarminSimBloodPressure[];
  mfaCodes: string[];
}

/** A new account's state with the defaults filled in; throws for an unknown time zone. */
export function newAccountState(email: string, input: GarminSimAccount, profileId: number): AccountState {
  const timeZone = input.timeZone ?? 'UTC';
  checkTimeZone(timeZone);
  return {
    email,
    password: input.password,
    mfa: input.mfa ?? false,
    captcha: input.captcha ?? false,
    timeZone,
    displayName: input.displayName ?? `${email.split('@')[0]?.replace(/[^a-z0-9]/g, '') || 'user'}.garmin`,
    profileId,
    garminGUID: randomUUID(),
    weighIns: [],
    bloodPressures: [],
    mfaCodes: [],
  };
}
