// `upshift replay <loadId>`: re-applies a past load from the files it staged, through the
// engine (one transaction, its own audit row). Refused (exit 6) when the load can't be replayed
// exactly or already committed into the target (unless --force); a failed replay exits 9.
import path from 'node:path';
import type { Command } from 'commander';
import type { LoadMode } from '../../engine/index.js';
import type { TableModel } from '../../model/index.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { databaseError, type CommandContext, type Run } from '../context.js';
import { openDatabase } from '../open-database.js';

interface ReplayFlags {
  into?: string;
  mode?: string;
  force?: boolean;
  orderBy?: string;
  json?: boolean;
}

const MODES: LoadMode[] = ['upsert', 'append', 'replace'];

async function allModels(ctx: CommandContext): Promise<TableModel[]> {
  const { loadModels } = await import('../../../codegen/load-models.js');
  try {
    return (await loadModels(ctx.settings.modelsDir)).map((m) => m.model);
  } catch (err) {
    throw new CliError((err as Error).message, ExitCode.CONFIG);
  }
}

function pickModel(models: TableModel[], name: string, ctx: CommandContext): TableModel {
  const hits = models.filter((m) => m.qualifiedName === name || m.name === name);
  if (hits.length === 1) return hits[0]!;
  if (hits.length > 1)
    throw new CliError(
      `table ${name} is ambiguous: ${hits.map((h) => h.qualifiedName).join(', ')}; use schema.table`,
      ExitCode.USAGE,
    );
  const known = models.map((m) => m.qualifiedName).join(', ') || 'none';
  throw new CliError(
    `no model for table ${name} in ${path.relative(ctx.settings.cwd, ctx.settings.modelsDir) || '.'} (models: ${known}); run upshift codegen`,
    ExitCode.CONFIG,
  );
}

export function registerReplay(program: Command, run: Run) {
  program
    .command('replay <loadId>')
    .description(
      're-apply a past load from the files it staged (e.g. one that staged but failed or was killed before it committed)',
    )
    .option('--into <table>', 'load into this modelled table instead of the original one')
    .option('-m, --mode <mode>', "upsert, append or replace (default: the original load's mode)")
    .option(
      '--force',
      'apply it even though it already committed into the table (an upsert is idempotent; an append doubles its rows)',
    )
    .option('--order-by <column>', "the --order-by the original load used, if any (manifests don't record it)")
    .option('--json', 'print the load result as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  upshift audit --status failed\n  upshift replay 20261125T100244123Z-000-3fa9c1d2e4\n  upshift replay 20261125T100244123Z-000-3fa9c1d2e4 --into sales.orders_copy --force',
    )
    .action(
      run<ReplayFlags>(async (ctx, flags, loadId) => {
        if (flags.mode !== undefined && !MODES.includes(flags.mode as LoadMode))
          throw new CliError(`--mode ${flags.mode}: give upsert, append or replace`, ExitCode.USAGE);
        const models = await allModels(ctx);
        const into = flags.into ? pickModel(models, flags.into, ctx) : undefined;
        const { ReplayError } = await import('../../engine/index.js');
        const db = await openDatabase(ctx);
        try {
          const result = await db.replay(loadId, {
            models,
            ...(into ? { into } : {}),
            ...(flags.mode ? { mode: flags.mode as LoadMode } : {}),
            ...(flags.force ? { force: true } : {}),
            ...(flags.orderBy ? { orderBy: flags.orderBy } : {}),
          });
          if (flags.json) ctx.io.out(`${JSON.stringify({ ...result, replayOf: loadId })}\n`);
          else {
            ctx.io.out(
              `replayed ${loadId} into ${result.table} (${result.mode}): staged ${result.staged}, inserted ${result.inserted}, updated ${result.updated}, ` +
                `deleted ${result.deleted}, duplicates dropped ${result.duplicates} [load ${result.loadId}]\n`,
            );
          }
          return ExitCode.OK;
        } catch (err) {
          if (err instanceof ReplayError) {
            if (err.reason === 'model') {
              const where = path.relative(ctx.settings.cwd, ctx.settings.modelsDir) || '.';
              throw new CliError(
                `load ${loadId} was into ${err.table}, which has no model in ${where}: run upshift codegen, or pass --into <table>`,
                ExitCode.CONFIG,
              );
            }
            throw new CliError(
              err.message.replace('Pass force: true (CLI: --force)', 'Pass --force'),
              ExitCode.REFUSED,
            );
          }
          const dbErr = databaseError(err, 'the database refused the replay');
          if (dbErr && /^(08|28|3D)|ECONN|ENOTFOUND/.test((err as { code?: string }).code ?? '')) throw dbErr;
          throw new CliError(
            `replay of ${loadId} failed, the table is unchanged: ${(err as Error).message}`,
            ExitCode.LOAD_FAILED,
          );
        } finally {
          await db.close();
        }
      }),
    );
}
