import type { HeldWeighIn } from '../../engine/held.js';
import { HeldNotFoundError } from '../../errors.js';
import type { StatusReport } from '../../observability/status.js';
import type { HeldResolution } from '../../store/state.js';
import type { Flash } from './render.js';

// Held weigh-ins on the status page (page-route.ts): their ids as a form or a URL may carry them, and
// the words after their flash.

/**
 * A held weigh-in's id as the engine makes them (`<Withings user>-<measure group>`), bounded: it
 * comes from a form or a URL, and is acted on, logged and shown only in this shape.
 */
const HELD_ID = /^(\d{1,20})-([A-Za-z0-9_]{1,40})$/;
const MAX_HELD_ID = 64;
/** Why a weigh-in is not held (a {@link HeldNotFoundError}'s `resolution`), as the redirect carries it. */
export const NOT_HELD: ReadonlySet<string> = new Set<HeldResolution>([
  'assigned',
  'reattributed',
  'dismissed',
  'expired',
  'assigned-elsewhere',
]);

/** The id of a held weigh-in, when `value` has the shape of one; `undefined` for anything else. */
export function heldIdOf(value: string | null): { id: string; userId: string } | undefined {
  if (!value || value.length > MAX_HELD_ID) return undefined;
  const userId = HELD_ID.exec(value)?.[1];
  return userId ? { id: value, userId } : undefined;
}

/** The held weigh-ins of each linked account, from the report (the JSON shows the same). */
export function heldByAccount(report: StatusReport): Record<string, HeldWeighIn[]> {
  return Object.fromEntries(report.accounts.filter((a) => a.held.length > 0).map((a) => [a.userId, a.held]));
}

/**
 * The plain words after a held weigh-in's flash, from what the deployment knows (of the request only
 * an id of the engine's shape, escaped when shown): why it is not held (the {@link HeldNotFoundError}
 * message, `why` from a closed list), or the failure of the account's last assign (its activity record).
 */
export function flashDetail(report: StatusReport, flash: Flash, params: URLSearchParams): string | undefined {
  const held = heldIdOf(params.get('held'));
  if (!held) return undefined;
  if (flash === 'not-found') {
    const why = params.get('why') ?? '';
    return sentence(new HeldNotFoundError(held.id, NOT_HELD.has(why) ? why : undefined).message);
  }
  if (flash !== 'assign-failed') return undefined;
  const account = report.accounts.find((a) => a.userId === held.userId);
  const failure = account?.recentSyncs.find((s) => s.trigger === 'assign')?.failed[0];
  if (!failure) return undefined;
  return sentence(
    `what went wrong${failure.destination ? ` (${failure.destination})` : ''}: ${failure.message}`,
  );
}

const sentence = (text: string) =>
  `${text.charAt(0).toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? '' : '.'}`;
