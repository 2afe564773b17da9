// Temporary Redshift logins (IAM): a cluster's GetClusterCredentials (as a named database user)
// or GetClusterCredentialsWithIAM (as the caller's IAM identity), a Serverless workgroup's
// GetCredentials. Each new connection asks for the current login; one is fetched when the cached
// one nears its expiry. A session keeps working once its password expired (Redshift checks it at
// login only), so loads in flight are never dropped by a refresh.
import type pg from 'pg';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { importOptional } from '../optional.js';
import { UpshiftConfigError } from '../config.js';
import { UpshiftError } from '../errors.js';
import { pgLib } from './pg-lib.js';

/** AWS credentials as every AWS SDK client takes them: keys, or a provider function. */
export type AwsCredentials = NonNullable<S3ClientConfig['credentials']>;

/** AWS API settings for the temporary-credential calls (default: the SDK's own region and credential chain). */
export interface AwsApiOptions {
  /** The cluster's or workgroup's region (default: from the host name, else the SDK's: AWS_REGION, ~/.aws/config). */
  region?: string | undefined;
  /** AWS credentials for the API calls (default: the SDK's default provider chain). */
  credentials?: AwsCredentials | undefined;
  /** The API's endpoint URL (a VPC endpoint; tests pass a local emulator's). */
  endpoint?: string | undefined;
}

/** A provisioned cluster: as `dbUser` (GetClusterCredentials), or as the caller's IAM identity without it (GetClusterCredentialsWithIAM). */
export interface ClusterIamLogin extends AwsApiOptions {
  /** Default: the first label of a *.redshift.amazonaws.com host. */
  clusterIdentifier?: string | undefined;
  dbUser?: string | undefined;
  /** Groups the user joins for the sessions of these credentials (GetClusterCredentials only). */
  dbGroups?: string[] | undefined;
  /** Create `dbUser` when it does not exist (GetClusterCredentials only). */
  autoCreate?: boolean | undefined;
  /** Lifetime of each password: 900-3600 s, default 900. */
  durationSeconds?: number | undefined;
}

/** A Serverless workgroup (GetCredentials): the user is the caller's IAM identity. */
export interface ServerlessIamLogin extends AwsApiOptions {
  /** Default: the first label of a *.redshift-serverless.amazonaws.com host. */
  workgroupName: string;
  durationSeconds?: number | undefined;
}

export type RedshiftIamOptions = ClusterIamLogin | ServerlessIamLogin;

export interface TemporaryLogin {
  user: string;
  password: string;
  /** Epoch ms. */
  expiresAt: number;
}

/** Getting temporary credentials failed (access denied, unknown cluster, expired AWS session, ...); `cause` is the SDK's error. */
export class RedshiftLoginError extends UpshiftError {
  declare readonly code: 'LOGIN_FAILED';
  override name = 'RedshiftLoginError';
  constructor(message: string, cause: unknown) {
    super('LOGIN_FAILED', message, { cause });
  }
}

const SERVERLESS_HOST = /^([^.]+)\.[^.]+\.([a-z0-9-]+)\.redshift-serverless(-dev)?\.amazonaws\.com$/i;
const CLUSTER_HOST = /^([^.]+)\.[^.]+\.([a-z0-9-]+)\.redshift(-dev)?\.amazonaws\.com(\.cn)?$/i;

/** Whether the host is a Redshift Serverless endpoint (`<workgroup>.<account>.<region>.redshift-serverless.amazonaws.com`). */
export function isServerlessHost(host: string | undefined): boolean {
  return host !== undefined && SERVERLESS_HOST.test(host);
}

/** The cluster or workgroup name and region a Redshift host name carries. */
export function parseRedshiftHost(
  host: string | undefined,
): { name: string; region: string; serverless: boolean } | undefined {
  if (!host) return undefined;
  const serverless = SERVERLESS_HOST.exec(host);
  if (serverless) return { name: serverless[1]!, region: serverless[2]!, serverless: true };
  const cluster = CLUSTER_HOST.exec(host);
  return cluster ? { name: cluster[1]!, region: cluster[2]!, serverless: false } : undefined;
}

export const isServerlessLogin = (iam: RedshiftIamOptions): iam is ServerlessIamLogin =>
  typeof (iam as ServerlessIamLogin).workgroupName === 'string';

