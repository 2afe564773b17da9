// `upshift migrate generate <name> | up | down | status | unlock`
import { UpshiftError } from '../../errors.js';
import path from 'node:path';
import type { Command } from 'commander';
import type { MigrationsConfig } from '../../../codegen/migrate/runner.js';
import { requireDatabase } from '../config.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { databaseError, type CommandContext, type Run } from '../context.js';

/** Migrations run on a connection (Kysely's): a password URL, or a pool of IAM logins; not the Data API. */
async function migrationConnection(
  ctx: CommandContext,
): Promise<{ config: Pick<MigrationsConfig, 'connectionString' | 'pool'>; close(): Promise<void> }> {
  const connection = requireDatabase(ctx.settings);
  if (connection.kind === 'password') return { config: { connectionString: connection.url }, close: async () => {} };
  if (connection.kind === 'dataApi')
    throw new CliError(
      'migrations run on a connection (Kysely): give a postgres:// or redshift-iam:// database for `upshift migrate`, not the Data API',
      ExitCode.CONFIG,
    );
  const [{ temporaryLoginPool }, { iamConnectionString }] = await Promise.all([
    import('../../warehouse/redshift-iam.js'),
    import('../../engine/database-setting.js'),
  ]);
  const { pool } = temporaryLoginPool(
    { connectionString: iamConnectionString(connection.connection), maxConnections: 2 },
    connection.connection.iam,
  );
  return { config: { pool }, close: () => pool.end() };
}

/** Runs fn with the migrations' settings; a pool made for it is ended after. */
async function withMigrations<T>(ctx: CommandContext, fn: (config: MigrationsConfig) => Promise<T>): Promise<T> {
  const connection = await migrationConnection(ctx);
  try {
    return await fn({ ...connection.config, ...migrationsSettings(ctx) });
  } finally {
    await connection.close();
  }
}

function migrationsSettings(ctx: CommandContext): Omit<MigrationsConfig, 'connectionString' | 'pool'> {
  const m = ctx.settings.config.migrations ?? {};
  return {
    dir: ctx.settings.migrationsDir,
    ...(m.schema ? { schema: m.schema } : {}),
    ...(m.transactional !== undefined ? { transactional: m.transactional } : {}),
    lock: {
      ...(m.lockTimeoutMs !== undefined ? { timeoutMs: m.lockTimeoutMs } : {}),
      onWait: (since) =>
        ctx.io.err(
          `waiting for the migration lock, held by another run${since ? ` since ${since.toISOString()}` : ''}...\n`,
        ),
    },
  };
}

/** Maps migration failures to exit codes. */
async function guarded<T>(fn: (runner: typeof import('../../../codegen/migrate/runner.js')) => Promise<T>): Promise<T> {
  // loaded on use: `upshift --help` should not pay for Kysely and the model layer
  const runner = await import('../../../codegen/migrate/runner.js');
  const { MigrationError, PendingMigrationsError } = runner;
  const { MigrationLockTimeoutError } = await import('../../../codegen/migrate/lock.js');
  try {
    return await fn(runner);
  } catch (err) {
    if (err instanceof MigrationLockTimeoutError) throw new CliError(err.message, ExitCode.LOCK_TIMEOUT);
    if (err instanceof PendingMigrationsError) throw new CliError(err.message, ExitCode.REFUSED);
    if (err instanceof MigrationError) {
      const cause = err.cause;
      if (cause instanceof MigrationLockTimeoutError) throw new CliError(cause.message, ExitCode.LOCK_TIMEOUT);
      const failedAt = err.results?.find((r) => r.status === 'Error');
      throw new CliError(
        err.message,
        failedAt
          ? ExitCode.MIGRATION_FAILED
          : (databaseError(err.cause, 'migrate')?.exitCode ?? ExitCode.MIGRATION_FAILED),
      );
    }
    if (err instanceof UpshiftError && err.code === 'MODEL_LOAD_FAILED')
      throw new CliError(err.message, ExitCode.CONFIG);
    throw databaseError(err, 'the database refused a query') ?? err;
  }
}

