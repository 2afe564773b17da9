// Renders the Kysely `DB` interface for the generated tables: select and insert types follow
// the model's SelectTypes / InsertTypes; defaults and identity make a column optional on insert.
import type { ColumnSpec } from '../../src/model/index.js';
import type { LiveTable } from '../introspect/types.js';
import { DEFAULT_REGENERATE, finish, header, newSourceFile, type RenderOptions } from './model-file.js';
import { pascalCase, propertyKey, stringLiteral } from './names.js';

const SELECT: Record<ColumnSpec['kind'], string> = {
  smallint: 'number',
  integer: 'number',
  bigint: 'bigint',
  decimal: 'string',
  real: 'number',
  double: 'number',
  boolean: 'boolean',
  char: 'string',
  varchar: 'string',
  date: 'Date',
  time: 'string',
  timetz: 'string',
  timestamp: 'Date',
  timestamptz: 'Date',
  super: 'JsonValue',
  varbyte: 'Uint8Array',
  geometry: 'string',
  geography: 'string',
  hllsketch: 'string',
  interval_ym: 'string',
  interval_ds: 'string',
};
const INSERT: Partial<Record<ColumnSpec['kind'], string>> = {
  bigint: 'bigint | number',
  decimal: 'string | number',
  date: 'Date | string',
  timestamp: 'Date | string',
  timestamptz: 'Date | string',
};

export function kyselyColumnType(spec: ColumnSpec): string {
  const nul = spec.notNull ? '' : ' | null';
  const s = `${SELECT[spec.kind]}${nul}`;
  const i = `${INSERT[spec.kind] ?? SELECT[spec.kind]}${nul}`;
  const generated = spec.identity !== undefined || spec.default !== undefined;
  if (generated) return i === s ? `Generated<${s}>` : `ColumnType<${s}, ${i} | undefined, ${i}>`;
  return i === s ? s : `ColumnType<${s}, ${i}, ${i}>`;
}

export function interfaceName(exportName: string): string {
  return `${pascalCase(exportName)}Table`;
}

/** db.ts: one interface per table and `DB` mapping 'schema.table' to it. */
/** What db.ts needs of a table: its name and columns (a LiveTable, or a loaded model's). */
export interface DbTable {
  schema: string;
  name: string;
  columns: readonly { name: string; spec: ColumnSpec }[];
}

export function renderDbInterface(
  tables: readonly { table: DbTable | LiveTable; exportName: string }[],
  opts: RenderOptions = {},
): string {
  const sf = newSourceFile();
  const types = tables.flatMap(({ table }) => table.columns.map((c) => kyselyColumnType(c.spec)));
  const kysely = ['ColumnType', 'Generated'].filter((n) => types.some((t) => t.includes(`${n}<`)));
  const lead =
    header('the same tables as the models beside it (Kysely types)', opts.regenerate ?? DEFAULT_REGENERATE).trimEnd() +
    "\n// Use it as `db.kysely<DB>()`: upshift's connections read BIGINT as bigint and TIMESTAMP as UTC, as typed here.\n";
  if (kysely.length)
    sf.addImportDeclaration({ isTypeOnly: true, moduleSpecifier: 'kysely', namedImports: kysely, leadingTrivia: lead });
  if (types.some((t) => t.includes('JsonValue'))) {
    sf.addImportDeclaration({
      isTypeOnly: true,
      moduleSpecifier: opts.importFrom ?? 'upshift',
      namedImports: ['JsonValue'],
      ...(kysely.length ? {} : { leadingTrivia: lead }),
    });
  }
  if (!kysely.length && !types.some((t) => t.includes('JsonValue'))) sf.insertText(0, lead);
  for (const { table, exportName } of tables) {
    sf.addInterface({
      isExported: true,
      name: interfaceName(exportName),
      docs: [`${table.schema}.${table.name}`],
      properties: table.columns.map((c) => ({ name: propertyKey(c.name), type: kyselyColumnType(c.spec) })),
    });
  }
  sf.addInterface({
    isExported: true,
    name: 'DB',
    properties: tables.map(({ table, exportName }) => ({
      name: stringLiteral(`${table.schema}.${table.name}`),
      type: interfaceName(exportName),
    })),
  });
  return finish(sf);
}
