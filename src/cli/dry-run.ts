// `upshift load --dry-run`: the load up to the warehouse, and no further. The source is read,
// every row validated (S3 files too: they go through the validator, where a real load may leave
// CSV to COPY) and staged into a temp folder, which is removed after; the column and option checks
// the engine makes before a load run too. No database is connected to.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sqlDialect } from '../dialect/index.js';
import type { LoadMode } from '../engine/index.js';
import type { TableModel } from '../model/index.js';
import { ExitCode } from './exit-codes.js';
import type { CommandContext } from './context.js';
import type { BuiltSource } from './load-source.js';
import { loadFailure } from './cli-words.js';

export interface DryRunOptions {
  mode: LoadMode;
  orderBy?: string;
  partial: boolean;
  json: boolean;
}

export async function dryRun(
  ctx: CommandContext,
  model: TableModel,
  built: BuiltSource,
  o: DryRunOptions,
): Promise<number> {
  const [{ LocalStage, newLoadId }, { checkLoadOptions }, { GivenColumns, checkGivenColumns }, { loadColumns }] =
    await Promise.all([
      import('../stage/index.js'),
      import('../engine/plan.js'),
      import('../engine/given-columns.js'),
      import('../model/validate.js'),
    ]);
  const table = model.qualifiedName;
  const dir = await mkdtemp(path.join(tmpdir(), 'upshift-dry-run-'));
  try {
    checkLoadOptions(model, o.mode, o.orderBy);
    const watch = new GivenColumns(model, o.mode, o.partial, built.source.describe(), o.orderBy);
    const prepared = await built.source.prepare({
      model,
      stage: new LocalStage({ dir }),
      // No server to ask: staged as Postgres would read it unless the config says Redshift.
      binary: sqlDialect(ctx.settings.config.dialect ?? 'postgres').capabilities.binaryFormat,
      copiesFromS3: false,
      loadId: newLoadId(),
      columnWatch: watch,
    });
    const columns = watch.columns() ?? prepared.columns ?? loadColumns(model);
    checkGivenColumns(model, o.mode, o.partial, columns, built.input);
    const { staged } = prepared;
    const report = {
      dryRun: true,
      table,
      mode: o.mode,
      input: built.input,
      rows: staged.rows ?? null,
      columns,
      files: staged.files.length,
      bytes: staged.bytes,
      validated: !isTrusted(built),
    };
    if (o.json) ctx.io.out(`${JSON.stringify(report)}\n`);
    else {
      const rows = staged.rows === undefined ? 'the rows of' : `${staged.rows} row(s) from`;
      ctx.io.out(
        `dry run: would ${o.mode} ${rows} ${built.input} into ${table} (columns ${columns.join(', ')}${o.partial ? '; only these are updated' : ''}); ` +
          `${report.validated ? 'every row is valid' : 'not validated (--trusted)'}; staged as ${staged.files.length} file(s), ${(staged.bytes / 1e6).toFixed(1)} MB, in a temp folder, now removed. Nothing was loaded\n`,
      );
    }
    return ExitCode.OK;
  } catch (err) {
    throw loadFailure(err, table, `dry run: load into ${table} would fail`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const isTrusted = (built: BuiltSource) => built.source.describe().includes('(trusted)');
