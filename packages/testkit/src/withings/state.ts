import type { SimClock } from '../shared/clock.js';
import type { Deliverer } from './delivery.js';
import type { TokenBook } from './tokens.js';
import type { SimMeasureGroup, SimSubscription, WithingsSimOptions } from './types.js';

export interface SimUser {
  userId: string;
  timeZone: string;
  deviceId: string;
  groups: SimMeasureGroup[];
}

/** Everything the route handlers share. */
export interface SimState {
  options: WithingsSimOptions;
  clientId: string;
  clientSecret: string;
  clock: SimClock;
  tokens: TokenBook;
  users: Map<string, SimUser>;
  subscriptions: SimSubscription[];
  deliverer: Deliverer;
  /** Last time each identical request was seen (for the "same arguments" 601). */
  recentRequests: Map<string, number>;
}

/** The Withings JSON envelope. */
export function envelope(status: number, body: unknown = {}, error?: string): Response {
  return new Response(JSON.stringify(error === undefined ? { status, body } : { status, body, error }), {
    status: 200,
    headers: { 'content-type': 'application/json;charset=utf-8' },
  });
}

export const INVALID_TOKEN = 'XRequestID: Not provided invalid_token: The access token provided is invalid';

export const nowSeconds = (clock: SimClock) => Math.floor(clock.now().getTime() / 1000);

/** An optional integer form field; `null` when present but not an integer. */
export function intParam(form: URLSearchParams, name: string): number | undefined | null {
  const text = form.get(name);
  if (text === null || text === '') return undefined;
  return /^-?\d+$/.test(text) ? Number(text) : null;
}
