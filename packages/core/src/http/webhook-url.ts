import type { ResolvedConfig } from '../config/config.js';

/** The callback URL Withings should call: `publicUrl` + `/webhook/withings[/<webhookSecret>]`. */
export function webhookUrl(config: Pick<ResolvedConfig, 'publicUrl' | 'webhookSecret'>): string | undefined {
  if (!config.publicUrl) return undefined;
  const base = config.publicUrl.replace(/\/+$/, '');
  return `${base}/webhook/withings${config.webhookSecret ? `/${config.webhookSecret}` : ''}`;
}