/** The login settings completed from the host name (cluster or workgroup, region), or an error saying what is missing. */
export function resolveIamLogin(iam: RedshiftIamOptions | true, host: string | undefined): RedshiftIamOptions {
  const given: RedshiftIamOptions = iam === true ? {} : iam;
  const fromHost = parseRedshiftHost(host);
  const region = given.region ?? fromHost?.region;
  const withRegion = region ? { region } : {};
  if (isServerlessLogin(given)) return { ...given, ...withRegion };
  if (given.clusterIdentifier) return { ...given, ...withRegion };
  if (fromHost?.serverless) return { ...given, workgroupName: fromHost.name, ...withRegion };
  if (fromHost) return { ...given, clusterIdentifier: fromHost.name, ...withRegion };
  throw new UpshiftConfigError(
    `iam logins need iam.clusterIdentifier or iam.workgroupName: the host ${host ?? '(none)'} is not a *.redshift.amazonaws.com or *.redshift-serverless.amazonaws.com name they could be read from`,
  );
}

/** What the login is, for error messages: never a secret. */
export function describeIamLogin(iam: RedshiftIamOptions): string {
  if (isServerlessLogin(iam)) return `GetCredentials for workgroup ${iam.workgroupName}`;
  return iam.dbUser
    ? `GetClusterCredentials for cluster ${iam.clusterIdentifier} as database user ${iam.dbUser}`
    : `GetClusterCredentialsWithIAM for cluster ${iam.clusterIdentifier}`;
}

const awsClientConfig = (aws: AwsApiOptions) => ({
  ...(aws.region ? { region: aws.region } : {}),
  ...(aws.credentials ? { credentials: aws.credentials } : {}),
  ...(aws.endpoint ? { endpoint: aws.endpoint } : {}),
});

/** One call for a temporary login. */
async function fetchLogin(iam: RedshiftIamOptions, database: string): Promise<TemporaryLogin> {
  const durationSeconds = iam.durationSeconds;
  if (isServerlessLogin(iam)) {
    const sdk = await importOptional(
      '@aws-sdk/client-redshift-serverless',
      'Redshift Serverless IAM logins',
      () => import('@aws-sdk/client-redshift-serverless'),
    );
    const client = new sdk.RedshiftServerlessClient(awsClientConfig(iam));
    try {
      const r = await client.send(
        new sdk.GetCredentialsCommand({
          workgroupName: iam.workgroupName,
          dbName: database,
          ...(durationSeconds ? { durationSeconds } : {}),
        }),
      );
      return loginFrom(r.dbUser, r.dbPassword, r.expiration);
    } finally {
      client.destroy();
    }
  }
  const sdk = await importOptional(
    '@aws-sdk/client-redshift',
    'Redshift IAM logins',
    () => import('@aws-sdk/client-redshift'),
  );
  const client = new sdk.RedshiftClient(awsClientConfig(iam));
  try {
    const common = {
      ClusterIdentifier: iam.clusterIdentifier,
      DbName: database,
      ...(durationSeconds ? { DurationSeconds: durationSeconds } : {}),
    };
    const r = iam.dbUser
      ? await client.send(
          new sdk.GetClusterCredentialsCommand({
            ...common,
            DbUser: iam.dbUser,
            ...(iam.dbGroups?.length ? { DbGroups: iam.dbGroups } : {}),
            ...(iam.autoCreate !== undefined ? { AutoCreate: iam.autoCreate } : {}),
          }),
        )
      : await client.send(new sdk.GetClusterCredentialsWithIAMCommand(common));
    return loginFrom(r.DbUser, r.DbPassword, r.Expiration);
  } finally {
    client.destroy();
  }
}

function loginFrom(
  user: string | undefined,
  password: string | undefined,
  expiration: Date | undefined,
): TemporaryLogin {
  if (!user || !password)
    throw new RedshiftLoginError('the credentials call answered without a user name or password', undefined);
  // Without an expiry, the documented default lifetime (900 s).
  return { user, password, expiresAt: expiration?.getTime() ?? Date.now() + 900_000 };
}

