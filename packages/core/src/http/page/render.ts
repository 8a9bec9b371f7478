import type { HeldWeighIn } from '../../engine/held.js';
import type { SyncOutcome } from '../../observability/activity.js';
import type { AccountStatus, CredentialStatus, StatusReport } from '../../observability/status.js';
import {
  ago,
  countdown,
  esc,
  FIELD_WORDS,
  FLASH,
  HELD_WHY,
  inWords,
  kg,
  LEVEL,
  SKIP_WORDS,
  TRIGGER_WORDS,
  when,
} from './words.js';

export { esc } from './words.js';

/** Where the page's own files are served (content-hashed paths, relative to the page). */
export interface PageAssetUrls {
  css: string;
  uplotCss: string;
  uplotJs: string;
  script: string;
}

/**
 * A message after an action (from a closed list: nothing a request sends is echoed as is; the
 * detail some carry is escaped plain words, see {@link PageModel.flashDetail}).
 */
export type Flash =
  | 'synced'
  | 'sync-failed'
  | 'sync-queued'
  | 'reconciled'
  | 'reconcile-failed'
  | 'subscribed'
  | 'subscribe-failed'
  | 'signed-in'
  | 'assigned'
  | 'already-synced'
  | 'assign-failed'
  | 'assign-busy'
  | 'dismissed'
  | 'not-found';

/** What the status page shows. */
export interface PageModel {
  report: StatusReport;
  now: Date;
  trendDays: 90 | 365;
  /** The session's CSRF token: with it the action forms are shown (a Bearer caller gets none). */
  csrf?: string;
  flash?: Flash;
  /** Plain words after the flash's own (a failure's message, why a weigh-in is not held); escaped. */
  flashDetail?: string;
  assets: PageAssetUrls;
  /** Whether the webhook has a public URL to subscribe (re-subscribe is offered only then). */
  webhookUrlSet: boolean;
  /** Display names of destinations by id. */
  names: Record<string, string>;
  /** Held weigh-ins per account (`sync.held.list()`), each with "This was me" and "Not me". */
  held?: Record<string, HeldWeighIn[]>;
}

function credential(name: string, c: CredentialStatus | null | undefined, now: Date, renews: string) {
  if (!c) return `<dt>${esc(name)}</dt><dd>not linked</dd>`;
  const expiry = c.accessTokenExpiresAt ? countdown(c.accessTokenExpiresAt, now, renews) : 'does not expire';
  return `<dt>${esc(name)}</dt><dd>${expiry}; saved ${ago(c.refreshedAt, now)}</dd>`;
}

function subscription(a: AccountStatus, now: Date): string {
  const s = a.subscription;
  if (!s) return 'not checked yet (reconcile checks it when a public URL is set)';
  if (s.present) return `in place (checked ${ago(s.checkedAt, now)})`;
  const why = s.error ? `: ${esc(s.error.message)}` : '';
  return `<strong>lost</strong> since ${when(s.lostAt ?? s.checkedAt)}${why}`;
}

function outcomeCell(s: SyncOutcome): string {
  const skipped = s.skipped.map((k) => `${k.count} ${esc(SKIP_WORDS[k.reason] ?? k.reason)}`).join(', ');
  const parts: string[] = [];
  if (s.synced) parts.push(`${s.synced} synced`);
  if (skipped) parts.push(`skipped: ${skipped}`);
  for (const f of s.failed)
    parts.push(`failed${f.destination ? ` (${esc(f.destination)})` : ''}: ${esc(f.message)}`);
  const word = s.result === 'synced' ? 'Synced' : s.result === 'failed' ? 'Failed' : 'Nothing new';
  const mark = s.result === 'failed' ? '✕' : '✓';
  return `<td class="r-${s.result}"><span class="mark" aria-hidden="true">${mark}</span> ${word}</td><td>${parts.join('; ') || '—'}</td>`;
}

