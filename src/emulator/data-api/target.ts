// Which database a Data API call reaches and as whom, from its parameters, as the Data API's
// authorization methods have it: a cluster with DbUser (temporary credentials), a cluster or
// workgroup as the caller's IAM identity (`IAM:<user>`), or a Secrets Manager secret.
import { AwsError, validation } from '../aws/protocol.js';
import type { Caller, CredentialsService } from '../iam/credentials.js';
import type { TemporaryUsers } from '../iam/users.js';
import type { Target } from './statements.js';

/** Where the Data API's statements may run, and the users its secrets hold. */
export interface TargetOptions {
  /** Cluster identifiers answered for (others: ValidationException); default any. */
  clusters?: string[] | undefined;
  /** Serverless workgroups answered for (others: ResourceNotFoundException); default any. */
  workgroups?: string[] | undefined;
  /** Secret ARN -> the database user it holds (default: the backend URL's user). */
  secrets?: Record<string, string> | undefined;
}

const optional = (body: Record<string, unknown>, name: string): string | undefined => {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw validation(`${name} must be a string.`);
  return v;
};

export async function resolveTarget(
  body: Record<string, unknown>,
  caller: Caller,
  options: TargetOptions,
  credentials: CredentialsService,
  users: TemporaryUsers,
): Promise<Target> {
  const clusterIdentifier = optional(body, 'ClusterIdentifier');
  const workgroupName = optional(body, 'WorkgroupName');
  const dbUser = optional(body, 'DbUser');
  const secretArn = optional(body, 'SecretArn');
  const database = optional(body, 'Database');
  if (clusterIdentifier !== undefined && workgroupName !== undefined)
    throw validation('Specify either ClusterIdentifier or WorkgroupName, not both.');
  if (clusterIdentifier === undefined && workgroupName === undefined)
    throw validation('Either ClusterIdentifier or WorkgroupName must be specified.');
  if (dbUser !== undefined && secretArn !== undefined)
    throw validation('Specify either DbUser or SecretArn, not both.');
  if (dbUser !== undefined && workgroupName !== undefined)
    throw validation('DbUser is not supported with WorkgroupName: the user is derived from the IAM identity.');
  if (database === undefined) throw validation('Database is required.');
  if (clusterIdentifier !== undefined && !listed(options.clusters, clusterIdentifier))
    throw validation("Redshift endpoint doesn't exist in this region.");
  if (workgroupName !== undefined && !listed(options.workgroups, workgroupName))
    throw new AwsError('ResourceNotFoundException', `Workgroup ${workgroupName} not found.`, 404, {
      ResourceId: workgroupName,
    });
  const role = await roleFor(dbUser, secretArn, caller, options, credentials, users);
  return { clusterIdentifier, workgroupName, database, dbUser, secretArn, role };
}

async function roleFor(
  dbUser: string | undefined,
  secretArn: string | undefined,
  caller: Caller,
  options: TargetOptions,
  credentials: CredentialsService,
  users: TemporaryUsers,
): Promise<string | undefined> {
  if (dbUser !== undefined) return dbUser.toLowerCase();
  if (secretArn !== undefined) return options.secrets?.[secretArn];
  const role = credentials.identity(caller).dbUser;
  await users.ensureIamRole(role);
  return role;
}

const listed = (allowed: string[] | undefined, name: string): boolean =>
  allowed === undefined || allowed.includes(name);
