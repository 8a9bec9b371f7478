/** Base class of every error this package throws; `code` tells what went wrong. */
export abstract class FitError extends Error {
  abstract readonly code: string;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Why {@link encodeWeightFit} refused its input. */
export type FitEncodeErrorCode = 'EMPTY' | 'INVALID_TIMESTAMP' | 'INVALID_VALUE' | 'OUT_OF_RANGE';

/**
 * The input to {@link encodeWeightFit} cannot become a valid FIT weight file. The message names the
 * field and the entry index (`entries[2].fatPercent: …`); both are also on the error.
 */
export class FitEncodeError extends FitError {
  readonly code: FitEncodeErrorCode;
  /** The offending field (`weightKg`, `timestamp`, … or an option name such as `createdAt`). */
  readonly field?: string;
  /** Index of the offending entry in the array passed in; absent for options. */
  readonly index?: number;

  constructor(code: FitEncodeErrorCode, message: string, details: { field?: string; index?: number } = {}) {
    super(message);
    this.code = code;
    if (details.field !== undefined) this.field = details.field;
    if (details.index !== undefined) this.index = details.index;
  }
}

/** Why {@link decodeWeightFit} refused its input. */
export type FitDecodeErrorCode = 'CORRUPT' | 'NOT_WEIGHT_FILE';

/**
 * The bytes given to {@link decodeWeightFit} are not a readable FIT file (`CORRUPT`: bad header,
 * CRC mismatch, truncated) or are a FIT file of another type (`NOT_WEIGHT_FILE`).
 */
export class FitDecodeError extends FitError {
  readonly code: FitDecodeErrorCode;

  constructor(code: FitDecodeErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
