// Optional peer dependencies (package.json peerDependenciesMeta): PGlite, Arrow, Parquet, ts-morph,
// tsx and Kysely install only for the projects that use them, and load only when the feature
// that needs them runs, so `import('upshift')` stays small and fast. A missing one fails with
// the package to install instead of a bare ERR_MODULE_NOT_FOUND from deep inside a load.
import { UpshiftError } from './errors.js';
import { createRequire } from 'node:module';

/** A feature was used whose optional package is not installed. */
export class MissingDependencyError extends UpshiftError {
  declare readonly code: 'MISSING_DEPENDENCY';
  override readonly name = 'MissingDependencyError';
  /** The npm package to install (the first, when the feature needs several). */
  readonly packageName: string;
  constructor(
    /** Every package the feature needs that is not installed. */
    readonly packages: readonly string[],
    /** What needed it, e.g. 'PgliteDatabase'. */
    readonly feature: string,
    options?: ErrorOptions,
  ) {
    const names = packages.map((p) => `'${p}'`).join(', ');
    const which = packages.length === 1 ? `package ${names}, which is` : `packages ${names}, which are`;
    super(
      'MISSING_DEPENDENCY',
      `${feature} needs the optional ${which} not installed: run \`npm install ${packages.join(' ')}\``,
      options,
    );
    this.packageName = packages[0]!;
  }
}

/**
 * True when `err` says the package itself can't be found. A package that is there but misses
 * one of its own files or dependencies is a broken install, and keeps its own error.
 */
function isMissingPackage(err: unknown, packageName: string): boolean {
  const { code, message } = (err ?? {}) as NodeJS.ErrnoException;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  // ESM: "Cannot find package 'tsx' imported from ..."; CJS: "Cannot find module 'ts-morph'"
  return typeof message === 'string' && (message.includes(`'${packageName}'`) || message.includes(`'${packageName}/`));
}

/** The optional peer dependencies (package.json peerDependenciesMeta), by what needs them. */
export const OPTIONAL_PACKAGES: Readonly<Record<string, string>> = {
  '@electric-sql/pglite': 'PgliteDatabase',
  'apache-arrow': 'fromDataFrame',
  hyparquet: 'Reading Parquet files on Postgres or PGlite',
  'hyparquet-writer': 'Unloading to Parquet on Postgres or PGlite',
  kysely: 'Migrations and db.kysely()',
  'ts-morph': 'Writing model and migration files (codegen)',
  tsx: 'Importing TypeScript files (models, upshift.config.ts)',
  '@aws-sdk/client-redshift': 'Redshift IAM logins (iam)',
  '@aws-sdk/client-redshift-serverless': 'Redshift Serverless IAM logins (iam)',
  '@aws-sdk/client-redshift-data': 'RedshiftDataApiDatabase (the Redshift Data API)',
  'csv-stringify': 'The Redshift emulator',
  'pg-gateway': 'The Redshift emulator',
  'libpg-query': 'The Redshift emulator',
  '@aws-sdk/lib-storage': 'The Redshift emulator',
};

/** What upshift/emulator imports that the core does not install. */
export const EMULATOR_PACKAGES: readonly string[] = [
  'pg-gateway',
  'libpg-query',
  'hyparquet',
  'hyparquet-writer',
  'csv-stringify',
  '@aws-sdk/lib-storage',
];

/**
 * `err` as a MissingDependencyError when it is, or says, that an optional package is missing:
 * a module that imports one statically (upshift/codegen's migrations import Kysely, the
 * emulator its Parquet and wire packages) fails with Node's own ERR_MODULE_NOT_FOUND.
 */
export function asMissingDependency(err: unknown): MissingDependencyError | undefined {
  if (err instanceof MissingDependencyError) return err;
  for (const [name, feature] of Object.entries(OPTIONAL_PACKAGES)) {
    if (isMissingPackage(err, name)) return new MissingDependencyError([name], feature, { cause: err });
  }
  return undefined;
}

/**
 * Imports an optional package (ESM): `load` is the literal `() => import('pkg')`, so the types
 * come from the package. Node caches the module: calling this again costs a resolved promise.
 */
export async function importOptional<M>(packageName: string, feature: string, load: () => Promise<M>): Promise<M> {
  try {
    return await load();
  } catch (err) {
    if (isMissingPackage(err, packageName)) throw new MissingDependencyError([packageName], feature, { cause: err });
    throw err;
  }
}

const installed = (packageName: string): boolean => {
  try {
    import.meta.resolve(packageName);
    return true;
  } catch {
    return false;
  }
};

/**
 * Imports a module of ours that imports several optional packages statically (the emulator):
 * when one is missing, the error names every one of them that is, not only the first.
 */
export async function importFeature<M>(
  feature: string,
  packages: readonly string[],
  load: () => Promise<M>,
): Promise<M> {
  try {
    return await load();
  } catch (err) {
    if (!packages.some((p) => isMissingPackage(err, p))) throw err;
    throw new MissingDependencyError(
      packages.filter((p) => !installed(p)),
      feature,
      { cause: err },
    );
  }
}

const requireHere = createRequire(import.meta.url);

/**
 * Loads an optional package synchronously, for an API that is synchronous (a constructor, a
 * getter). Only for packages whose Node entry is CommonJS anyway (ts-morph, the AWS SDK, pg), or
 * whose CommonJS build is self-contained (PGlite, Kysely): the result is then the same module
 * `import()` would give, or an equivalent one.
 */
export function requireOptional<M>(packageName: string, feature: string): M {
  try {
    return requireHere(packageName) as M;
  } catch (err) {
    if (isMissingPackage(err, packageName)) throw new MissingDependencyError([packageName], feature, { cause: err });
    throw err;
  }
}