/**
 * The current temporary login of one cluster or workgroup and database, shared by every
 * connection of a pool. Refreshed once it has less than a fifth of its lifetime (at most 5 min)
 * left; concurrent connections wait for the same call. When a refresh fails while the cached
 * login is still valid, that one is used.
 */
export class TemporaryLogins {
  private current: { login: TemporaryLogin; refreshAt: number } | undefined;
  private pending: Promise<TemporaryLogin> | undefined;
  /** Calls made, for tests and diagnostics. */
  fetched = 0;

  constructor(
    readonly iam: RedshiftIamOptions,
    readonly database: string,
  ) {}

  get(): Promise<TemporaryLogin> {
    const now = Date.now();
    if (this.current && now < this.current.refreshAt) return Promise.resolve(this.current.login);
    this.pending ??= this.refresh().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async refresh(): Promise<TemporaryLogin> {
    const fetchedAt = Date.now();
    try {
      this.fetched++;
      const login = await fetchLogin(this.iam, this.database);
      const margin = Math.min(300_000, (login.expiresAt - fetchedAt) / 5);
      this.current = { login, refreshAt: login.expiresAt - margin };
      return login;
    } catch (err) {
      const stillValid = this.current && Date.now() < this.current.login.expiresAt - 1000;
      if (stillValid) return this.current!.login;
      throw new RedshiftLoginError(
        `could not get temporary Redshift credentials (${describeIamLogin(this.iam)}): ${awsErrorText(err)}`,
        err,
      );
    }
  }
}

/** An AWS SDK error as `Name: message` (the SDK's messages carry no secrets: ARNs and reasons). */
export function awsErrorText(err: unknown): string {
  const e = err as { name?: string; message?: string };
  if (!e?.message) return String(err);
  return e.name && e.name !== 'Error' && !e.message.startsWith(e.name) ? `${e.name}: ${e.message}` : e.message;
}

/**
 * A pg Client class whose every connection logs in with the current temporary login: the user
 * name comes from the credentials call too, so it is set before the startup message is sent.
 */
export function clientWithTemporaryLogin(logins: TemporaryLogins): typeof pg.Client {
  class TemporaryLoginClient extends pgLib.Client {
    override connect(): Promise<pg.Client>;
    override connect(callback: ((err: Error) => void) | ((err: null, c: pg.Client) => void)): void;
    override connect(
      callback?: ((err: Error) => void) | ((err: null, c: pg.Client) => void),
    ): Promise<pg.Client> | void {
      const connected = logins.get().then((login) => {
        const self = this as unknown as {
          user: string;
          password: string;
          connectionParameters: Record<string, unknown>;
        };
        self.user = login.user;
        self.password = login.password;
        self.connectionParameters.user = login.user;
        self.connectionParameters.password = login.password;
        return super.connect();
      });
      if (!callback) return connected;
      const done = callback as (err: Error | null, c?: pg.Client) => void;
      connected.then(
        (client) => done(null, client),
        (err: Error) => done(err),
      );
    }
  }
  return TemporaryLoginClient;
}

/** Where the IAM-login pool connects: a connection string without user and password, and its host and database. */
export interface IamPoolTarget {
  connectionString: string;
  maxConnections?: number | undefined;
  ssl?: pg.PoolConfig['ssl'];
  types?: pg.CustomTypesConfig | undefined;
}

/** A pg pool whose connections log in with temporary credentials (see TemporaryLogins). */
export function temporaryLoginPool(
  target: IamPoolTarget,
  iam: RedshiftIamOptions | true,
): {
  pool: pg.Pool;
  logins: TemporaryLogins;
} {
  const url = new URL(target.connectionString);
  if (url.password)
    throw new UpshiftConfigError(
      'RedshiftDatabase: give iam or a password, not both (iam logins get a temporary password for each connection)',
    );
  const database = decodeURIComponent(url.pathname.slice(1)) || 'dev';
  const logins = new TemporaryLogins(resolveIamLogin(iam, url.hostname), database);
  url.username = '';
  const pool = new pgLib.Pool({
    connectionString: url.toString(),
    max: target.maxConnections ?? 4,
    ...(target.types ? { types: target.types } : {}),
    ...(target.ssl !== undefined ? { ssl: target.ssl } : {}),
    Client: clientWithTemporaryLogin(logins),
  });
  return { pool, logins };
}
