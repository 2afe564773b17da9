// The config file's settings checked against UpshiftCliConfig when it is loaded. tsx runs a
// TypeScript config without type-checking it, and a JavaScript one has no types at all, so a
// value of the wrong kind (`models: import('./models')` instead of a folder) or a misspelt
// setting would otherwise fail later as a crash with a stack trace, or be silently ignored.
// zod (a dependency) is loaded here, on the first config, not with the binary.
import type { ZodError, ZodType } from 'zod';
import type { UpshiftCliConfig } from '../engine/project-config.js';
import { CliError, ExitCode } from './exit-codes.js';

/** The settings' schema; `satisfies` keeps its keys those of UpshiftCliConfig, no more and no fewer. */
async function configSchema() {
  const { z } = await import('zod');
  const text = z.string();
  const schema = z.strictObject({
    // The object forms ({ host, iam }, { dataApi }) are checked by parseDatabaseSetting, with their own messages.
    database: z.union([text, z.record(z.string(), z.unknown())]).optional(),
    dialect: z.enum(['postgres', 'redshift']).optional(),
    stage: z
      .custom(
        (v) => typeof v === 'object' && v !== null && typeof (v as { writeRows?: unknown }).writeRows === 'function',
        {
          message: 'expected a stage (new LocalStage({ dir }) or new S3Stage({ basePath }))',
        },
      )
      .optional(),
    models: text.optional(),
    codegen: z
      .strictObject({ schemas: z.array(text).optional(), tables: text.optional(), importFrom: text.optional() })
      .optional(),
    migrations: z
      .strictObject({
        dir: text.optional(),
        schema: text.optional(),
        transactional: z.boolean().optional(),
        lockTimeoutMs: z.number().int().nonnegative().optional(),
      })
      .optional(),
    auditSchema: text.optional(),
    redshift: z
      .strictObject({
        iamRole: text.optional(),
        region: text.optional(),
        serverless: z.boolean().optional(),
        credentials: z
          .strictObject({ accessKeyId: text, secretAccessKey: text, sessionToken: text.optional() })
          .optional(),
      })
      .optional(),
  } satisfies Record<keyof UpshiftCliConfig, ZodType>);
  return schema;
}

/** The first thing wrong with the settings, as one line naming the setting. */
function describeIssue(error: ZodError, settings: readonly string[]): string {
  const issue = error.issues[0]!;
  const at = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const where = at ? ` in ${at}` : '';
    const known = at ? '' : `; the settings are ${settings.join(', ')}`;
    return `unknown setting${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}${where}${known}`;
  }
  return `${at}: ${issue.message}`;
}

/** Throws a configuration error (exit 3) naming the first setting that is not what UpshiftCliConfig says. */
export async function checkConfigShape(config: object, file: string): Promise<void> {
  const schema = await configSchema();
  const result = schema.safeParse(config);
  if (!result.success)
    throw new CliError(`${file}: ${describeIssue(result.error, Object.keys(schema.shape))}`, ExitCode.CONFIG);
}
