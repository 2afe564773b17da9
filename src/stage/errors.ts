// Errors a stage raises. A storage failure names the object it was writing or reading (`key`,
// `uri`) and keeps the storage error as `cause`; an encoding failure names row, column, value
// and rule, like the model's RowValidationError.
import { UpshiftError } from '../errors.js';
import { showValue } from '../model/errors.js';

export type StageOperation = 'upload' | 'write' | 'read' | 'list' | 'delete' | 'manifest';

/** A storage operation of a stage failed (S3 or the local folder). */
export class UpshiftStageError extends UpshiftError {
  declare readonly code: 'STAGE_FAILED';
  override name = 'UpshiftStageError';
  constructor(
    readonly operation: StageOperation,
    /** The S3 key, or the absolute local path, of the object concerned. */
    readonly key: string,
    /** s3://bucket/key or file:///path of the object concerned. */
    readonly uri: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('STAGE_FAILED', message, options);
  }

  /** An error from a failed abort/cleanup after this failure, if any (the original error stays the main one). */
  cleanupError?: unknown;
}

/** Describes a storage error briefly: `NoSuchBucket: The specified bucket does not exist`. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { Code?: string; code?: string }).Code ?? (err as { code?: string }).code;
    const name = err.name && err.name !== 'Error' ? err.name : code;
    return name && !err.message.startsWith(name) ? `${name}: ${err.message}` : err.message;
  }
  return String(err);
}

/** A row handed to the stage is not in the normalized form its column's kind needs. */
export class StageEncodeError extends UpshiftError {
  declare readonly code: 'ROW_UNENCODABLE';
  override name = 'StageEncodeError';
  constructor(
    /** 0-based index of the row in the input. */
    readonly rowIndex: number,
    readonly column: string,
    readonly value: unknown,
    readonly rule: string,
    detail: string,
  ) {
    super(
      'ROW_UNENCODABLE',
      `row ${rowIndex}, column "${column}": ${detail} (value ${showValue(value)}; rule: ${rule})`,
    );
  }
}
