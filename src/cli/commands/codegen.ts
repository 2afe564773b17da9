// `upshift codegen [--check]`
import path from 'node:path';
import type { Command } from 'commander';
import { CliError, ExitCode } from '../exit-codes.js';
import { withPool, type Run } from '../context.js';

interface CodegenFlags {
  schema?: string[];
  tables?: string;
  out?: string;
  check?: boolean;
  importFrom?: string;
}

export function registerCodegen(program: Command, run: Run) {
  program
    .command('codegen')
    .description('generate model files (defineTable) and a Kysely DB interface from the live tables')
    .option('-s, --schema <schema...>', 'schemas to read (default: config codegen.schemas, else public)')
    .option('-t, --tables <globs>', "table-name globs, comma-separated, e.g. 'orders_*,customers'")
    .option('-o, --out <dir>', 'output folder (default: config models, else ./models)')
    .option('--import-from <module>', "module the models import from (default 'upshift')")
    .option(
      '--check',
      `compare the live tables with the model files instead of writing them; exit ${ExitCode.DRIFT} on drift`,
    )
    .addHelpText(
      'after',
      '\nExamples:\n  upshift codegen --schema sales --tables "orders_*"\n  upshift codegen --check        # in CI: fails on drift with a per-column report',
    )
    .action(
      run<CodegenFlags>(async (ctx, flags) => {
        const c = ctx.settings.config.codegen ?? {};
        const schemas = flags.schema ?? c.schemas ?? ['public'];
        const tables = flags.tables ?? c.tables;
        const outDir = flags.out ? path.resolve(ctx.settings.workDir, flags.out) : ctx.settings.modelsDir;
        const dialect = ctx.settings.config.dialect;
        return withPool(ctx, async (pool) => {
          if (flags.check) {
            const { checkDrift, formatDrift } = await import('../../../codegen/check.js');
            const report = await checkDrift(pool, outDir, {
              ...(flags.schema || c.schemas ? { schemas } : {}),
              ...(tables ? { tables } : {}),
              ...(dialect ? { dialect } : {}),
            });
            const text = formatDrift(report, ctx.settings.cwd);
            if (report.drift.length) {
              ctx.io.err(text);
              return ExitCode.DRIFT;
            }
            ctx.io.out(text);
            return ExitCode.OK;
          }
          const { codegen } = await import('../../../codegen/generate.js');
          const result = await codegen(pool, {
            schemas,
            ...(tables ? { tables } : {}),
            outDir,
            ...(dialect ? { dialect } : {}),
            ...((flags.importFrom ?? c.importFrom) ? { importFrom: flags.importFrom ?? c.importFrom } : {}),
          });
          for (const w of result.warnings) ctx.io.err(`warning: ${w}\n`);
          if (result.tables.length === 0) {
            throw new CliError(
              `no tables found in schema(s) ${schemas.join(', ')}${tables ? ` matching ${tables}` : ''}`,
              ExitCode.CONFIG,
            );
          }
          const rel = path.relative(ctx.settings.cwd, outDir) || '.';
          ctx.io.out(
            `${result.tables.length} table(s) from ${result.dialect}: ${result.written.length} file(s) written, ${result.unchanged.length} unchanged in ${rel}\n`,
          );
          for (const f of result.written) ctx.io.out(`  wrote ${path.join(rel, f)}\n`);
          return ExitCode.OK;
        });
      }),
    );
}
