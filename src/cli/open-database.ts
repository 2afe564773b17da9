// The config's database as the engine's Database, for `load`, `replay` and `stage gc`: a password
// URL's dialect from the config, else asked from the server (IAM logins and the Data API are
// Redshift's); the stage from the config, else ./.upshift/stage.
import path from 'node:path';
import type { PostgresDatabase, RedshiftDatabase, RedshiftDataApiDatabase } from '../engine/index.js';
import { requireDatabase } from './config.js';
import { withPool, type CommandContext } from './context.js';
import { CliError, ExitCode } from './exit-codes.js';

export async function openDatabase(
  ctx: CommandContext,
): Promise<PostgresDatabase | RedshiftDatabase | RedshiftDataApiDatabase> {
  // The engine, stage and introspection load here only: other commands don't pay for them.
  const [{ detectDialect }, { openDatabaseFor }, { LocalStage }] = await Promise.all([
    import('../../codegen/introspect/index.js'),
    import('../engine/connection.js'),
    import('../stage/index.js'),
  ]);
  const cfg = ctx.settings.config;
  const connection = requireDatabase(ctx.settings);
  const stage = cfg.stage ?? new LocalStage({ dir: path.resolve(ctx.settings.cwd, '.upshift/stage') });
  const options = { stage, auditSchema: cfg.auditSchema ?? 'upshift', redshift: cfg.redshift };
  if (connection.kind === 'password') {
    const dialect = cfg.dialect ?? (await withPool(ctx, (db) => detectDialect(db)));
    return openDatabaseFor(connection, dialect, options);
  }
  try {
    return openDatabaseFor(connection, 'redshift', options);
  } catch (err) {
    // e.g. a local stage, or an IAM login with no cluster or workgroup to ask for
    throw new CliError((err as Error).message, ExitCode.CONFIG);
  }
}
