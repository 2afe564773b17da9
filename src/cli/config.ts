// upshift.config.ts: `export default defineConfig({ database, stage, models, ... })`. Loaded at
// run time with tsx (TypeScript without a build step). Every setting has an environment
// variable or a flag too; a flag wins over the environment, the environment over the file.
import { access } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { UpshiftCliConfig, UpshiftConfigExport } from '../engine/project-config.js';
import { checkConfigShape } from './config-shape.js';
import { CliError, ExitCode } from './exit-codes.js';
import { importOptional } from '../optional.js';
import {
  DatabaseSettingError,
  parseDatabaseSetting,
  type DatabaseConnection,
  type DatabaseSetting,
} from '../engine/database-setting.js';

export const CONFIG_FILES = ['upshift.config.ts', 'upshift.config.mts', 'upshift.config.js', 'upshift.config.mjs'];

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

/** The nearest upshift.config.* in `dir` or a folder above it (as git finds .git): commands work from any subfolder. */
export async function findConfigFile(dir: string): Promise<string | undefined> {
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    for (const name of CONFIG_FILES) {
      if (await exists(path.join(at, name))) return path.join(at, name);
    }
    if (path.dirname(at) === at) return undefined;
  }
}

/**
 * Finds and imports the config: --config, else $UPSHIFT_CONFIG, else the nearest upshift.config.*
 * in cwd or a parent folder. `found` tells a searched-for file from a named one.
 */
export async function loadConfig(
  explicit: string | undefined,
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ config: UpshiftCliConfig; file?: string; found?: boolean }> {
  const named = explicit ?? env.UPSHIFT_CONFIG;
  let file: string | undefined;
  if (named) {
    file = path.resolve(cwd, named);
    if (!(await exists(file))) throw new CliError(`config file ${file} does not exist`, ExitCode.CONFIG);
  } else {
    file = await findConfigFile(cwd);
  }
  if (!file) return { config: {} };
  let mod: Record<string, unknown>;
  try {
    mod = await importConfigFile(file, cwd);
  } catch (err) {
    throw new CliError(
      `could not load ${path.relative(cwd, file) || file}: ${(err as Error).message}`,
      ExitCode.CONFIG,
    );
  }
  const exported = (mod.default ?? mod.config) as UpshiftConfigExport | undefined;
  let config: UpshiftCliConfig | undefined;
  try {
    config = typeof exported === 'function' ? await exported() : exported;
    if (config && typeof config.database === 'function') config = { ...config, database: await config.database() };
  } catch (err) {
    throw new CliError(
      `${path.relative(cwd, file) || file}: its config function failed: ${(err as Error)?.message ?? String(err)}`,
      ExitCode.CONFIG,
    );
  }
  if (!config || typeof config !== 'object') {
    throw new CliError(`${path.relative(cwd, file)} must \`export default defineConfig({ ... })\``, ExitCode.CONFIG);
  }
  await checkConfigShape(config, path.relative(cwd, file) || file);
  return { config, file, ...(named ? {} : { found: true }) };
}

/**
 * A JavaScript config is imported as it is; a TypeScript one through tsx, an optional peer
 * dependency (the error names it when it is not installed).
 */
async function importConfigFile(file: string, cwd: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(file).href;
  if (/\.m?js$/.test(file)) return (await import(url)) as Record<string, unknown>;
  const { tsImport } = await importOptional('tsx', `Reading ${path.basename(file)}`, () => import('tsx/esm/api'));
  return (await tsImport(url, { parentURL: pathToFileURL(path.join(cwd, 'noop.js')).href })) as Record<string, unknown>;
}

export interface Settings {
  config: UpshiftCliConfig;
  configFile?: string;
  /**
   * The project's folder: the folder of a config file found in a parent folder, else the
   * folder the command runs in. The config's paths (models, migrations) and the default stage
   * (.upshift/stage) are relative to it, so every subfolder sees the same project.
   */
  cwd: string;
  /** The folder the command runs in: paths given on the command line are relative to it. */
  workDir: string;
  env: NodeJS.ProcessEnv;
  /** --database-url, else $UPSHIFT_DATABASE_URL, else config.database, else $DATABASE_URL. */
  database?: DatabaseSetting;
  /** The same when it is a URL. */
  databaseUrl?: string;
  modelsDir: string;
  migrationsDir: string;
}

