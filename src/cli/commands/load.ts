// `upshift load <table> <input> [--mode upsert|append|replace]`: a local file (CSV, JSON lines,
// Parquet) or an s3:// file or folder into a modelled table, through the engine (validated,
// staged, atomic, audited). Every option of fromLocalFile / fromS3File has its flag; --dry-run
// validates and stages into a temp folder and reports what would load, touching no database.
import path from 'node:path';
import type { Command } from 'commander';
import type { LoadMode, LoadResult } from '../../engine/index.js';
import type { TableModel } from '../../model/index.js';
import type { Progress, Stage } from '../../stage/types.js';
import { loadFailure } from '../cli-words.js';
import { CliError, ExitCode } from '../exit-codes.js';
import type { CommandContext, Run } from '../context.js';
import { openDatabase } from '../open-database.js';
import { buildSource, type SourceFlags } from '../load-source.js';
import { progressLine } from '../progress.js';

interface LoadFlags extends SourceFlags {
  mode: string;
  orderBy?: string;
  partial?: boolean;
  dryRun?: boolean;
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
  if (hits.length > 1)
    throw new CliError(
      `table ${name} is ambiguous: ${hits.map((h) => h.model.qualifiedName).join(', ')}; use schema.table`,
      ExitCode.USAGE,
    );
  throw new CliError(
    `no model for table ${name} in ${path.relative(ctx.settings.cwd, ctx.settings.modelsDir) || '.'} (models: ${known}); run upshift codegen`,
    ExitCode.CONFIG,
  );
}

/** The flags the load command takes, beside the source's (load-source.ts). */
function checkLoadFlags(flags: LoadFlags): LoadMode {
  if (!MODES.includes(flags.mode as LoadMode))
    throw new CliError(`--mode ${flags.mode}: give upsert, append or replace`, ExitCode.USAGE);
  if (flags.partial && flags.mode !== 'upsert')
    throw new CliError(`--partial applies to --mode upsert only; ${flags.mode} inserts whole rows`, ExitCode.USAGE);
  if (flags.orderBy !== undefined && flags.mode !== 'upsert')
    throw new CliError(
      `--order-by picks the winner among rows with one upsert key: it applies to --mode upsert only; ${flags.mode} inserts every row`,
      ExitCode.USAGE,
    );
  return flags.mode as LoadMode;
}

/** s3:// inputs are read with the S3 stage's client (and on Redshift, COPY reads them where they are). */
function checkStageFor(input: string, stage: Stage | undefined): void {
  if (input.startsWith('s3://') && stage?.kind !== 's3') {
    throw new CliError(
      's3:// inputs are read through an S3 stage: set `stage: new S3Stage({ basePath, region })` in upshift.config.ts',
      ExitCode.CONFIG,
    );
  }
}

/** The progress line on a terminal (stderr), redrawn as the load reports and twice a second for the clock. */
async function progressDisplay(ctx: CommandContext, flags: LoadFlags, table: string) {
  if (!ctx.io.isTTY || flags.progress === false) return undefined;
  const { default: cliProgress } = await import('cli-progress');
  const started = Date.now();
  let last: Progress = { rows: 0, bytes: 0, phase: 'reading' };
  const bar = new cliProgress.SingleBar({
    format: '{line}',
    hideCursor: true,
    clearOnComplete: true,
    stream: process.stderr,
  });
  const draw = () => bar.update(0, { line: progressLine(table, last, Date.now() - started) });
  bar.start(0, 0, { line: progressLine(table, last, 0) });
  const clock = setInterval(draw, 500);
  clock.unref();
  return {
    report: (p: Progress) => {
      last = p;
      draw();
    },
    stop: () => {
      clearInterval(clock);
      bar.stop();
    },
  };
}

function printResult(ctx: CommandContext, flags: LoadFlags, result: LoadResult): void {
  if (flags.json) {
    ctx.io.out(`${JSON.stringify(result)}\n`);
    return;
  }
  ctx.io.out(
    `loaded ${result.table} (${result.mode}): staged ${result.staged}, inserted ${result.inserted}, updated ${result.updated}, ` +
      `deleted ${result.deleted}, duplicates dropped ${result.duplicates} [load ${result.loadId}]\n`,
  );
}

