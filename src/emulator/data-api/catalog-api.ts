// ListDatabases, ListSchemas, ListTables and DescribeTable: read from the backend's catalog (the
// emulator's own schema left out), paged by MaxResults and NextToken.
import { validation } from '../aws/protocol.js';
import type { EmulatorContext } from '../context.js';
import type { Caller } from '../iam/credentials.js';
import { describeResult } from './results.js';
import type { Target } from './statements.js';

type Resolve = (body: Record<string, unknown>, caller: Caller) => Promise<Target>;

/** Schemas no listing shows: the emulator's catalog, TOAST and other sessions' temporary schemas. */
const HIDDEN = `n.nspname <> $1 and n.nspname !~ '^pg_(toast|temp_)' and n.nspname !~ '^pg_toast_temp_'`;

export class CatalogApi {
  constructor(
    private readonly ctx: EmulatorContext,
    private readonly resolve: Resolve,
  ) {}

  async listDatabases(body: Record<string, unknown>, caller: Caller): Promise<Record<string, unknown>> {
    await this.resolve({ ...body, Database: body.Database ?? 'dev' }, caller);
    const r = await this.ctx.admin.query<{ datname: string }>(
      'select datname from pg_catalog.pg_database where not datistemplate order by datname',
    );
    const [items, next] = pageOf(
      r.rows.map((d) => d.datname),
      body,
    );
    return { Databases: items, NextToken: next };
  }

  async listSchemas(body: Record<string, unknown>, caller: Caller): Promise<Record<string, unknown>> {
    await this.resolve(body, caller);
    const r = await this.ctx.admin.query<{ nspname: string }>(
      `select n.nspname from pg_catalog.pg_namespace n where ${HIDDEN} and n.nspname like $2 order by n.nspname`,
      [this.ctx.schema, pattern(body.SchemaPattern)],
    );
    const [items, next] = pageOf(
      r.rows.map((s) => s.nspname),
      body,
    );
    return { Schemas: items, NextToken: next };
  }

  async listTables(body: Record<string, unknown>, caller: Caller): Promise<Record<string, unknown>> {
    await this.resolve(body, caller);
    const r = await this.ctx.admin.query<{ name: string; schema: string; type: string }>(
      `select c.relname as name, n.nspname as schema,
         case when n.nspname in ('pg_catalog', 'information_schema')
           then case when c.relkind = 'v' then 'SYSTEM VIEW' else 'SYSTEM TABLE' end
           else case c.relkind when 'v' then 'VIEW' when 'm' then 'MATERIALIZED VIEW' else 'TABLE' end end as type
       from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
       where c.relkind in ('r', 'p', 'v', 'm') and ${HIDDEN} and n.nspname like $2 and c.relname like $3
       order by n.nspname, c.relname`,
      [this.ctx.schema, pattern(body.SchemaPattern), pattern(body.TablePattern)],
    );
    const [items, next] = pageOf(r.rows, body);
    return { Tables: items, NextToken: next };
  }

  async describeTable(body: Record<string, unknown>, caller: Caller): Promise<Record<string, unknown>> {
    await this.resolve(body, caller);
    const r = await this.ctx.admin.query<{
      typeOid: number;
      typeMod: number;
      tableOid: number;
      column: number;
      name: string;
      def: string | null;
      relname: string;
    }>(
      `select a.attname as name, a.atttypid::int as "typeOid", a.atttypmod as "typeMod", c.oid::int as "tableOid",
         a.attnum::int as "column", pg_catalog.pg_get_expr(d.adbin, d.adrelid) as def, c.relname
       from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
       join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
       left join pg_catalog.pg_attrdef d on d.adrelid = c.oid and d.adnum = a.attnum
       where c.relkind in ('r', 'p', 'v', 'm') and ${HIDDEN}
         and ($2::text is null or n.nspname = $2) and ($3::text is null or c.relname = $3)
       order by n.nspname, c.relname, a.attnum`,
      [this.ctx.schema, optionalName(body.Schema), optionalName(body.Table)],
    );
    const shape = await describeResult(this.ctx.admin, this.ctx.schema, r.rows);
    const columns = shape.columns.map((c, i) => ({
      ...c,
      length: c.typeName === 'varchar' || c.typeName === 'bpchar' ? c.precision : 0,
      ...(r.rows[i]!.def !== null ? { columnDefault: r.rows[i]!.def } : {}),
    }));
    const [items, next] = pageOf(columns, body);
    return {
      TableName: typeof body.Table === 'string' ? body.Table : r.rows[0]?.relname,
      ColumnList: items,
      NextToken: next,
    };
  }
}

const pattern = (v: unknown): string => (typeof v === 'string' && v !== '' ? v : '%');

function optionalName(v: unknown): string | null {
  if (v === undefined || v === null || v === '') return null;
  if (typeof v !== 'string') throw validation('Schema and Table must be strings.');
  return v;
}

/** One page of a listing: MaxResults items (default all, at most 1000) from NextToken's offset. */
function pageOf<T>(items: T[], body: Record<string, unknown>): [T[], string | undefined] {
  const max = body.MaxResults;
  if (max !== undefined && (typeof max !== 'number' || !Number.isInteger(max) || max < 0 || max > 1000))
    throw validation('MaxResults must be an integer from 0 to 1000.');
  const size = typeof max === 'number' && max > 0 ? max : 1000;
  const from = readOffset(body.NextToken);
  const to = from + size;
  return [items.slice(from, to), to < items.length ? Buffer.from(`list|${to}`).toString('base64url') : undefined];
}

function readOffset(v: unknown): number {
  if (v === undefined || v === null) return 0;
  const m = typeof v === 'string' ? /^list\|(\d+)$/.exec(Buffer.from(v, 'base64url').toString()) : null;
  if (!m) throw validation('Invalid NextToken.');
  return Number(m[1]);
}
