import type { HeldWeighIn } from '../../engine/held.js';
import type { Flash } from './render.js';

// The page's words: reasons, fields and triggers in plain language, instants and durations as a
// person reads them, and HTML escaping. render.ts builds the page from them.

export const HELD_WHY: Record<HeldWeighIn['reason'], string> = {
  ambiguous: 'Withings could not tell who stepped on the scale',
  'out-of-band': 'outside your usual weight range',
};

/** The measures a held weigh-in carries besides its weight, in words, with their units. */
export const FIELD_WORDS: Record<string, [words: string, unit: string]> = {
  fatPercent: ['body fat', '%'],
  fatMassKg: ['fat mass', 'kg'],
  fatFreeMassKg: ['fat-free mass', 'kg'],
  muscleMassKg: ['muscle mass', 'kg'],
  hydrationKg: ['body water', 'kg'],
  hydrationPercent: ['body water', '%'],
  boneMassKg: ['bone mass', 'kg'],
  visceralFatIndex: ['visceral fat index', ''],
  basalMetKcal: ['basal metabolism', 'kcal a day'],
  metabolicAge: ['metabolic age', 'years'],
  heartRate: ['heart rate', 'bpm'],
  pulseWaveVelocity: ['pulse wave velocity', 'm/s'],
  heightM: ['height', 'm'],
};

export const SKIP_WORDS: Record<string, string> = {
  'duplicate-ledger': 'already synced',
  'duplicate-garmin': 'already in the destination',
  ambiguous: 'ambiguous (a shared scale)',
  manual: 'entered by hand',
  'no-weight': 'no weight',
  cap: 'over the per-sync cap (next sync)',
  attribution: "someone else's",
  objective: 'a goal, not a weigh-in',
  superseded: 'a later weigh-in that day',
  'not-created': 'not created by wg-sync',
  'changed-in-destination': 'changed in the destination',
  'deletion-cap': 'over the deletion cap (next sync)',
  'not-deletable': 'the destination cannot delete',
  'out-of-band': 'outside the usual weight (held)',
};

export const TRIGGER_WORDS: Record<string, string> = {
  webhook: 'Withings notification',
  manual: 'manual',
  recent: 'sync recent',
  backfill: 'backfill',
  reconcile: 'reconcile',
  pending: 'pending notifications',
  assign: 'held weigh-in assigned',
};

/** Escapes text for HTML content and quoted attributes. */
export function esc(value: unknown): string {
  return String(value).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

/** `<time>` of an instant, in UTC (the page's script shows it in the reader's zone). */
export function when(iso: string | null | undefined): string {
  if (!iso || Number.isNaN(Date.parse(iso))) return 'never';
  const text = `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
  return `<time datetime="${esc(iso)}">${esc(text)}</time>`;
}

/** "3 h 5 min", "2 days": a duration in words, to the two largest units. */
export function span(ms: number): string {
  const minutes = Math.max(0, Math.round(Math.abs(ms) / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (days >= 2) return `${days} days`;
  if (days === 1) return hours ? `1 day ${hours} h` : '1 day';
  if (hours) return mins ? `${hours} h ${mins} min` : `${hours} h`;
  return `${mins} min`;
}

/** A countdown to `iso`, server-rendered; the script ticks it. */
export function countdown(iso: string | null, now: Date, past: string): string {
  if (!iso || Number.isNaN(Date.parse(iso))) return 'no expiry recorded';
  const left = Date.parse(iso) - now.getTime();
  const text = left > 0 ? `expires in ${span(left)}` : `expired ${span(left)} ago${past}`;
  return `<time datetime="${esc(iso)}" data-countdown="${esc(past)}">${esc(text)}</time>`;
}

export function ago(iso: string | null | undefined, now: Date): string {
  if (!iso || Number.isNaN(Date.parse(iso))) return 'never';
  return `${when(iso)} (${esc(span(now.getTime() - Date.parse(iso)))} ago)`;
}

const DAY_WORDS = new Intl.DateTimeFormat('en-GB', {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
  timeZone: 'UTC',
});

/** "Tue, 3 Mar 2026, 07:12 UTC": an instant in words (the page's script shows it in the reader's zone). */
export function inWords(iso: string): string {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? iso : `${DAY_WORDS.format(at)} UTC`;
}

export const kg = (value: number) => `${Math.round(value * 100) / 100} kg`;

/** The words of each flash, and whether it is good news. */
export const FLASH: Record<Flash, { text: string; ok: boolean }> = {
  synced: { text: 'Sync finished: see the latest line under "Last syncs".', ok: true },
  'sync-failed': { text: 'The sync failed: see the latest line under "Last syncs".', ok: false },
  'sync-queued': { text: 'The sync is queued: reload in a minute to see it.', ok: true },
  reconciled: { text: 'Reconcile finished.', ok: true },
  'reconcile-failed': { text: 'Reconcile finished with failures: see each account.', ok: false },
  subscribed: { text: 'The webhook subscription is in place.', ok: true },
  'subscribe-failed': {
    text: 'Re-subscribing failed: Withings must reach the public URL; see the account.',
    ok: false,
  },
  'signed-in': { text: 'Signed in.', ok: true },
  assigned: {
    text: 'Assigned: the weigh-in went to your destinations with its original time (see "Last syncs").',
    ok: true,
  },
  'already-synced': { text: 'That weigh-in was already synced: nothing was written again.', ok: true },
  'assign-failed': { text: 'The assign failed, and the weigh-in stays held: try again.', ok: false },
  'assign-busy': {
    text: 'Another sync of this account kept running: assign the weigh-in again in a minute.',
    ok: false,
  },
  dismissed: { text: 'Dismissed: that weigh-in will not be held again.', ok: true },
  'not-found': { text: 'That weigh-in is not held (any more): the list below is current.', ok: false },
};

/** An account's health, as a word and a mark. */
export const LEVEL = {
  ok: { word: 'OK', mark: '✓' },
  attention: { word: 'Needs attention', mark: '!' },
  broken: { word: 'Broken', mark: '✕' },
} as const;
