import { join } from 'node:path';
import type { SyncConfig } from '@wg-sync/core';
import { CliError, EXIT } from './errors.js';

/** The flag of the commands that expose (`serve`) or hand out (`webhook subscribe`) the webhook. */
export const allowUnauthenticatedWebhookArg = {
  'allow-unauthenticated-webhook': {
    type: 'boolean',
    description:
      'go on without WG_SYNC_WEBHOOK_SECRET: anyone who finds the URL can trigger syncs (not recommended; also WG_SYNC_ALLOW_UNAUTHENTICATED_WEBHOOK=true)',
  },
} as const;

/** The commands that need the secret, for the messages. */
export type WebhookCommand = 'serve' | 'webhook subscribe';

/** A path as a shell word, so the fix can be pasted. */
function sh(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replaceAll("'", "'\\''")}'`;
}

/** The commands that set a secret and move the subscription to it, ready to paste. */
function setSecretFix(dir: string): string {
  return `echo "WG_SYNC_WEBHOOK_SECRET=$(openssl rand -hex 32)" >> ${sh(join(dir, 'config.env'))}, (re)start wg-sync serve, then run: wg-sync webhook subscribe`;
}

/**
 * Withings signs nothing: the secret path (`/webhook/withings/<secret>`) is all that keeps strangers
 * from triggering syncs. Without a secret `serve` and `webhook subscribe` refuse, unless the person
 * opted out (flag or `WG_SYNC_ALLOW_UNAUTHENTICATED_WEBHOOK=true`); then the returned warning line is
 * printed at every start, so the choice is never forgotten.
 *
 * @returns the warning line to print, or `undefined` when a secret is configured.
 * @throws CliError (usage) without a secret and without the opt-out.
 */
export function checkWebhookSecret(
  config: SyncConfig,
  dir: string,
  command: WebhookCommand,
): string | undefined {
  if (config.webhookSecret) return undefined;
  if (!config.allowUnauthenticatedWebhook) {
    throw new CliError(
      `${command} needs a webhook secret (WG_SYNC_WEBHOOK_SECRET): Withings signs nothing, so the secret path /webhook/withings/<secret> is what keeps strangers from triggering syncs`,
      {
        exitCode: EXIT.USAGE,
        fix: `${setSecretFix(dir)} (or pass --allow-unauthenticated-webhook, not recommended)`,
      },
    );
  }
  return `wg-sync: warning: the webhook has no secret path, so anyone who finds its URL can trigger syncs; fix: ${setSecretFix(dir)}`;
}
