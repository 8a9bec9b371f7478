import type { SyncErrorCode } from './error-codes.js';

/**
 * Marks wg-sync errors. `Symbol.for` gives every copy of this package the same symbol, so an error
 * from another copy (the CJS build next to the ESM one, or a second install under an adapter) is
 * still recognised, where `instanceof` and class names are not enough.
 */
const SYNC_ERROR: unique symbol = Symbol.for('@wg-sync/core.SyncError');

/**
 * Base class of every error @wg-sync/core (and the adapters) throw; `code` says what went wrong.
 * Recognise one with `isSyncError` / `isSyncErrorWithCode`: `instanceof` fails for an
 * error made by another copy of this package.
 */
export abstract class SyncError extends Error {
  /** What went wrong, one of `SYNC_ERROR_CODES`. */
  abstract readonly code: SyncErrorCode;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }

  /** The brand `isSyncError` checks (on the prototype: nothing is added to the instance). */
  get [SYNC_ERROR](): true {
    return true;
  }
}

/** True when `value` is a {@link SyncError}, made by this copy of @wg-sync/core or by any other. */
export function isSyncError(value: unknown): value is SyncError {
  if (value instanceof SyncError) return true;
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { [SYNC_ERROR]?: unknown })[SYNC_ERROR] === true &&
    typeof (value as { code?: unknown }).code === 'string'
  );
}

/**
 * True when `value` is a {@link SyncError} with this `code` (from any copy of @wg-sync/core).
 *
 * @example
 * ```ts
 * if (isSyncErrorWithCode(error, 'STORE_CONFLICT')) return retry();
 * ```
 */
export function isSyncErrorWithCode<C extends SyncErrorCode>(
  value: unknown,
  code: C,
): value is SyncError & { readonly code: C } {
  return isSyncError(value) && value.code === code;
}

/** A compare-and-swap write found another version than expected (someone else wrote first). */
export class StoreConflictError extends SyncError {
  readonly code = 'STORE_CONFLICT' as const;
  readonly key: string;

  constructor(key: string, message = `state "${key}" was changed by someone else`) {
    super(message);
    this.key = key;
  }
}

/** A stored entry cannot be read (not JSON, wrong envelope). It is never reset silently. */
export class StoreCorruptError extends SyncError {
  readonly code = 'STORE_CORRUPT' as const;
  readonly key: string;
  /** Where the entry lives (a file path for `fileStore`). */
  readonly location: string;

  constructor(key: string, location: string, reason: string, options?: ErrorOptions) {
    super(
      `state "${key}" at ${location} is corrupt (${reason}); fix or remove it by hand, nothing was changed`,
      options,
    );
    this.key = key;
    this.location = location;
  }
}

/**
 * A stored entry, or the state directory, could be read or planted by someone else: owned by another
 * user, or open to group or others. Tokens live in the store, so it is refused before anything is read;
 * the message names the path, what is wrong and the fix.
 */
export class StoreInsecureError extends SyncError {
  readonly code = 'STORE_INSECURE' as const;
  /** The entry's key, or `undefined` when the state directory itself is refused. */
  readonly key: string | undefined;
  /** The file or directory refused (a path for `fileStore`). */
  readonly location: string;

  constructor(key: string | undefined, location: string, problem: string, fix: string) {
    super(
      `${key === undefined ? `state directory ${location}` : `state "${key}" at ${location}`} ${problem}; tokens live here: ${fix} (nothing was read)`,
    );
    this.key = key;
    this.location = location;
  }
}

/** The store itself failed (permissions, a symlink where a file should be, I/O). */
export class StoreError extends SyncError {
  readonly code = 'STORE_UNAVAILABLE' as const;
}

/** Configuration is missing or invalid; `problems` lists every one of them. */
export class ConfigError extends SyncError {
  readonly code = 'INVALID_CONFIG' as const;
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`wg-sync configuration is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

/** An account operation named a Withings user that is not linked. */
export class AccountNotFoundError extends SyncError {
  readonly code = 'ACCOUNT_NOT_FOUND' as const;
  readonly userId: string;

  constructor(userId: string) {
    super(`no linked account for Withings user ${userId}`);
    this.userId = userId;
  }
}

/** Several accounts are linked and the call did not say which one. */
export class UserIdRequiredError extends SyncError {
  readonly code = 'USER_ID_REQUIRED' as const;
  readonly userIds: string[];

  constructor(userIds: string[]) {
    super(`several accounts are linked (${userIds.join(', ')}): pass userId`);
    this.userIds = userIds;
  }
}

/**
 * `sync.held.assign` or `sync.held.dismiss` named a weigh-in no account holds: an unknown id, one
 * dismissed or expired (`resolution` says which; it cannot be assigned any more), or, for a dismiss,
 * one already synced (`assigned`, `reattributed`). `wg-sync held list` shows the ids held now.
 */
export class HeldNotFoundError extends SyncError {
  readonly code = 'NOT_FOUND' as const;
  readonly id: string;
  /** How it was answered, when it was: `dismissed`, `expired`, `assigned`, … */
  readonly resolution: string | undefined;

  constructor(id: string, resolution?: string) {
    super(
      resolution === 'assigned' || resolution === 'reattributed'
        ? `held weigh-in ${id} was already synced (${resolution === 'assigned' ? 'assigned' : 'Withings attributed it to the account'}): delete it in the destination instead`
        : resolution
          ? `held weigh-in ${id} is no longer held (${resolution.replace('-', ' ')})`
          : `no held weigh-in ${id}`,
    );
    this.id = id;
    this.resolution = resolution;
  }
}
