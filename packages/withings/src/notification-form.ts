import { WithingsNotificationError } from './errors.js';
import { FORM_NAMES, validate } from './notification-rules.js';
import type { WithingsEventNotification, WithingsNotification } from './types.js';

/** Withings' notification bodies are a few dozen bytes; anything over this is not one. */
export const MAX_NOTIFICATION_BYTES = 4096;
const KNOWN = new Set<string>(Object.values(FORM_NAMES));

/** Reads a webhook form body (string or params) into a notification, by the rules of {@link parseNotification}. */
export function parseFormBody(
  body: string | URLSearchParams,
): WithingsNotification | WithingsEventNotification {
  const pairs = toPairs(body);
  const fields = new Map<string, string>();
  for (const [key, value] of pairs) {
    const bare = key.replace(/\[.*$/, '');
    if (bare !== key && KNOWN.has(bare)) {
      throw new WithingsNotificationError('INVALID_FIELD', `${bare}: array syntax is not allowed`, bare);
    }
    if (!KNOWN.has(key)) continue;
    if (fields.has(key))
      throw new WithingsNotificationError('DUPLICATE_FIELD', `${key} appears more than once`, key);
    fields.set(key, value);
  }
  return validate(fields, FORM_NAMES, 'drop');
}

function toPairs(body: string | URLSearchParams): Array<[string, string]> {
  if (body instanceof URLSearchParams) {
    checkSize(body.toString());
    return [...body.entries()];
  }
  if (typeof body !== 'string') {
    throw new WithingsNotificationError('MALFORMED_BODY', 'notification body must be a form-encoded string');
  }
  checkSize(body);
  if (body.trim() === '') return [];
  return body.split('&').map((part) => {
    const equals = part.indexOf('=');
    const [key, value] = equals < 0 ? [part, ''] : [part.slice(0, equals), part.slice(equals + 1)];
    return [decode(key), decode(value)];
  });
}

function checkSize(text: string): void {
  // Characters can be up to 3 UTF-8 bytes; check the cheap bound first.
  if (
    text.length > MAX_NOTIFICATION_BYTES ||
    new TextEncoder().encode(text).length > MAX_NOTIFICATION_BYTES
  ) {
    throw new WithingsNotificationError(
      'BODY_TOO_LARGE',
      `notification body is over ${MAX_NOTIFICATION_BYTES} bytes`,
    );
  }
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw new WithingsNotificationError('MALFORMED_BODY', 'notification body has invalid percent-encoding');
  }
}
