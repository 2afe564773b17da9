// upshift.config.ts's shape: `export default defineConfig({ database, stage, models, ... })`.
// The CLI reads the file (src/cli/config.ts); the type lives in the library so the root export
// 'upshift' can offer defineConfig without loading the CLI.
import type { Stage } from '../stage/types.js';
import type { DatabaseSetting } from './database-setting.js';

export interface UpshiftCliConfig {
  /**
   * The database (env UPSHIFT_DATABASE_URL, flag --database-url): a postgres:// URL (password
   * login), redshift-iam:// (temporary credentials), redshift-data:// (the Data API), or the
   * same as an object ({ host, iam } / { dataApi }); or a function returning one (async: fetch a
   * secret, pick by environment).
   */
  database?: DatabaseSetting | (() => DatabaseSetting | Promise<DatabaseSetting>) | undefined;
  /** 'postgres' or 'redshift'; default: asked from the server (`select version()`). */
  dialect?: 'postgres' | 'redshift' | undefined;
  /** Where `upshift load` stages files (a LocalStage or S3Stage). */
  stage?: Stage | undefined;
  /** The models folder: codegen writes it, `codegen --check` and migrations read it. Default './models'. */
  models?: string | undefined;
  codegen?:
    | {
        /** Schemas to generate models for (flag --schema). Default ['public']. */
        schemas?: string[] | undefined;
        /** Table-name globs, comma-separated (flag --tables), e.g. 'orders_*,customers'. */
        tables?: string | undefined;
        /** Module the models import from. Default 'upshift'. */
        importFrom?: string | undefined;
      }
    | undefined;
  migrations?:
    | {
        /** Folder of migration files. Default './migrations'. */
        dir?: string | undefined;
        /** Schema of upshift_migrations and upshift_migration_lock. Default 'upshift'. */
        schema?: string | undefined;
        /** Run each batch in one transaction (default true). */
        transactional?: boolean | undefined;
        /** How long `migrate up|down` waits for another run's lock. Default 600000 (10 min). */
        lockTimeoutMs?: number | undefined;
      }
    | undefined;
  /** Schema of the load_audit table (default 'upshift'). */
  auditSchema?: string | undefined;
  /** Redshift-only settings for `upshift load` (COPY credentials). */
  redshift?:
    | {
        iamRole?: string | undefined;
        region?: string | undefined;
        serverless?: boolean | undefined;
        credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string | undefined } | undefined;
      }
    | undefined;
}

/** A config file's export: the config, or a function that returns it (async or not). */
export type UpshiftConfigExport = UpshiftCliConfig | (() => UpshiftCliConfig | Promise<UpshiftCliConfig>);

/**
 * Types the config file: `export default defineConfig({ ... })`, or `defineConfig(async () => ({ ... }))`.
 * The function's overload comes first, so the object it returns is typed in context.
 */
export function defineConfig(
  config: () => UpshiftCliConfig | Promise<UpshiftCliConfig>,
): () => UpshiftCliConfig | Promise<UpshiftCliConfig>;
export function defineConfig(config: UpshiftCliConfig): UpshiftCliConfig;
export function defineConfig(config: UpshiftConfigExport): UpshiftConfigExport {
  return config;
}
