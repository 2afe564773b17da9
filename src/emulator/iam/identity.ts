// Who calls: the emulator verifies no signature, so a caller is its access key id, mapped to an
// IAM identity (an ARN) by the emulator's options; Redshift derives database user names from it.

export const ACCOUNT_ID = '123456789012';

/** The caller's ARN: the configured one for its access key, else an IAM user named after the key. */
export function callerArn(accessKeyId: string, identities: Record<string, string> = {}): string {
  return identities[accessKeyId] ?? `arn:aws:iam::${ACCOUNT_ID}:user/${accessKeyId}`;
}

/**
 * Redshift's database user for an IAM identity: `IAM:<user>` for an IAM user, `IAMR:<role>` for a
 * role (assumed or not); anything that is not an ARN names an IAM user.
 */
export function iamDbUser(arn: string): string {
  const resource = /^arn:[^:]*:(?:iam|sts)::[^:]*:(.+)$/.exec(arn)?.[1];
  if (resource === undefined) return `IAM:${arn}`;
  const [kind, ...rest] = resource.split('/');
  if (kind === 'assumed-role') return `IAMR:${rest[0] ?? ''}`;
  const name = rest[rest.length - 1] ?? resource;
  return kind === 'role' ? `IAMR:${name}` : `IAM:${name}`;
}

/** Database users Redshift derives from IAM identities (the emulator creates and expires them). */
export const isIamUser = (name: string): boolean => /^IAMR?:/.test(name);
