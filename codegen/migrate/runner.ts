// Runs migrations with Kysely's Migrator: recorded in <schema>.upshift_migrations, serialized by
// the lock row in <schema>.upshift_migration_lock (see lock.ts), each run in one transaction.
import { UpshiftConfigError } from '../../src/config.js';
import { UpshiftError } from '../../src/errors.js';
import { readdir, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Kysely, Migrator, sql, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';
import pg from 'pg';
import type { Dialect } from '../../src/dialect/index.js';
import { introspect } from '../introspect/index.js';
import { loadModels, importModules } from '../load-models.js';
import { MigrationDialect, lockTableRef, type LockOptions } from './lock.js';
import { planMigration, type MigrationPlan } from './plan.js';

export interface MigrationsConfig {
  /** A pg pool (Postgres or Redshift), or a connection string. */
  pool?: pg.Pool | undefined;
  connectionString?: string | undefined;
  /** The folder of migration files. */
  dir: string;
  /** Schema of the migrations and lock tables (default 'upshift'). */
  schema?: string | undefined;
  /** Run each `up`/`down` batch in one transaction (default true). */
  transactional?: boolean | undefined;
  lock?: LockOptions | undefined;
}

export const MIGRATION_TABLE = 'upshift_migrations';
export const MIGRATION_LOCK_TABLE = 'upshift_migration_lock';

/** Reads migration modules (TypeScript via tsx) from a folder: name = file name without extension. */
export class TsFileMigrationProvider implements MigrationProvider {
  constructor(private readonly dir: string) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const files = await readdir(this.dir).catch((err: NodeJS.ErrnoException) =>
      err.code === 'ENOENT' ? [] : Promise.reject(err),
    );
    const out: Record<string, Migration> = {};
    const names = files.filter((f) => /\.(ts|mts|js|mjs)$/.test(f) && !/\.d\.m?ts$/.test(f)).sort();
    const modules = await importModules(names.map((f) => path.join(this.dir, f)));
    for (const [i, f] of names.entries()) {
      const mod = modules[i]!;
      const m = (typeof mod.up === 'function' ? mod : (mod.default as Record<string, unknown> | undefined)) as
        Migration | undefined;
      if (!m || typeof m.up !== 'function') throw new UpshiftConfigError(`migration ${f} exports no up(db) function`);
      out[f.replace(/\.(m?)(ts|js)$/, '')] = m;
    }
    return out;
  }
}

export interface MigrationSession {
  pool: pg.Pool;
  kysely: Kysely<unknown>;
  migrator: Migrator;
  close(): Promise<void>;
}

export function openMigrations(config: MigrationsConfig): MigrationSession {
  const ownPool = !config.pool;
  const pool = config.pool ?? new pg.Pool({ connectionString: config.connectionString, max: 2 });
  const kysely = new Kysely<unknown>({ dialect: new MigrationDialect({ pool }, config.lock ?? {}) });
  const migrator = new Migrator({
    db: kysely,
    provider: new TsFileMigrationProvider(path.resolve(config.dir)),
    migrationTableSchema: config.schema ?? 'upshift',
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
    disableTransactions: config.transactional === false,
  });
  return {
    pool,
    kysely,
    migrator,
    async close() {
      // Kysely.destroy ends the pool: only when we created it
      if (ownPool) await kysely.destroy();
    },
  };
}

export class MigrationError extends UpshiftError {
  declare readonly code: 'MIGRATION_FAILED';
  override name = 'MigrationError';
  constructor(
    message: string,
    readonly results: MigrationResultSet['results'],
    cause?: unknown,
  ) {
    super('MIGRATION_FAILED', message, { cause });
  }
}

// A migration may throw anything; `if (set.error)` would narrow it to {} and hide that.
const reasonOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

