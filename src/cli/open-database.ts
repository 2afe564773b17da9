// The config's database as the engine's Database, for `load`, `replay` and `stage gc`: the
// dialect from the config, else asked from the server; the stage from the config, else
// ./.upshift/stage.
import path from 'node:path';
import type { Dialect } from '../dialect/index.js';
import type { PostgresDatabase, RedshiftDatabase } from '../engine/index.js';
import type { Stage } from '../stage/types.js';
import { requireDatabaseUrl } from './config.js';
import { withPool, type CommandContext } from './context.js';

interface Common {
  connectionString: string;
  stage: Stage;
  auditSchema: string;
}

export async function openDatabase(ctx: CommandContext): Promise<PostgresDatabase | RedshiftDatabase> {
  // The engine, stage and introspection load here only: other commands don't pay for them.
  const [{ detectDialect }, { PostgresDatabase, RedshiftDatabase }, { LocalStage }] = await Promise.all([
    import('../../codegen/introspect/index.js'),
    import('../engine/index.js'),
    import('../stage/index.js'),
  ]);
  const cfg = ctx.settings.config;
  const connectionString = requireDatabaseUrl(ctx.settings);
  const stage = cfg.stage ?? new LocalStage({ dir: path.resolve(ctx.settings.cwd, '.upshift/stage') });
  const auditSchema = cfg.auditSchema ?? 'upshift';
  const dialect = cfg.dialect ?? (await withPool(ctx, (pool) => detectDialect(pool)));
  const open: Record<Dialect, (common: Common) => PostgresDatabase | RedshiftDatabase> = {
    redshift: (options) => new RedshiftDatabase({ ...options, ...(cfg.redshift ?? {}) }),
    postgres: (options) => new PostgresDatabase(options),
  };
  return open[dialect]({ connectionString, stage, auditSchema });
}
