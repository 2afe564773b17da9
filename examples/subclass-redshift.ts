// Subclassing Redshift's COPY and UNLOAD: replace invalid UTF-8 instead of failing the load
// (ACCEPTINVCHARS), and encrypt unloaded files with a KMS key. Each override calls super, so
// upshift's own clauses (manifest, credentials, NULL handling) stay as they are.
import { RedshiftDatabase, type RedshiftDatabaseOptions, type UnloadOptions } from '../src/index.js';
import { type CopyStep } from '../src/warehouse/index.js';

export class TolerantRedshiftDatabase extends RedshiftDatabase {
  constructor(options: RedshiftDatabaseOptions & { kmsKeyId?: string }) {
    super(options);
    this.kmsKeyId = options.kmsKeyId;
  }
  readonly kmsKeyId: string | undefined;

  override copySql(step: CopyStep, redact = false): string {
    return `${super.copySql(step, redact)}\nACCEPTINVCHARS AS '?'`;
  }

  override unloadSql(query: string, targetUri: string, options: UnloadOptions = {}, redact = false): string {
    const sql = super.unloadSql(query, targetUri, options, redact);
    return this.kmsKeyId ? `${sql}\nKMS_KEY_ID ${this.literal(this.kmsKeyId)}\nENCRYPTED` : sql;
  }
}
