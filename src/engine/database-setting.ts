// How a project names its database (upshift.config.ts `database`, --database-url, the
// environment), in three ways, and the engine's Database for each:
//   postgres://user:password@host:5439/dev                 a password login (Postgres or Redshift)
//   redshift-iam://[dbUser@]host:5439/dev?...              temporary credentials (IAM), over the wire
//   redshift-data://workgroup/<name>/<db>?...              the Data API (HTTPS, no connection)
//   redshift-data://cluster/<id>/<db>?dbUser=...|secretArn=...
// or the same as objects in the config file.
import { UpshiftConfigError } from '../config.js';
import type { AwsCredentials, RedshiftIamOptions } from '../warehouse/redshift-iam.js';
import type { RedshiftDataApiOptions } from '../warehouse/redshift-data-api.js';

/** Redshift over the wire with temporary credentials (RedshiftDatabase's `iam`). */
export interface RedshiftIamConnection {
  host: string;
  port?: number | undefined;
  database?: string | undefined;
  ssl?: boolean | undefined;
  iam: RedshiftIamOptions | true;
}

/**
 * Redshift through the Data API: RedshiftDataApiDatabase's connection settings, where
 * `credentials` are the AWS credentials for the Data API (the database's `awsCredentials`; its
 * own `credentials` are COPY's keys, which a config gives under `redshift`).
 */
export interface RedshiftDataApiConnection {
  dataApi: Pick<
    RedshiftDataApiOptions,
    | 'workgroupName'
    | 'clusterIdentifier'
    | 'database'
    | 'secretArn'
    | 'dbUser'
    | 'region'
    | 'endpoint'
    | 'sessionKeepAliveSeconds'
    | 'polling'
  > & {
    /** AWS credentials (default: the SDK's default provider chain). */
    credentials?: AwsCredentials | undefined;
  };
}

/** A connection URL (postgres://, redshift-iam://, redshift-data://) or one of the objects above. */
export type DatabaseSetting = string | RedshiftIamConnection | RedshiftDataApiConnection;

export type DatabaseConnection =
  | { kind: 'password'; url: string }
  | { kind: 'iam'; connection: RedshiftIamConnection }
  | { kind: 'dataApi'; connection: RedshiftDataApiConnection };

/** A setting upshift can't read; the message never repeats the URL (a postgres:// one may hold a password). */
export class DatabaseSettingError extends UpshiftConfigError {
  override name = 'DatabaseSettingError';
}

const IAM_PARAMS = [
  'clusterIdentifier',
  'workgroupName',
  'dbGroups',
  'autoCreate',
  'durationSeconds',
  'region',
  'endpoint',
];
const DATA_API_PARAMS = ['dbUser', 'secretArn', 'region', 'endpoint', 'sessionKeepAliveSeconds'];
const SSL_PARAMS = ['ssl', 'sslmode'];

function checkParams(url: URL, known: readonly string[], form: string): void {
  for (const key of url.searchParams.keys()) {
    if (!known.includes(key))
      throw new DatabaseSettingError(`${form} URLs take no "${key}" parameter (they take ${known.join(', ')})`);
  }
}

function positiveInteger(text: string | null, name: string): number | undefined {
  if (text === null) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new DatabaseSettingError(`${name}=${text}: give a whole number of seconds`);
  return n;
}

function flag(text: string | null, name: string): boolean | undefined {
  if (text === null) return undefined;
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  throw new DatabaseSettingError(`${name}=${text}: give true or false`);
}

