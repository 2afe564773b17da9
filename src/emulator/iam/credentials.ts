// Temporary database credentials: Redshift's GetClusterCredentials and GetClusterCredentialsWithIAM
// (query protocol) and Redshift Serverless's GetCredentials (JSON). Each creates or renews a role
// on the backend and hands out a password that expires (iam/users.ts).
import { AwsError, formList, jsonAnswer, xmlAnswer, type HttpAnswer } from '../aws/protocol.js';
import { callerArn, iamDbUser } from './identity.js';
import type { TemporaryUsers } from './users.js';

export interface CredentialsOptions {
  /** Cluster identifiers answered for (others: ClusterNotFound); default any. */
  clusters?: string[] | undefined;
  /** Serverless workgroups answered for (others: ResourceNotFoundException); default any. */
  workgroups?: string[] | undefined;
  /** Access key id -> caller ARN (default: an IAM user named after the key). */
  identities?: Record<string, string> | undefined;
  /** Callers (access key ids or ARNs) refused with AccessDenied. */
  denied?: string[] | undefined;
  /** Shortest DurationSeconds accepted (Redshift: 900); tests shorten it to watch credentials expire. */
  minDurationSeconds?: number | undefined;
}

/** What the next credentials calls fail with, set by a test (`undefined`: they succeed). */
export type CredentialsFailure = 'AccessDenied' | 'ClusterNotFound' | undefined;

export interface Caller {
  accessKeyId: string;
}

export class CredentialsService {
  failure: CredentialsFailure;

  constructor(
    private readonly users: TemporaryUsers,
    private readonly options: CredentialsOptions,
  ) {}

  /** The caller's ARN and Redshift database user (`IAM:<user>` / `IAMR:<role>`). */
  identity(caller: Caller): { arn: string; dbUser: string } {
    const arn = callerArn(caller.accessKeyId, this.options.identities);
    return { arn, dbUser: iamDbUser(arn) };
  }

  async getClusterCredentials(form: Record<string, string>, caller: Caller): Promise<HttpAnswer> {
    this.checkCluster(form, caller, 'GetClusterCredentials');
    const dbUser = required(form.DbUser, 'DbUser');
    if (!/^[A-Za-z0-9_.@$+-]{1,128}$/.test(dbUser))
      throw new AwsError('InvalidParameterValue', `DbUser ${dbUser} is not a valid database user name.`);
    const role = dbUser.toLowerCase();
    const credential = await this.users.issue({
      login: `IAM:${role}`,
      role,
      seconds: this.duration(form.DurationSeconds),
      create: form.AutoCreate === 'true',
      groups: formList(form, 'DbGroups').map((g) => g.toLowerCase()),
    });
    return xmlAnswer('GetClusterCredentials', {
      DbUser: credential.login,
      DbPassword: credential.password,
      Expiration: credential.expires,
    });
  }

  async getClusterCredentialsWithIAM(form: Record<string, string>, caller: Caller): Promise<HttpAnswer> {
    this.checkCluster(form, caller, 'GetClusterCredentialsWithIAM');
    const { dbUser } = this.identity(caller);
    const credential = await this.users.issue({
      login: dbUser,
      role: dbUser,
      seconds: this.duration(form.DurationSeconds),
      create: true,
    });
    return xmlAnswer('GetClusterCredentialsWithIAM', {
      DbUser: credential.login,
      DbPassword: credential.password,
      Expiration: credential.expires,
      NextRefreshTime: credential.expires,
    });
  }

  async getCredentials(body: Record<string, unknown>, caller: Caller): Promise<HttpAnswer> {
    const workgroup = typeof body.workgroupName === 'string' ? body.workgroupName : undefined;
    if (workgroup === undefined && body.customDomainName === undefined)
      throw new AwsError('ValidationException', 'Either workgroupName or customDomainName must be specified.');
    const refusal = this.refusal(caller);
    if (refusal === 'AccessDenied')
      throw accessDenied(this.identity(caller).arn, 'redshift-serverless:GetCredentials', 403, 'AccessDeniedException');
    if (refusal === 'ClusterNotFound' || !listed(this.options.workgroups, workgroup))
      throw new AwsError('ResourceNotFoundException', `Workgroup ${workgroup} not found.`, 404, {
        resourceName: workgroup,
      });
    const seconds = this.durationValue(body.durationSeconds, 'durationSeconds', 'ValidationException');
    const { dbUser } = this.identity(caller);
    const credential = await this.users.issue({ login: dbUser, role: dbUser, seconds, create: true });
    const expiration = credential.expires.getTime() / 1000;
    return jsonAnswer({
      dbUser: credential.login,
      dbPassword: credential.password,
      expiration,
      nextRefreshTime: expiration,
    });
  }

  private checkCluster(form: Record<string, string>, caller: Caller, action: string): string {
    const cluster = form.ClusterIdentifier ?? form.CustomDomainName;
    if (cluster === undefined)
      throw new AwsError(
        'InvalidParameterCombination',
        'Either ClusterIdentifier or CustomDomainName must be specified.',
      );
    const refusal = this.refusal(caller);
    if (refusal === 'AccessDenied')
      throw accessDenied(this.identity(caller).arn, `redshift:${action}`, 403, 'AccessDenied');
    if (refusal === 'ClusterNotFound' || !listed(this.options.clusters, cluster))
      throw new AwsError('ClusterNotFound', `Cluster ${cluster} not found.`, 404);
    return cluster;
  }

  private refusal(caller: Caller): CredentialsFailure {
    const denied = this.options.denied ?? [];
    if (denied.includes(caller.accessKeyId) || denied.includes(this.identity(caller).arn)) return 'AccessDenied';
    return this.failure;
  }

  private duration(value: string | undefined): number {
    return this.durationValue(
      value === undefined ? undefined : Number(value),
      'DurationSeconds',
      'InvalidParameterValue',
    );
  }

  private durationValue(value: unknown, name: string, code: string): number {
    if (value === undefined) return 900;
    const min = this.options.minDurationSeconds ?? 900;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > 3600)
      throw new AwsError(code, `${name} must be between ${min} and 3600 seconds.`);
    return value;
  }
}

const listed = (allowed: string[] | undefined, name: string | undefined): boolean =>
  allowed === undefined || (name !== undefined && allowed.includes(name));

function required(value: string | undefined, name: string): string {
  if (value === undefined || value === '')
    throw new AwsError('MissingParameter', `The request must contain the parameter ${name}.`);
  return value;
}

function accessDenied(arn: string, action: string, status: number, code: string): AwsError {
  return new AwsError(code, `User: ${arn} is not authorized to perform: ${action}`, status);
}
