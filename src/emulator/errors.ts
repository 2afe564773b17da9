// Redshift's error shapes, as clients see them on the wire.
import type { NoticeFields } from './wire.js';

/** An error the emulator reports to the client as Redshift would. */
export class RedshiftError extends Error {
  constructor(
    message: string,
    readonly code = 'XX000',
    readonly detail?: string,
  ) {
    super(message);
  }

  fields(): NoticeFields {
    const f: NoticeFields = { S: 'ERROR', C: this.code, M: this.message };
    if (this.detail !== undefined) f.D = this.detail;
    return f;
  }
}

/** The DETAIL block Redshift attaches to its internal (XX000) errors. */
export function internalDetail(error: string, code: number, context: string, query: number, location: string): string {
  return [
    '',
    '  -----------------------------------------------',
    `  error:  ${error}`,
    `  code:      ${code}`,
    `  context:   ${context}`,
    `  query:     ${query}`,
    `  location:  ${location}`,
    `  process:   padbmaster [pid=0]`,
    '  -----------------------------------------------',
    '',
  ].join('\n');
}

/** An error raised while loading (S3 access, manifest), with Redshift's internal error code. */
export function loadSetupError(
  error: string,
  code: number,
  context: string,
  query: number,
  location = 's3_utility.cpp:0',
): RedshiftError {
  return new RedshiftError(error, 'XX000', internalDetail(error, code, context, query, location));
}

export const loadFailed = (table: string, detail: string): RedshiftError =>
  new RedshiftError(
    `Load into table '${table}' failed.  Check 'stl_load_errors' system table for details.`,
    'XX000',
    detail,
  );

export const syntaxError = (near: string): RedshiftError =>
  new RedshiftError(`syntax error at or near "${near}"`, '42601');

/** Postgres serialization failure (40001) as Redshift reports error 1023. */
export function serializableViolation(tableId: number, xids: string[], pid: number): NoticeFields {
  return {
    S: 'ERROR',
    C: 'XX000',
    M: '1023',
    D: `Serializable isolation violation on table - ${tableId}, transactions forming the cycle are: ${xids.join(', ')} (pid:${pid})`,
  };
}

/** An error Postgres reported for a statement the emulator ran: relayed as it came. */
export class BackendError extends Error {
  constructor(readonly fields: NoticeFields) {
    super(fields.M ?? 'backend error');
  }
}