/**
 * `found`: the config file was searched for (not named by --config or $UPSHIFT_CONFIG), so its
 * folder is the project's. DATABASE_URL comes last: other tools set that generic name too, and
 * upshift's own settings win over it.
 */
export function resolveSettings(
  config: UpshiftCliConfig,
  flags: { databaseUrl?: string; configFile?: string; found?: boolean },
  cwd: string,
  env: NodeJS.ProcessEnv,
): Settings {
  if (typeof config.database === 'function')
    // invariant: loadConfig resolves a database function before this runs
    throw new Error("resolveSettings: call the config's database function first (loadConfig does)");
  const database = flags.databaseUrl || env.UPSHIFT_DATABASE_URL || config.database || env.DATABASE_URL;
  const databaseUrl = typeof database === 'string' ? database : undefined;
  const root = flags.found && flags.configFile ? path.dirname(flags.configFile) : cwd;
  return {
    config,
    ...(flags.configFile ? { configFile: flags.configFile } : {}),
    cwd: root,
    workDir: cwd,
    env,
    ...(database ? { database } : {}),
    ...(databaseUrl ? { databaseUrl } : {}),
    modelsDir: path.resolve(root, config.models ?? 'models'),
    migrationsDir: path.resolve(root, config.migrations?.dir ?? 'migrations'),
  };
}

export function requireDatabaseUrl(s: Settings): string {
  if (!s.databaseUrl) {
    throw new CliError(
      'no database to connect to: pass --database-url, set UPSHIFT_DATABASE_URL (or DATABASE_URL), or set `database` in upshift.config.ts',
      ExitCode.CONFIG,
    );
  }
  checkDatabaseUrl(s.databaseUrl);
  return s.databaseUrl;
}

/** The database to connect to, in one of its three ways (password URL, IAM, Data API), checked. */
export function requireDatabase(s: Settings): DatabaseConnection {
  if (!s.database) return { kind: 'password', url: requireDatabaseUrl(s) };
  let connection: DatabaseConnection;
  try {
    connection = parseDatabaseSetting(s.database);
  } catch (err) {
    if (err instanceof DatabaseSettingError) throw new CliError(err.message, ExitCode.CONFIG);
    throw err;
  }
  if (connection.kind === 'password') checkDatabaseUrl(connection.url);
  return connection;
}

// Characters that end the user:password part of a URL early: what follows them is read as the
// host, path, query or fragment, so the connection goes elsewhere or the URL doesn't parse.
const BREAKS_USERINFO: Record<string, string> = { '#': '%23', '/': '%2F', '?': '%3F' };

/**
 * Refuses a connection URL whose user or password holds a character that breaks the URL (an
 * unencoded `#`, `/` or `?`), naming the character and its encoding but never the password.
 */
export function checkDatabaseUrl(url: string): void {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url);
  // a socket path or key=value string: pg reads those itself
  if (!scheme && (url.startsWith('/') || url.includes('='))) return;
  if (!scheme) {
    // pg would read it as a database name on the default host, and fail with "ENOTFOUND base"
    throw new CliError(
      'the database URL is not a URL (it is not shown here: it may hold a password): give postgres://user:password@host:5432/database, a socket folder (/var/run/postgresql) or key=value settings (host=... dbname=...)',
      ExitCode.CONFIG,
    );
  }
  const rest = url.slice(scheme[0].length);
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    // only when what follows the last @ is a host[:port]: an @ in a query string is not a password's end
    const host = /^(\[[^\]]*\]|[^/?#:@\s]*)(:\d*)?([/?#]|$)/.test(rest.slice(at + 1));
    const first = userinfo.search(/[#/?]/);
    if (host && first >= 0 && !userinfo.slice(0, first).includes('@')) {
      const ch = userinfo[first]!;
      const where = userinfo.indexOf(':') >= 0 && userinfo.indexOf(':') < first ? 'password' : 'user name';
      throw new CliError(
        `the database URL's ${where} contains an unencoded "${ch}", which ends that part of the URL: percent-encode it as ${BREAKS_USERINFO[ch]} ` +
          '(encodeURIComponent does it; also % as %25, @ as %40, : as %3A)',
        ExitCode.CONFIG,
      );
    }
  }
  try {
    new URL(url);
  } catch {
    throw new CliError(
      'the database URL is not a valid URL (it is not shown here: it may hold a password). Percent-encode special characters in the user name and password, e.g. # as %23, / as %2F, @ as %40',
      ExitCode.CONFIG,
    );
  }
}