const defined = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** redshift-iam://[dbUser@]host[:port]/database?clusterIdentifier=...|workgroupName=...&dbGroups=a,b&autoCreate=true&durationSeconds=900&region=...&endpoint=... */
function parseIamUrl(url: URL): RedshiftIamConnection {
  checkParams(url, [...IAM_PARAMS, ...SSL_PARAMS], 'redshift-iam://');
  if (url.password)
    throw new DatabaseSettingError('redshift-iam:// URLs take no password: each connection gets a temporary one');
  const p = url.searchParams;
  const workgroupName = p.get('workgroupName') ?? undefined;
  const dbUser = url.username ? decodeURIComponent(url.username) : undefined;
  if (workgroupName && dbUser)
    throw new DatabaseSettingError(
      'redshift-iam:// on Serverless (workgroupName) logs in as your IAM identity: drop the user name',
    );
  const common = defined({
    durationSeconds: positiveInteger(p.get('durationSeconds'), 'durationSeconds'),
    region: p.get('region') ?? undefined,
    endpoint: p.get('endpoint') ?? undefined,
  });
  const iam: RedshiftIamOptions = workgroupName
    ? { workgroupName, ...common }
    : defined({
        clusterIdentifier: p.get('clusterIdentifier') ?? undefined,
        dbUser,
        dbGroups: p.get('dbGroups')?.split(',').filter(Boolean),
        autoCreate: flag(p.get('autoCreate'), 'autoCreate'),
        ...common,
      });
  const sslmode = p.get('sslmode');
  const ssl = flag(p.get('ssl'), 'ssl') ?? (sslmode ? sslmode !== 'disable' : undefined);
  return defined({
    host: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    database: decodeURIComponent(url.pathname.slice(1)) || undefined,
    ssl,
    iam,
  });
}

/** redshift-data://workgroup/<name>/<database>?... or redshift-data://cluster/<id>/<database>?dbUser=...|secretArn=... */
function parseDataApiUrl(url: URL): RedshiftDataApiConnection {
  checkParams(url, DATA_API_PARAMS, 'redshift-data://');
  const [name, database, ...rest] = url.pathname.slice(1).split('/').map(decodeURIComponent);
  const kind = url.hostname;
  if ((kind !== 'workgroup' && kind !== 'cluster') || !name || rest.length > 0)
    throw new DatabaseSettingError(
      'redshift-data:// URLs are redshift-data://workgroup/<workgroup>/<database> or redshift-data://cluster/<cluster id>/<database>',
    );
  const p = url.searchParams;
  return {
    dataApi: defined({
      ...(kind === 'workgroup' ? { workgroupName: name } : { clusterIdentifier: name }),
      database: database || undefined,
      dbUser: p.get('dbUser') ?? undefined,
      secretArn: p.get('secretArn') ?? undefined,
      region: p.get('region') ?? undefined,
      endpoint: p.get('endpoint') ?? undefined,
      sessionKeepAliveSeconds: positiveInteger(p.get('sessionKeepAliveSeconds'), 'sessionKeepAliveSeconds'),
    }),
  };
}

/** Which of the three ways a setting names, read and checked. */
export function parseDatabaseSetting(setting: DatabaseSetting): DatabaseConnection {
  if (typeof setting !== 'string') {
    if ('dataApi' in setting) return { kind: 'dataApi', connection: setting };
    if ('iam' in setting) return { kind: 'iam', connection: setting };
    throw new DatabaseSettingError('database: give a connection URL, { host, iam } or { dataApi }');
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(setting)?.[1]?.toLowerCase();
  if (scheme !== 'redshift-iam' && scheme !== 'redshift-data') return { kind: 'password', url: setting };
  let url: URL;
  try {
    url = new URL(setting);
  } catch {
    throw new DatabaseSettingError(`the ${scheme}:// database URL is not a valid URL`);
  }
  return scheme === 'redshift-iam'
    ? { kind: 'iam', connection: parseIamUrl(url) }
    : { kind: 'dataApi', connection: parseDataApiUrl(url) };
}

/** The postgres:// URL an IAM connection opens (no user, no password: each login brings its own). */
export function iamConnectionString(c: RedshiftIamConnection): string {
  const ssl = c.ssl === undefined ? '' : `?sslmode=${c.ssl ? 'require' : 'disable'}`;
  return `postgres://${c.host}:${c.port ?? 5439}/${encodeURIComponent(c.database ?? 'dev')}${ssl}`;
}
