import { UpshiftError } from '../../errors.js';

/** A query result that can't be written in the unload's format, or an export stream that broke off mid-value. */
export class UnloadError extends UpshiftError {
  declare readonly code: 'UNLOAD_FAILED';
  override name = 'UnloadError';
  constructor(message: string, options?: ErrorOptions) {
    super('UNLOAD_FAILED', message, options);
  }
}
