import { json } from '../shared/http-server.js';
import type { AccountState } from './account-state.js';

/**
 * `GET /userprofile-service/socialProfile` (protocol §2.1). No recording is published; the keys are
 * the ones clients read (`displayName`, `profileId`, `garminGUID`) plus a few common neighbours.
 */
export function socialProfile(account: AccountState): Response {
  return json({
    id: account.profileId,
    profileId: account.profileId,
    garminGUID: account.garminGUID,
    displayName: account.displayName,
    fullName: account.displayName,
    userName: account.email,
    profileImageUrlLarge: null,
    profileImageUrlMedium: null,
    profileImageUrlSmall: null,
    location: null,
    profileVisibility: 'private',
    userRoles: ['SCOPE_CONNECT_READ', 'SCOPE_CONNECT_WRITE'],
    nameApproved: true,
    userPro: false,
  });
}