async function load(ctx: CommandContext, flags: LoadFlags, tableName: string, input: string): Promise<number> {
  const mode = checkLoadFlags(flags);
  const cfg = ctx.settings.config;
  checkStageFor(input, cfg.stage);
  const built = await buildSource(input, flags, ctx.settings.workDir, flags.dryRun);
  const model = await findModel(ctx, tableName);
  if (flags.dryRun) {
    const { dryRun } = await import('../dry-run.js');
    return dryRun(ctx, model, built, {
      mode,
      ...(flags.orderBy !== undefined ? { orderBy: flags.orderBy } : {}),
      partial: flags.partial ?? false,
      json: flags.json ?? false,
    });
  }
  const db = await openDatabase(ctx);
  const progress = await progressDisplay(ctx, flags, model.qualifiedName);
  try {
    const result = await db.table(model).loadFrom(built.source, {
      mode,
      ...(flags.orderBy !== undefined ? { orderBy: flags.orderBy } : {}),
      ...(flags.partial ? { partial: true } : {}),
      ...(progress ? { onProgress: progress.report } : {}),
    });
    progress?.stop();
    printResult(ctx, flags, result);
    return ExitCode.OK;
  } catch (err) {
    progress?.stop();
    throw loadFailure(err, model.qualifiedName, `load into ${model.qualifiedName} failed`);
  } finally {
    await db.close();
  }
}

export function registerLoad(program: Command, run: Run) {
  program
    .command('load <table> <source>')
    .description(
      'load a local file (CSV, JSON lines, Parquet) or an s3:// file or folder (ending in /) into a modelled table',
    )
    .option('-m, --mode <mode>', 'upsert (last write wins on the upsert key), append, or replace', 'upsert')
    .option(
      '-f, --format <format>',
      'csv, jsonl or parquet (default: from the name, else the content: Parquet starts with PAR1)',
    )
    .option('--delimiter <char>', 'CSV field delimiter (default ","; \\t or tab for a tab)')
    .option('--quote <char>', "CSV quote character (default '\"')")
    .option('--header', 'the first CSV line names the columns (the default, except with --trusted)')
    .option('--no-header', "the CSV has no header line: its fields are the model's columns in order, or --columns")
    .option('--columns <list>', "the file's columns in order, comma-separated (without a header, or instead of it)")
    .option('--null-as <text>', 'the unquoted CSV text that means NULL (default: an empty field)')
    .option('--encoding <name>', 'text encoding of a CSV or JSON-lines file: utf8 (default), latin1 or windows-1252')
    .option('--order-by <column>', 'for upserts of files without load order: the greatest value wins among duplicates')
    .option(
      '--partial',
      'upsert only the columns the file has: matched keys keep their other columns, new keys get defaults (without it, an upsert from a file lacking columns is refused)',
    )
    .option(
      '--trusted',
      "a local CSV already in the stage's dialect (comma, '\"', NULL as \\N, UTF-8, plain or gzip): uploaded as it is, unvalidated; COPY is the only check",
    )
    .option(
      '--validate',
      "s3:// inputs: read every file through upshift's validator and re-stage it (default: COPY reads them as they are)",
    )
    .option(
      '--dry-run',
      'validate and stage into a temp folder, report what would load, and remove it: no database is touched',
    )
    .option('--json', 'print the load result as JSON')
    .option('--no-progress', 'no progress line (it is only drawn when stderr is a terminal)')
    .addHelpText(
      'after',
      '\nExamples:\n  upshift load sales.orders ./orders.csv.gz\n  upshift load sales.orders ./status.csv --partial   # a file with id,status\n' +
        '  upshift load sales.orders ./export.txt --delimiter "|" --no-header --columns id,status --null-as NULL --encoding windows-1252\n' +
        '  upshift load sales.orders ./orders.parquet --dry-run\n  upshift load orders s3://bucket/exports/orders/ --mode append --validate',
    )
    .action(run<LoadFlags>((ctx, flags, tableName, input) => load(ctx, flags, tableName, input)));
}