function check(set: MigrationResultSet, verb: string): NonNullable<MigrationResultSet['results']> {
  if (set.error) {
    const failed = set.results?.find((r) => r.status === 'Error');
    const why = reasonOf(set.error);
    throw new MigrationError(
      failed
        ? `migration ${failed.migrationName} failed (${verb}): ${why}; it was rolled back`
        : `${verb} failed: ${why}`,
      set.results,
      set.error,
    );
  }
  return set.results ?? [];
}

async function withSession<T>(config: MigrationsConfig, fn: (s: MigrationSession) => Promise<T>): Promise<T> {
  const s = openMigrations(config);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

export const migrateUp = (config: MigrationsConfig) =>
  withSession(config, async (s) => check(await s.migrator.migrateToLatest(), 'up'));
export const migrateDown = (config: MigrationsConfig) =>
  withSession(config, async (s) => check(await s.migrator.migrateDown(), 'down'));

export interface MigrationStatus {
  name: string;
  executedAt?: Date;
}
export const migrationStatus = (config: MigrationsConfig) =>
  withSession(config, async (s): Promise<MigrationStatus[]> =>
    (await s.migrator.getMigrations()).map((m) => ({
      name: m.name,
      ...(m.executedAt ? { executedAt: m.executedAt } : {}),
    })),
  );

/** Clears a lock left by a crashed run. Returns whether it was held. */
export const unlockMigrations = (config: MigrationsConfig) =>
  withSession(config, async (s) => {
    const opt = {
      lockTable: MIGRATION_LOCK_TABLE,
      lockRowId: 'migration_lock',
      lockTableSchema: config.schema ?? 'upshift',
    };
    const r = await sql`update ${lockTableRef(opt)} set is_locked = 0 where is_locked <> 0`
      .execute(s.kysely)
      .catch((err: { code?: string }) => {
        if (err.code === '42P01') return { numAffectedRows: 0n }; // no lock table yet: nothing ever ran
        throw err;
      });
    return Number(r.numAffectedRows ?? 0n) > 0;
  });

export interface GenerateOptions extends MigrationsConfig {
  modelsDir: string;
  name: string;
  allowDestructive?: boolean | undefined;
  dialect?: Dialect | undefined;
  now?: Date | undefined;
}

export class PendingMigrationsError extends UpshiftError {
  declare readonly code: 'MIGRATIONS_PENDING';
  override name = 'PendingMigrationsError';
  constructor(message: string, options?: ErrorOptions) {
    super('MIGRATIONS_PENDING', message, options);
  }
}

/** Diffs the models against the live tables and writes a migration file (unless refused or empty). */
export async function generateMigration(
  opts: GenerateOptions,
): Promise<{ plan: MigrationPlan; file?: string | undefined }> {
  return withSession(opts, async (s) => {
    const migrations = await s.migrator.getMigrations();
    const pending = migrations.filter((m) => !m.executedAt);
    if (pending.length) {
      throw new PendingMigrationsError(
        `${pending.length} migration(s) not applied yet (${pending.map((m) => m.name).join(', ')}): run \`upshift migrate up\` first, so the new one is diffed against the result`,
      );
    }
    const models = await loadModels(opts.modelsDir);
    const schemas = [...new Set(models.map((m) => m.model.schema))];
    const names = new Set(models.map((m) => m.model.name));
    const found = await introspect(s.pool, { schemas, tables: (n) => names.has(n) }, opts.dialect);
    const plan = planMigration(models, found.tables, found.dialect, {
      allowDestructive: opts.allowDestructive ?? false,
    });
    if (plan.refused.length || plan.tables.length === 0) return { plan };
    // ts-morph (and the TypeScript compiler under it) loads only when a file is written
    const { migrationFileName, renderMigration } = await import('./render.js');
    const file = path.resolve(
      opts.dir,
      migrationFileName(
        opts.name,
        opts.now,
        migrations.map((m) => m.name),
      ),
    );
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, renderMigration(plan, path.basename(file, '.ts'), { file }));
    return { plan, file };
  });
}
