// `upshift load <table> <source> --mode upsert|append|replace`: a local file or an s3:// URI
// into a modelled table, through the engine (validated, staged, atomic, audited).
import path from 'node:path';
import type { Command } from 'commander';
import type { LoadMode } from '../../engine/index.js';
import type { TableModel } from '../../model/index.js';
import { requireDatabaseUrl } from '../config.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { databaseError, withPool, type CommandContext, type Run } from '../context.js';

interface LoadFlags {
  mode: string;
  format?: string;
  orderBy?: string;
  partial?: boolean;
  json?: boolean;
  progress?: boolean;
}

const MODES: LoadMode[] = ['upsert', 'append', 'replace'];

async function findModel(ctx: CommandContext, name: string): Promise<TableModel> {
  const { loadModels } = await import('../../../codegen/load-models.js');
  let models;
  try {
    models = await loadModels(ctx.settings.modelsDir);
  } catch (err) {
    throw new CliError((err as Error).message, ExitCode.CONFIG);
  }
  const hits = models.filter((m) => m.model.qualifiedName === name || m.exportName === name || m.model.name === name);
  if (hits.length === 1) return hits[0]!.model;
  const known = models.map((m) => m.model.qualifiedName).join(', ') || 'none';
  if (hits.length > 1) throw new CliError(`table ${name} is ambiguous: ${hits.map((h) => h.model.qualifiedName).join(', ')}; use schema.table`, ExitCode.USAGE);
  throw new CliError(`no model for table ${name} in ${path.relative(ctx.settings.cwd, ctx.settings.modelsDir) || '.'} (models: ${known}); run upshift codegen`, ExitCode.CONFIG);
}

async function sourceFor(uri: string, format: string | undefined, cwd: string) {
  const { fromLocalFile, fromS3File, fromS3Path } = await import('../../sources/index.js');
  const opts = format ? { format: format as never } : {};
  if (uri.startsWith('s3://')) return uri.endsWith('/') ? fromS3Path(uri, opts) : fromS3File(uri, opts);
  return fromLocalFile(path.resolve(cwd, uri), opts);
}

export function registerLoad(program: Command, run: Run) {
  program
    .command('load <table> <source>')
    .description('load a local file or an s3:// file or folder (ending in /) into a modelled table')
    .requiredOption('-m, --mode <mode>', 'upsert (last write wins on the upsert key), append, or replace')
    .option('-f, --format <format>', 'csv, jsonl or parquet (default: from the name or content)')
    .option('--order-by <column>', 'for upserts of files without load order: the greatest value wins among duplicates')
    .option('--partial', 'upsert only the columns the file has: matched keys keep their other columns, new keys get defaults (without it, an upsert from a file lacking columns is refused)')
    .option('--json', 'print the load result as JSON')
    .option('--no-progress', 'no progress line (it is only drawn when stderr is a terminal)')
    .addHelpText('after', '\nExamples:\n  upshift load sales.orders ./orders.csv.gz --mode upsert\n  upshift load sales.orders ./status.csv --mode upsert --partial   # a file with id,status\n  upshift load orders s3://bucket/exports/orders/ --mode append')
    .action(run<LoadFlags>(async (ctx, flags, tableName, source) => {
      if (!MODES.includes(flags.mode as LoadMode)) throw new CliError(`--mode ${flags.mode}: give upsert, append or replace`, ExitCode.USAGE);
      if (flags.partial && flags.mode !== 'upsert') throw new CliError(`--partial applies to --mode upsert only; ${flags.mode} inserts whole rows`, ExitCode.USAGE);
      const model = await findModel(ctx, tableName!);
      // The engine, sources and stage load here only: other commands don't pay for them.
      const [{ default: cliProgress }, { detectDialect }, { PostgresDatabase, RedshiftDatabase }, { LocalStage }] = await Promise.all([
        import('cli-progress'), import('../../../codegen/introspect/index.js'), import('../../engine/index.js'), import('../../stage/index.js'),
      ]);
      const cfg = ctx.settings.config;
      const connectionString = requireDatabaseUrl(ctx.settings);
      const stage = cfg.stage ?? new LocalStage({ dir: path.resolve(ctx.settings.cwd, '.upshift/stage') });
      const auditSchema = cfg.auditSchema ?? 'upshift';
      const dialect = cfg.dialect ?? (await withPool(ctx, (pool) => detectDialect(pool)));
      const db = dialect === 'redshift'
        ? new RedshiftDatabase({ connectionString, stage, auditSchema, ...(cfg.redshift ?? {}) })
        : new PostgresDatabase({ connectionString, stage, auditSchema });
      const bar = ctx.io.isTTY && flags.progress !== false
        ? new cliProgress.SingleBar(
            // Rows arrive as a stream of unknown length, so the line counts instead of filling a bar.
            { format: `loading ${model.qualifiedName}  {rows} rows  {mb} MB  {duration_formatted}`, hideCursor: true, clearOnComplete: true, stream: process.stderr },
            cliProgress.Presets.shades_classic,
          )
        : undefined;
      bar?.start(0, 0, { rows: 0, mb: '0.0' });
      try {
        const result = await db.table(model).loadFrom(await sourceFor(source!, flags.format, ctx.settings.cwd), {
          mode: flags.mode as LoadMode,
          ...(flags.orderBy ? { orderBy: flags.orderBy } : {}),
          ...(flags.partial ? { partial: true } : {}),
          // Encoded CSV grows with the rows; staged (compressed) bytes can come later (Postgres compresses after the COPY).
          onProgress: ({ rows, bytes, encodedBytes }) => bar?.update(0, { rows, mb: ((encodedBytes ?? bytes) / 1e6).toFixed(1) }),
        });
        bar?.stop();
        if (flags.json) ctx.io.out(`${JSON.stringify(result)}\n`);
        else {
          ctx.io.out(
            `loaded ${result.table} (${result.mode}): staged ${result.staged}, inserted ${result.inserted}, updated ${result.updated}, ` +
              `deleted ${result.deleted}, duplicates dropped ${result.duplicates} [load ${result.loadId}]\n`,
          );
        }
        return ExitCode.OK;
      } catch (err) {
        bar?.stop();
        const db = databaseError(err, 'the database refused the load');
        if (db && /^(08|28|3D)|ECONN|ENOTFOUND/.test((err as { code?: string }).code ?? '')) throw db;
        throw new CliError(`load into ${model.qualifiedName} failed, the table is unchanged: ${(err as Error).message}`, ExitCode.LOAD_FAILED);
      } finally {
        await db.close();
      }
    }));
}