function syncsTable(a: AccountStatus): string {
  if (a.recentSyncs.length === 0) return '<p>No sync recorded yet.</p>';
  const rows = a.recentSyncs
    .map(
      (s) =>
        `<tr><td>${when(s.at)}</td><td>${esc(TRIGGER_WORDS[s.trigger] ?? s.trigger)}</td>${outcomeCell(s)}</tr>`,
    )
    .join('');
  return `<div class="scroll"><table><caption>The last ${a.recentSyncs.length} syncs, newest first</caption><thead><tr><th scope="col">Started</th><th scope="col">Trigger</th><th scope="col">Outcome</th><th scope="col">Details</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

function destinationsTable(a: AccountStatus, model: PageModel): string {
  if (a.destinations.length === 0) return '<p>No destination linked.</p>';
  const rows = a.destinations
    .map((d) => {
      const count = d.weighIns === null ? 'counted at the next sync' : `${d.weighIns}`;
      return `<tr><th scope="row">${esc(model.names[d.id] ?? d.id)}</th><td>${count}</td><td>${when(d.lastWriteAt)}</td></tr>`;
    })
    .join('');
  return `<table><caption>What each destination holds</caption><thead><tr><th scope="col">Destination</th><th scope="col">Weigh-ins</th><th scope="col">Last write</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** The trend's data for the script: columns, in a non-executed JSON block (`<` escaped). */
function trendData(a: AccountStatus, model: PageModel): { json: string; count: number; summary: string } {
  const points = a.trend ?? [];
  const ids = [...new Set(points.flatMap((p) => p.writtenTo))];
  const data = {
    days: model.trendDays,
    t: points.map((p) => Math.round(Date.parse(p.takenAt) / 1000)),
    kg: points.map((p) => p.weightKg),
    fat: points.map((p) => p.fatPercent ?? null),
    written: ids.map((id) => ({
      name: model.names[id] ?? id,
      at: points.flatMap((p, i) => (p.writtenTo.includes(id) ? [i] : [])),
    })),
  };
  const weights = points.map((p) => p.weightKg);
  const summary =
    points.length === 0
      ? `No weigh-in in the last ${model.trendDays} days.`
      : `${points.length} weigh-ins in the last ${model.trendDays} days, from ${Math.min(...weights)} to ${Math.max(...weights)} kg; latest ${weights[weights.length - 1]} kg on ${when(points[points.length - 1]?.takenAt)}.`;
  return { json: JSON.stringify(data).replace(/</g, '\\u003c'), count: points.length, summary };
}

function trend(a: AccountStatus, model: PageModel, n: number): string {
  const { json, count, summary } = trendData(a, model);
  const link = (days: 90 | 365, label: string) =>
    days === model.trendDays
      ? `<a href="?days=${days}" aria-current="true">${label}</a>`
      : `<a href="?days=${days}">${label}</a>`;
  return `<section aria-labelledby="trend-h-${n}"><h3 id="trend-h-${n}">Weight and body fat</h3>
<p class="ranges">Show: ${link(90, '90 days')} · ${link(365, '1 year')}</p>
<figure><div class="chart" id="chart-${n}" data-trend="trend-${n}" data-count="${count}" role="img" aria-label="Weight and body fat chart; the summary below says the same in words"></div>
<figcaption>${summary} Filled markers: weigh-ins wg-sync wrote to a destination.</figcaption></figure>
<script type="application/json" id="trend-${n}">${json}</script></section>`;
}

function actions(a: AccountStatus, model: PageModel): string {
  if (!model.csrf) return '<p class="note">Sign in with the form to use the actions.</p>';
  const form = (action: string, label: string, disabled = false) =>
    `<form method="post" action="./"><input type="hidden" name="csrf" value="${esc(model.csrf)}"><input type="hidden" name="action" value="${action}"><input type="hidden" name="userId" value="${esc(a.userId)}"><button type="submit"${disabled ? ' disabled' : ''}>${label}</button></form>`;
  const resubscribe = model.webhookUrlSet
    ? form('resubscribe', 'Re-subscribe the webhook')
    : `${form('resubscribe', 'Re-subscribe the webhook', true)}<p class="note">Set a public URL (WG_SYNC_PUBLIC_URL) to subscribe.</p>`;
  return `<div class="actions">${form('sync', 'Sync now')}${resubscribe}</div>`;
}

function fieldList(h: HeldWeighIn): string {
  const parts = Object.entries(h.fields)
    .filter((entry): entry is [string, number] => typeof entry[1] === 'number')
    .map(([name, value]) => {
      const [words, unit] = FIELD_WORDS[name] ?? [name, ''];
      return `${words} ${Math.round(value * 100) / 100}${unit ? (unit === '%' ? ' %' : ` ${unit}`) : ''}`;
    });
  return parts.length ? esc(parts.join(', ')) : 'nothing else';
}

function heldItem(h: HeldWeighIn, model: PageModel): string {
  const words = inWords(h.takenAt);
  const name = `${words}, ${kg(h.weightKg)}`;
  const form = (action: 'assign' | 'dismiss', label: string) =>
    `<form method="post" action="./"><input type="hidden" name="csrf" value="${esc(model.csrf)}"><input type="hidden" name="action" value="${action}"><input type="hidden" name="heldId" value="${esc(h.id)}"><button type="submit" aria-label="${label}: the weigh-in of ${esc(name)}">${label}</button></form>`;
  const answer = model.csrf
    ? `<div class="actions">${form('assign', 'This was me')}${form('dismiss', 'Not me')}</div>`
    : '<p class="note">Sign in with the form to answer.</p>';
  return `<li><p><strong><time datetime="${esc(h.takenAt)}">${esc(words)}</time>: ${esc(kg(h.weightKg))}</strong> <span class="note">(<code>${esc(h.takenAt)}</code>)</span></p>
<dl><dt>Why held</dt><dd>${esc(HELD_WHY[h.reason] ?? h.reason)}</dd>
<dt>Also measured</dt><dd>${fieldList(h)}</dd>
<dt>If unanswered</dt><dd>${countdown(h.expiresAt, model.now, ' (dismissed at the next sync)')} (${when(h.expiresAt)})</dd></dl>
${answer}</li>`;
}

function held(a: AccountStatus, model: PageModel, n: number): string {
  const items = model.held?.[a.userId];
  if (!items?.length) return '';
  const rows = items.map((h) => heldItem(h, model)).join('');
  return `<section aria-labelledby="held-h-${n}"><h3 id="held-h-${n}">Held weigh-ins</h3>
<p>wg-sync did not send these on its own: say whether each was you. "This was me" sends it to your destinations with its original time and every measure; "Not me" dismisses it for good.</p>
<ul class="held">${rows}</ul></section>`;
}

function account(a: AccountStatus, model: PageModel, n: number): string {
  const { now } = model;
  const level = LEVEL[a.health.level];
  const reasons = a.health.reasons.length
    ? `<ul class="reasons">${a.health.reasons.map((r) => `<li>${esc(r)}</li>`).join('')}</ul>`
    : '';
  const pending = a.pending ? `${a.pending.count} waiting since ${when(a.pending.since)}` : 'none waiting';
  return `<section class="account" aria-labelledby="acct-h-${n}">
<h2 id="acct-h-${n}">Withings user ${esc(a.userId)}</h2>
<p class="health h-${a.health.level}"><span class="mark" aria-hidden="true">${level.mark}</span> Health: <strong>${level.word}</strong></p>${reasons}
<dl>
${credential('Withings token', a.withings, now, ' (renewed at the next sync)')}
${credential('Garmin session', a.garmin, now, ' (renewed at the next sync)')}
${a.intervals ? credential('intervals.icu key', a.intervals, now, '') : ''}
<dt>Webhook subscription</dt><dd>${subscription(a, now)}</dd>
<dt>Withings last called</dt><dd>${ago(a.lastNotificationAt, now)}</dd>
<dt>Pending notifications</dt><dd>${pending}</dd>
<dt>Last successful sync</dt><dd>${ago(a.lastSuccessAt, now)}</dd>
</dl>
${actions(a, model)}
${held(a, model, n)}
${trend(a, model, n)}
<section aria-labelledby="dest-h-${n}"><h3 id="dest-h-${n}">Destinations</h3>${destinationsTable(a, model)}</section>
<section aria-labelledby="syncs-h-${n}"><h3 id="syncs-h-${n}">Last syncs</h3>${syncsTable(a)}</section>
</section>`;
}

function layout(title: string, body: string, assets: PageAssetUrls, chart: boolean): string {
  const chartFiles = chart
    ? `<link rel="stylesheet" href="${esc(assets.uplotCss)}"><script src="${esc(assets.uplotJs)}" defer></script>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${esc(title)}</title>
<link rel="stylesheet" href="${esc(assets.css)}">${chartFiles}<script src="${esc(assets.script)}" defer></script></head>
<body><main>${body}</main></body></html>`;
}

/** The status page for a signed-in person (or a Bearer caller). */
export function renderStatusPage(model: PageModel): string {
  const flash = model.flash ? FLASH[model.flash] : undefined;
  const top = `<header><h1>wg-sync status</h1><p>As of ${when(model.now.toISOString())}. ${model.report.accounts.length} account(s).</p>${
    model.csrf
      ? `<form method="post" action="./" class="top-actions"><input type="hidden" name="csrf" value="${esc(model.csrf)}"><button type="submit" name="action" value="reconcile">Reconcile now</button> <button type="submit" name="action" value="sign-out">Sign out</button></form>`
      : ''
  }</header>${
    flash
      ? `<p role="status" class="flash ${flash.ok ? 'ok' : 'bad'}"><span class="mark" aria-hidden="true">${flash.ok ? '✓' : '✕'}</span> ${esc(flash.text)}${model.flashDetail ? ` ${esc(model.flashDetail)}` : ''}</p>`
      : ''
  }${
    model.report.withingsBackoffUntil
      ? `<p role="status" class="flash bad"><span class="mark" aria-hidden="true">✕</span> Withings refused this deployment for calling too often (status 601): no sync calls it before ${when(model.report.withingsBackoffUntil)}. The syncs come back then; nothing is lost.</p>`
      : ''
  }`;
  const accounts = model.report.accounts.length
    ? model.report.accounts.map((a, i) => account(a, model, i + 1)).join('\n')
    : '<p>No account is linked yet: run wg-sync withings auth, then wg-sync garmin login.</p>';
  return layout('wg-sync status', `${top}${accounts}`, model.assets, true);
}

/** The sign-in form (no data), or the note that the page is off. */
export function renderSignIn(
  assets: PageAssetUrls,
  options: { error?: 'wrong' | 'throttled' | 'expired'; disabled?: boolean } = {},
): string {
  if (options.disabled) {
    return layout(
      'wg-sync status: disabled',
      '<h1>wg-sync status</h1><p>The status page is disabled: no API token is configured. Set WG_SYNC_API_TOKEN (or <code>apiToken</code>) to turn it on.</p>',
      assets,
      false,
    );
  }
  const error =
    options.error === 'wrong'
      ? 'That is not the API token.'
      : options.error === 'throttled'
        ? 'Too many failed attempts: try again in a few minutes.'
        : options.error === 'expired'
          ? 'The form expired: sign in again.'
          : undefined;
  return layout(
    'wg-sync status: sign in',
    `<h1>wg-sync status</h1>${error ? `<p role="alert" class="flash bad"><span class="mark" aria-hidden="true">✕</span> ${esc(error)}</p>` : ''}
<form method="post" action="./" class="sign-in"><input type="hidden" name="action" value="sign-in">
<label for="token">API token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required maxlength="512">
<button type="submit">Sign in</button></form>
<p class="note">The token is WG_SYNC_API_TOKEN of this deployment. Signing in sets a cookie for 12 hours.</p>`,
    assets,
    false,
  );
}
