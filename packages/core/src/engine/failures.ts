import type { Engine } from '../context.js';
import { isSyncErrorCode, needsSignIn, type SyncErrorCode } from '../error-codes.js';

/**
 * Which upstream an error came from, judged by its class name: core loads the upstream packages
 * lazily (so it cannot hold their classes up front) and a name survives a second copy of them.
 */
export function sideOf(error: unknown): 'withings' | 'garmin' | undefined {
  const name = (error as Error)?.name ?? '';
  if (name.startsWith('Withings')) return 'withings';
  if (name.startsWith('Garmin')) return 'garmin';
  return undefined;
}

/** What {@link describeFailure} makes of an error. */
export interface Failure {
  code: SyncErrorCode;
  /** One line, secrets redacted. */
  message: string;
  /** The error's own code when it is not one of `SYNC_ERROR_CODES` (then `code` is a catch-all). */
  originalCode?: string;
}

/** Codes worth keeping as `originalCode`: identifiers (`ENOENT`, `ERR_…`), never free text. */
const CODE_LIKE = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/**
 * A stable code and a one-line, redacted message for any error. A code outside the union (an
 * upstream's new code, a platform error's `ENOENT`) becomes `UPSTREAM` when Withings or Garmin sent
 * it and `INTERNAL` otherwise, so nothing outside {@link SyncErrorCode} reaches a report.
 */
export function describeFailure(engine: Engine, error: unknown): Failure {
  const code = (error as { code?: unknown })?.code;
  const message = error instanceof Error ? error.message : String(error);
  const line = engine.redactor.text(message.split('\n')[0] ?? '');
  if (isSyncErrorCode(code)) return { code, message: line };
  const catchAll: SyncErrorCode = sideOf(error) ? 'UPSTREAM' : 'INTERNAL';
  return {
    code: catchAll,
    message: line,
    ...(typeof code === 'string' && CODE_LIKE.test(code) ? { originalCode: engine.redactor.text(code) } : {}),
  };
}

/** True when the error means a person must sign in / authorize again ({@link needsSignIn}). */
export function isReauth(error: unknown): boolean {
  return needsSignIn((error as { code?: unknown })?.code);
}