export function registerMigrate(program: Command, run: Run) {
  const migrate = program
    .command('migrate')
    .description('typed migrations: generate from the models, run them, show their status')
    .addHelpText(
      'after',
      '\nExamples:\n  upshift migrate generate add_price\n  upshift migrate up\n  upshift migrate status --json',
    );

  migrate
    .command('generate <name>')
    .description('diff the models with the live tables and write a migration (Kysely up/down) with Redshift-legal DDL')
    .option(
      '--allow-destructive',
      "allow changes that drop columns or narrow types, renumber IDENTITY values in a Redshift deep copy, or drop and re-create other tables' foreign keys to a copied table (refused by default)",
    )
    .action(
      run<{ allowDestructive?: boolean }>(async (ctx, flags, name) => {
        const { plan, file } = await guarded(({ generateMigration }) =>
          withMigrations(ctx, (config) =>
            generateMigration({
              ...config,
              modelsDir: ctx.settings.modelsDir,
              name: name,
              allowDestructive: flags.allowDestructive ?? false,
              ...(ctx.settings.config.dialect ? { dialect: ctx.settings.config.dialect } : {}),
            }),
          ),
        );
        if (plan.refused.length) {
          ctx.io.err(
            `refused, no migration written:\n${plan.refused.map((r) => `  ${r.table}: ${r.reason}\n`).join('')}`,
          );
          return ExitCode.REFUSED;
        }
        if (!file) {
          ctx.io.out('no changes: the live tables match the models\n');
          return ExitCode.OK;
        }
        ctx.io.out(
          `wrote ${path.relative(ctx.settings.cwd, file)}\n${plan.tables
            .flatMap((t) => t.summary)
            .map((s) => `  ${s}\n`)
            .join('')}`,
        );
        return ExitCode.OK;
      }),
    );

  const apply = (direction: 'up' | 'down') =>
    run<Record<string, never>>(async (ctx) => {
      const results = await guarded((r) => withMigrations(ctx, direction === 'up' ? r.migrateUp : r.migrateDown));
      if (results.length === 0)
        ctx.io.out(direction === 'up' ? 'nothing to migrate: all migrations are applied\n' : 'nothing to undo\n');
      for (const r of results) ctx.io.out(`${direction === 'up' ? 'applied' : 'reverted'} ${r.migrationName}\n`);
      return ExitCode.OK;
    });
  migrate
    .command('up')
    .description('apply every pending migration, in one transaction, under the migration lock')
    .action(apply('up'));
  migrate.command('down').description('revert the last applied migration').action(apply('down'));

  migrate
    .command('status')
    .description('list migrations and when each was applied')
    .option('--json', 'print JSON: [{ "name", "executedAt" | null }]')
    .action(
      run<{ json?: boolean }>(async (ctx, flags) => {
        const list = await guarded((r) => withMigrations(ctx, r.migrationStatus));
        if (flags.json)
          ctx.io.out(
            `${JSON.stringify(list.map((m) => ({ name: m.name, executedAt: m.executedAt?.toISOString() ?? null })))}\n`,
          );
        else if (list.length === 0)
          ctx.io.out(`no migrations in ${path.relative(ctx.settings.cwd, ctx.settings.migrationsDir) || '.'}\n`);
        else
          for (const m of list)
            ctx.io.out(
              `${m.executedAt ? `applied ${m.executedAt.toISOString()}` : 'pending                          '}  ${m.name}\n`,
            );
        return ExitCode.OK;
      }),
    );

  migrate
    .command('unlock')
    .description('clear the migration lock a crashed run left behind (only when no migration is running)')
    .action(
      run<Record<string, never>>(async (ctx) => {
        const was = await guarded((r) => withMigrations(ctx, r.unlockMigrations));
        ctx.io.out(was ? 'cleared the migration lock\n' : 'the migration lock was not held\n');
        return ExitCode.OK;
      }),
    );
}
