// The engine's Database for each way a project names its database (see database-setting.ts).
import type { Stage } from '../stage/types.js';
import { UpshiftConfigError } from '../config.js';
import type { RedshiftCredentials } from '../warehouse/redshift.js';
import { PostgresDatabase, RedshiftDatabase, RedshiftDataApiDatabase } from './databases.js';
import { iamConnectionString, type DatabaseConnection } from './database-setting.js';

const defined = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** What every database of a project shares: the stage, the audit schema, COPY's credentials. */
export interface ProjectDatabaseOptions {
  /** Where loads stage files; the Data API database can do without (queries only). */
  stage?: Stage | undefined;
  auditSchema?: string | undefined;
  redshift?:
    | {
        iamRole?: string | undefined;
        region?: string | undefined;
        serverless?: boolean | undefined;
        credentials?: RedshiftCredentials | undefined;
      }
    | undefined;
}

/**
 * The engine's Database for a connection. A password URL needs its dialect (asked from the
 * server by the CLI); temporary credentials and the Data API are Redshift's own.
 */
export function openDatabaseFor(
  connection: DatabaseConnection,
  dialect: 'postgres' | 'redshift' | undefined,
  options: ProjectDatabaseOptions,
): PostgresDatabase | RedshiftDatabase | RedshiftDataApiDatabase {
  const { stage, auditSchema } = options;
  const copy = options.redshift ?? {};
  if (connection.kind === 'dataApi') {
    const d = connection.connection.dataApi;
    return new RedshiftDataApiDatabase({
      ...defined({ ...d, credentials: undefined, awsCredentials: d.credentials }),
      ...(stage ? { stage } : {}),
      auditSchema,
      ...defined({ iamRole: copy.iamRole, credentials: copy.credentials, copyRegion: copy.region }),
    });
  }
  if (!stage) throw new UpshiftConfigError('openDatabaseFor: a password or IAM database needs a stage');
  if (connection.kind === 'iam') {
    const c = connection.connection;
    return new RedshiftDatabase({ ...copy, connectionString: iamConnectionString(c), iam: c.iam, stage, auditSchema });
  }
  return dialect === 'redshift'
    ? new RedshiftDatabase({ connectionString: connection.url, stage, auditSchema, ...copy })
    : new PostgresDatabase({ connectionString: connection.url, stage, auditSchema });
}
