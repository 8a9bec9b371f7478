import type { WithingsApiErrorCode } from './errors.js';

// Withings groups its `status` codes into families (protocol §6.1, from the official OpenAPI).
const AUTH_FAILED = new Set([100, 101, 102, 200, 401]);
const UNAUTHORIZED = new Set([214, 277, 2553, 2554, 2555]);
const INVALID_PARAMS_RANGES: Array<[number, number]> = [
  [201, 213],
  [216, 218],
  [220, 221],
  [223, 223],
  [225, 225],
  [227, 230],
  [234, 236],
  [238, 238],
  [240, 252],
  [254, 254],
  [260, 267],
  [271, 272],
  [275, 276],
  [283, 288],
  [290, 290],
  [293, 295],
  [297, 297],
  [300, 304],
  [321, 321],
  [323, 353],
  [380, 382],
  [400, 400],
  [501, 511],
  [523, 523],
  [532, 532],
  [3017, 3019],
];

/**
 * Maps a non-zero Withings `status` to our error code. `endpoint` matters for 503, which on the token
 * endpoint means the refresh token or code is dead (the user must authorize again).
 */
export function codeForStatus(status: number, error: string, endpoint: string): WithingsApiErrorCode {
  if (AUTH_FAILED.has(status)) return 'INVALID_TOKEN';
  if (status === 601) return 'RATE_LIMITED';
  if (status === 293) return 'CALLBACK_UNREACHABLE';
  if (status === 522) return 'TIMEOUT';
  if (UNAUTHORIZED.has(status)) return 'UNAUTHORIZED';
  if (status === 503) {
    return endpoint === '/v2/oauth2' && /refresh_token|invalid code/i.test(error)
      ? 'REAUTH_REQUIRED'
      : 'INVALID_PARAMS';
  }
  if (INVALID_PARAMS_RANGES.some(([low, high]) => status >= low && status <= high)) return 'INVALID_PARAMS';
  return 'UPSTREAM';
}
