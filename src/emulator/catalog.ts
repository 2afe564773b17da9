// The emulator's own catalog, in a schema of the backend database: table and column properties
// (dist/sort keys, encodings, Redshift types), load history, and the Redshift system views built
// on them. Created once per catalog version, under an advisory lock so parallel emulators agree.
import pg from 'pg';
import { quoteIdent as qi, quoteLiteral as qiLit } from './sql.js';

/** Placeholders in catalog statements, filled in by the session: the table's oid, its column names. */
export const CATALOG_REL = '__upshift_rel__';
export const CATALOG_ATTS = '__upshift_atts__';
export const CATALOG_PARENT = '__upshift_parent__';
export const CATALOG_TYPES = '__upshift_types__';

const CATALOG_VERSION = 19;

export const REDSHIFT_VERSION =
  'PostgreSQL 8.0.2 on i686-pc-linux-gnu, compiled by GCC gcc (GCC) 3.4.2 20041017 (Red Hat 3.4.2-6.fc3), Redshift 1.0.77467';

export const ENCODINGS = [
  'none',
  'raw',
  'bytedict',
  'delta',
  'delta32k',
  'lzo',
  'mostly8',
  'mostly16',
  'mostly32',
  'runlength',
  'text255',
  'text32k',
  'zstd',
  'az64',
];

interface ViewColumn {
  name: string;
  type: string;
}

/** information_schema's view, plus the keys the emulator records (declared, not enforced). */
function infoSchemaUnion(view: string, columns: ViewColumn[], mine: Record<string, string>, from: string): string {
  const list = columns.map((c) => `${mine[c.name] ?? 'null'}::${c.type} as ${qi(c.name)}`).join(', ');
  return `select * from information_schema.${view} union all select ${list} from ${from}`;
}

function constraintViews(S: string, tc: ViewColumn[], kcu: ViewColumn[]): string {
  const base = `${S}.constraints k join pg_catalog.pg_class c on c.oid = k.relid join pg_catalog.pg_namespace n on n.oid = c.relnamespace`;
  const common: Record<string, string> = {
    constraint_catalog: 'current_database()',
    constraint_schema: 'n.nspname',
    constraint_name: 'k.conname',
    table_catalog: 'current_database()',
    table_schema: 'n.nspname',
    table_name: 'c.relname',
  };
  return `
create or replace view ${S}.check_constraints as select * from information_schema.check_constraints
  where constraint_name !~ ${INTERNAL_CHECK};
create or replace view ${S}.constraint_column_usage as select * from information_schema.constraint_column_usage
  where constraint_name !~ ${INTERNAL_CHECK};
create or replace view ${S}.table_constraints as ${infoSchemaUnion(
    'table_constraints',
    tc,
    { ...common, constraint_type: 'k.contype', is_deferrable: "'NO'", initially_deferred: "'NO'", enforced: "'NO'" },
    base,
  ).replace(
    'select * from information_schema.table_constraints',
    `select * from information_schema.table_constraints
      where constraint_name !~ ${INTERNAL_CHECK}`,
  )};
create or replace view ${S}.key_column_usage as ${infoSchemaUnion(
    'key_column_usage',
    kcu,
    {
      ...common,
      column_name: 'u.col',
      ordinal_position: 'u.ord',
      position_in_unique_constraint: "case when k.contype = 'FOREIGN KEY' then u.ord end",
    },
    `${base} cross join lateral unnest(k.columns) with ordinality as u(col, ord)`,
  )};
`;
}

/** The byte-length checks the emulator adds for VARCHAR/CHAR/VARBYTE (types.ts): Redshift has no such constraints. */
const INTERNAL_CHECK = `'^rs_(bytes|char|varbyte)_[0-9]+_'`;

/** Attribute numbers of a declared key's columns, in key order. */
const keyAttnums = (
  rel: string,
  names: string,
): string => `array(select a.attnum from unnest(${names}) with ordinality u(n, o)
    join pg_catalog.pg_attribute a on a.attrelid = ${rel} and a.attname = u.n order by u.o)::smallint[]`;

/**
 * pg_constraint as Redshift shows it: Postgres's constraints without the emulator's internal checks,
 * and the declared (unenforced) PRIMARY KEY / UNIQUE / FOREIGN KEY constraints the emulator records.
 */
function pgConstraintView(S: string, columns: ViewColumn[]): string {
  const attnums = keyAttnums;
  const declared: Record<string, string> = {
    oid: 'k.conoid',
    conname: 'k.conname',
    connamespace: 'c.relnamespace',
    contype: "case k.contype when 'PRIMARY KEY' then 'p' when 'UNIQUE' then 'u' else 'f' end",
    condeferrable: 'false',
    condeferred: 'false',
    convalidated: 'true',
    conrelid: 'k.relid',
    contypid: '0',
    conindid: '0',
    conparentid: '0',
    confrelid: 'coalesce(r.oid, 0)',
    confupdtype: "case when k.contype = 'FOREIGN KEY' then 'a' else ' ' end",
    confdeltype: "case when k.contype = 'FOREIGN KEY' then 'a' else ' ' end",
    confmatchtype: "case when k.contype = 'FOREIGN KEY' then 's' else ' ' end",
    conislocal: 'true',
    coninhcount: '0',
    connoinherit: 'true',
    conkey: attnums('k.relid', 'k.columns'),
    confkey: `case when k.contype = 'FOREIGN KEY' then ${attnums('r.oid', 'k.ref_columns')} end`,
  };
  const list = columns.map((c) => `(${declared[c.name] ?? 'null'})::${c.type} as ${qi(c.name)}`).join(', ');
  return `create or replace view ${S}.pg_constraint as
  select * from pg_catalog.pg_constraint where not (contype = 'c' and conname ~ ${INTERNAL_CHECK})
  union all select ${list} from ${S}.constraints k join pg_catalog.pg_class c on c.oid = k.relid
  left join lateral (select pg_catalog.to_regclass(k.ref_table)::oid as oid) r on true;`;
}

/**
 * A declared (unenforced) PRIMARY KEY or UNIQUE constraint shown as the index Postgres would have
 * built for it: pgjdbc's getPrimaryKeys joins pg_index (indisprimary) to pg_class for the key's name.
 * These rows of pg_class (relkind 'i', the constraint's oid and name) and pg_index exist in these
 * views only; nothing is indexed or enforced, as on Redshift.
 */
function declaredKeyRelations(S: string, cls: ViewColumn[]): string {
  const mine: Record<string, string> = {
    oid: 'k.conoid',
    relname: 'k.conname',
    relnamespace: 'c.relnamespace',
    relkind: "'i'",
    relowner: 'c.relowner',
    relam: '403',
    relpersistence: 'c.relpersistence',
    relnatts: 'cardinality(k.columns)',
    relpages: '0',
    reltuples: '0',
    relhasindex: 'false',
    relisshared: 'false',
    relhasrules: 'false',
    relhastriggers: 'false',
    relhassubclass: 'false',
    relrowsecurity: 'false',
    relforcerowsecurity: 'false',
    relispopulated: 'true',
    relreplident: "'n'",
    relispartition: 'false',
    relchecks: '0',
    reloftype: '0',
    reltype: '0',
    reltablespace: '0',
    relfilenode: '0',
    relallvisible: '0',
    reltoastrelid: '0',
    relrewrite: '0',
    relfrozenxid: "'0'",
    relminmxid: "'0'",
  };
  const list = cls.map((c) => `(${mine[c.name] ?? 'null'})::${c.type} as ${qi(c.name)}`).join(', ');
  return `select ${list}, 0 as reldiststyle, false as relhasoids
  from ${S}.constraints k join pg_catalog.pg_class c on c.oid = k.relid where k.contype in ('PRIMARY KEY', 'UNIQUE')`;
}

function pgIndexView(S: string, idx: ViewColumn[]): string {
  const mine: Record<string, string> = {
    indexrelid: 'k.conoid',
    indrelid: 'k.relid',
    indnatts: 'cardinality(k.columns)',
    indnkeyatts: 'cardinality(k.columns)',
    indisunique: 'true',
    indnullsnotdistinct: 'false',
    indisprimary: "k.contype = 'PRIMARY KEY'",
    indisexclusion: 'false',
    indimmediate: 'true',
    indisclustered: 'false',
    indisvalid: 'true',
    indcheckxmin: 'false',
    indisready: 'true',
    indislive: 'true',
    indisreplident: 'false',
    indkey: `array_to_string(${keyAttnums('k.relid', 'k.columns')}, ' ')::int2vector`,
  };
  const list = idx.map((c) => `(${mine[c.name] ?? 'null'})::${c.type} as ${qi(c.name)}`).join(', ');
  return `create or replace view ${S}.pg_index as select * from pg_catalog.pg_index
  union all select ${list} from ${S}.constraints k where k.contype in ('PRIMARY KEY', 'UNIQUE');`;
}

/**
 * Query history and sessions, from the statements the emulator ran (query-log.ts). Columns as the
 * Redshift reference lists them: https://docs.aws.amazon.com/redshift/latest/dg/r_STL_QUERY.html,
 * r_STL_QUERYTEXT.html, r_SVL_QLOG.html, r_SVL_STATEMENTTEXT.html, r_STV_RECENTS.html,
 * SYS_QUERY_HISTORY.html, r_STV_SESSIONS.html, r_PG_USER_INFO.html, r_SVV_EXTERNAL_SCHEMAS.html.
 */
function historyViews(S: string): string {
  const user = `coalesce((select usesysid from pg_catalog.pg_user u where u.usename = q.usename), 100)::int`;
  const aborted = `(q.status <> 'success')::int`;
  // Text split into 200-character rows, numbered from 0, as STL_QUERYTEXT and SVL_STATEMENTTEXT keep it.
  const chunks = `cross join lateral (select g - 1 as sequence, substr(q.text, (g - 1) * 200 + 1, 200) as part
    from generate_series(1, greatest(1, (length(q.text) + 199) / 200)) g) t`;
  const queries = `q.query_type in ('SELECT', 'INSERT', 'UPDATE', 'DELETE', 'MERGE', 'COPY', 'UNLOAD', 'CTAS')`;
  return `
create table if not exists ${S}.statements (query int not null default nextval('${S}.query_id'), usename text, pid int,
  xid bigint not null default 0, dbname text, label text not null default 'default', starttime timestamp, endtime timestamp,
  text text, status text, error text, query_type text);
create or replace view ${S}.stl_query as select ${user} as userid, q.query, q.label::char(320) as label, q.xid, q.pid,
  q.dbname::char(32) as database, q.text::char(4000) as querytxt, q.starttime, q.endtime, ${aborted} as aborted,
  0 as insert_pristine, 0 as concurrency_scaling_status from ${S}.statements q where ${queries};
create or replace view ${S}.stl_querytext as select ${user} as userid, q.xid, q.pid, q.query, t.sequence, t.part::char(200) as text
  from ${S}.statements q ${chunks} where ${queries};
create or replace view ${S}.svl_qlog as select ${user} as userid, q.query, q.xid, q.pid, q.starttime, q.endtime,
  (extract(epoch from q.endtime - q.starttime) * 1000000)::bigint as elapsed, ${aborted} as aborted, q.label::char(320) as label,
  q.text::char(60) as substring, null::int as source_query, 'Ran on the main cluster'::text as concurrency_scaling_status_txt,
  null::int as from_sp_call from ${S}.statements q where ${queries};
create or replace view ${S}.svl_statementtext as select ${user} as userid, q.xid, q.pid, q.label::char(320) as label, q.starttime,
  q.endtime, t.sequence, (case when ${queries} then 'QUERY' when q.query_type = 'DDL' then 'DDL' else 'UTILITY' end)::varchar(10) as type,
  t.part::char(200) as text from ${S}.statements q ${chunks};
create or replace view ${S}.stv_recents as select ${user} as userid, 'Done'::char(20) as status, q.starttime,
  (extract(epoch from q.endtime - q.starttime) * 1000000)::int as duration, q.usename::char(50) as user_name,
  q.dbname::char(50) as db_name, q.text::char(600) as query, -1 as pid from ${S}.statements q;
create or replace view ${S}.sys_query_history as select ${user} as user_id, q.query::bigint as query_id,
  q.label::char(320) as query_label, q.xid as transaction_id, q.pid as session_id, q.dbname::char(128) as database_name,
  q.query_type::char(32) as query_type, q.status::char(10) as status, false as result_cache_hit, q.starttime as start_time,
  q.endtime as end_time, (extract(epoch from q.endtime - q.starttime) * 1000000)::bigint as elapsed_time, 0::bigint as queue_time,
  (extract(epoch from q.endtime - q.starttime) * 1000000)::bigint as execution_time, q.error::char(512) as error_message,
  null::bigint as returned_rows, null::bigint as returned_bytes, q.text::char(4000) as query_text,
  ${qiLit(REDSHIFT_VERSION.replace(/^.*Redshift /, ''))}::char(256) as redshift_version, null::char(150) as usage_limit,
  'main'::varchar(32) as compute_type, 0::bigint as compile_time, 0::bigint as planning_time, 0::bigint as lock_wait_time
  from ${S}.statements q;
create or replace view ${S}.stv_sessions as select a.backend_start::timestamp as starttime, a.pid as process,
  a.usename::char(50) as user_name, a.datname::char(50) as db_name, 0 as timeout_sec
  from pg_catalog.pg_stat_activity a where a.application_name = 'upshift-emulator';
create or replace view ${S}.pg_user_info as select u.usename, u.usesysid::int as usesysid, u.usecreatedb, u.usesuper,
  u.usesuper as usecatupd, '********'::text as passwd, u.valuntil, u.useconfig, 'UNLIMITED'::text as useconnlimit,
  0 as sessiontimeout from pg_catalog.pg_user u;
create or replace view ${S}.svv_external_schemas as select null::oid as esoid, null::smallint as eskind, null::name as schemaname,
  null::int as esowner, null::text as databasename, null::text as esoptions where false;
`;
}

/**
 * Locks and storage, as https://docs.aws.amazon.com/redshift/latest/dg/r_STV_LOCKS.html,
 * r_STV_TBL_PERM.html and r_SVV_DISKUSAGE.html list their columns. stv_locks is Postgres's table
 * locks held or awaited by the emulator's sessions (read: AccessShare/RowShare/Share, write: the
 * rest; serializable predicate locks left out); last_commit and lock_owner_end_ts are NULL (Postgres keeps neither). stv_tbl_perm and
 * svv_diskusage take the slice count: a table's rows are spread round-robin over the slices
 * whatever its DISTSTYLE (so sum(rows) is its row count), sorted_rows is rows when it has a sort
 * key, and its Postgres size is cut into 1 MB blocks per column (user columns plus Redshift's three
 * hidden ones) and slice, at least one where the slice has rows; minvalue/maxvalue are 0 (no zone maps).
 */
function storageViews(S: string, s: string): string {
  const userTables = `c.relkind in ('r', 'p') and ns.nspname not in ('pg_catalog', 'information_schema', ${qiLit(s)})
      and ns.nspname !~ '^pg_toast'`;
  const readModes = `('AccessShareLock', 'RowShareLock', 'ShareLock')`;
  return `
create or replace view ${S}.stv_locks as select l.relation::bigint as table_id, null::timestamp as last_commit,
  a.query_start::timestamp as last_update, coalesce(a.backend_xid::text::bigint, 0) as lock_owner, l.pid::bigint as lock_owner_pid,
  a.xact_start::timestamp as lock_owner_start_ts, null::timestamp as lock_owner_end_ts,
  ((case when l.granted then 'Holding ' else 'Waiting for ' end)
    || (case when bool_and(l.mode in ${readModes}) then 'read' else 'write' end) || ' lock')::char(22) as lock_status
  from pg_catalog.pg_locks l join pg_catalog.pg_stat_activity a on a.pid = l.pid
  join pg_catalog.pg_class c on c.oid = l.relation join pg_catalog.pg_namespace ns on ns.oid = c.relnamespace
  -- SIReadLock: serializable transactions' predicate locks, which block nothing (and outlive the transaction).
  where l.locktype = 'relation' and l.mode <> 'SIReadLock' and l.database = (select oid from pg_catalog.pg_database where datname = current_database())
    and a.application_name = 'upshift-emulator' and ${userTables}
  group by l.relation, l.pid, l.granted, a.query_start, a.backend_xid, a.xact_start;
drop function if exists ${S}.svv_diskusage(int);
drop function if exists ${S}.stv_tbl_perm(int);
create function ${S}.stv_tbl_perm(n int) returns table(slice int, id int, name char(72), "rows" bigint, sorted_rows bigint,
  temp int, db_id int, insert_pristine int, delete_pristine int, backup int, dist_style int, block_count int)
  -- Never inlined, and without JIT: generate_series's default estimate would cost it a second of compiling.
  language sql stable set jit = off as $$
  with t as (
    select c.oid, c.relname, c.relpersistence = 't' as is_temp, coalesce(tb.backup, true) as backup,
      coalesce(tb.diststyle, 'AUTO') as diststyle, coalesce(cardinality(tb.sortkeys), 0) > 0 as sorted,
      ${S}.count_rows(c.oid) as total, coalesce(pg_catalog.pg_relation_size(c.oid), 0) as bytes,
      (select count(*) from pg_catalog.pg_attribute a where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped) + 3 as ncols
    from pg_catalog.pg_class c join pg_catalog.pg_namespace ns on ns.oid = c.relnamespace
    left join ${S}.tables tb on tb.relid = c.oid
    where ${userTables} and (c.relpersistence <> 't' or c.relnamespace = pg_catalog.pg_my_temp_schema())
  ), r as (
    select t.*, g.slice, t.total / n + (g.slice < t.total % n)::int as slice_rows from t cross join generate_series(0, n - 1) g(slice)
  )
  select r.slice, r.oid::int, r.relname::char(72), r.slice_rows, case when r.sorted then r.slice_rows else 0 end, r.is_temp::int,
    (select oid from pg_catalog.pg_database where datname = current_database())::int, 0, 0, r.backup::int,
    case r.diststyle when 'EVEN' then 0 when 'KEY' then 1 when 'ALL' then 8 else 10 end,
    (case when r.slice_rows = 0 then 0 else r.ncols * greatest(1, ceil(r.bytes::numeric / n / r.ncols / 1048576)) end)::int
  from r order by r.oid, r.slice
$$;
create function ${S}.svv_diskusage(n int) returns table(db_id int, name char(72), slice int, col int, tbl int, blocknum int,
  num_values int, minvalue bigint, maxvalue bigint, sb_pos int, pinned int, on_disk int, modified int, hdr_modified int,
  unsorted int, tombstone int, preferred_diskno int, temporary int, newblock int)
  -- Never inlined, and without JIT: generate_series's default estimate would cost it a second of compiling.
  language sql stable set jit = off as $$
  with p as (
    select p.*, (select count(*) from pg_catalog.pg_attribute a where a.attrelid = p.id and a.attnum > 0 and not a.attisdropped)::int + 3 as ncols
    from ${S}.stv_tbl_perm(n) p where p.block_count > 0
  )
  select p.db_id, p.name, p.slice, c.col, p.id, b.blocknum,
    (p."rows" / (p.block_count / p.ncols) + (b.blocknum < p."rows" % (p.block_count / p.ncols))::int)::int,
    0::bigint, 0::bigint, b.blocknum, 0, 1, 0, 0, (p.sorted_rows < p."rows")::int, 0, 0, p.temp, 0
  from p cross join generate_series(0, p.ncols - 1) c(col) cross join generate_series(0, p.block_count / p.ncols - 1) b(blocknum)
$$;
`;
}

function catalogSql(
  s: string,
  attrColumns: string[],
  classColumns: string[],
  tc: ViewColumn[],
  kcu: ViewColumn[],
  con: ViewColumn[],
  cls: ViewColumn[],
  idx: ViewColumn[],
): string {
  const S = qi(s);
  const encArray = `array[${ENCODINGS.map((e) => `'${e}'`).join(',')}]`;
  return `
create table if not exists ${S}.tables (relid oid primary key, diststyle text not null, distkey text,
  sortkey_type text, sortkeys text[] not null default '{}', backup boolean not null default true,
  encode_auto boolean not null default true);
create table if not exists ${S}.columns (relid oid not null, attname name not null, rs_type text,
  encoding text not null, is_distkey boolean not null default false, sortkey_ord int not null default 0,
  primary key (relid, attname));
create sequence if not exists ${S}.query_id start 1000;
create table if not exists ${S}.constraints (relid oid not null, conname text not null, contype text not null,
  columns text[] not null, ref_table text, ref_columns text[]);
-- Oids for the declared constraints, far above those Postgres hands out.
create sequence if not exists ${S}.constraint_oid start 3000000000 minvalue 3000000000 maxvalue 4294967295;
alter table ${S}.constraints add column if not exists conoid oid not null default nextval(${qiLit(`${S}.constraint_oid`)})::oid;
${constraintViews(S, tc, kcu)}
${pgConstraintView(S, con)}
${pgIndexView(S, idx)}
${historyViews(S)}
create table if not exists ${S}.load_errors (userid int, slice int, tbl int, starttime timestamp, session int,
  query int, filename text, line_number bigint, colname text, type text, col_length text, position int,
  raw_line text, raw_field_value text, err_code int, err_reason text, xid bigint, dbname text);
create table if not exists ${S}.load_commits (userid int, query int, slice int, name text, filename text,
  byte_offset int, lines_scanned int, errors int, curtime timestamp, status int, file_format text);
create or replace view ${S}.stl_load_errors as select userid, slice, tbl, starttime, session, query,
  filename::char(256) as filename, line_number, colname::char(127) as colname, type::char(10) as type,
  col_length::char(10) as col_length, position, raw_line::char(1024) as raw_line,
  raw_field_value::char(1024) as raw_field_value, err_code, err_reason::char(100) as err_reason,
  0 as is_partial, 0::bigint as start_offset, false as copy_job_id from ${S}.load_errors;
create or replace view ${S}.sys_load_error_detail as select userid as user_id, query as query_id,
  xid as transaction_id, session as session_id, dbname::char(128) as database_name, tbl as table_id,
  starttime as start_time, filename::char(1280) as file_name, line_number, colname::char(127) as column_name,
  type::char(10) as column_type, col_length::char(10) as column_length, position, err_code as error_code,
  err_reason::char(512) as error_message from ${S}.load_errors;
create or replace view ${S}.stl_load_commits as select userid, query, slice, name::char(256) as name,
  filename::char(256) as filename, byte_offset, lines_scanned, errors, curtime, status,
  file_format::char(16) as file_format from ${S}.load_commits;
create or replace function ${S}.version() returns text language sql immutable as $$ select '${REDSHIFT_VERSION}'::text $$;
create or replace function ${S}.pg_last_copy_id(id int) returns int language sql immutable as $$ select id $$;
create or replace function ${S}.getdate() returns timestamp language sql stable as
  $$ select date_trunc('second', statement_timestamp() at time zone 'utc')::timestamp $$;
create or replace function ${S}.format_encoding(code int) returns text language sql immutable as
  $$ select (${encArray})[code + 1] $$;
create or replace function ${S}.stv_slices(n int) returns table(node int, slice int, localslice int, type char(1))
  language sql immutable as $$ select (g / 2)::int, g::int, (g % 2)::int, 'D'::char(1) from generate_series(0, n - 1) g $$;
create or replace function ${S}.count_rows(rel oid) returns bigint language plpgsql stable as $$
  declare n bigint;
  begin
    -- A table another session holds exclusively (a load in progress): its estimate, rather than waiting.
    -- Another session's temp table (a Postgres load's stage table) can't be read at all: 0, so it is not listed.
    if exists (select 1 from pg_catalog.pg_class where oid = rel and relpersistence = 't' and relnamespace <> pg_catalog.pg_my_temp_schema()) then
      return 0;
    end if;
    if exists (select 1 from pg_catalog.pg_locks where relation = rel and mode = 'AccessExclusiveLock' and pid <> pg_backend_pid()) then
      return greatest((select reltuples from pg_catalog.pg_class where oid = rel), 0)::bigint;
    end if;
    -- Another session may drop the table between the scan and this count (test suites do, all
    -- the time): its oid then names nothing (rel::regclass prints the bare number), so it counts as 0.
    begin
      execute format('select count(*) from %s', rel::regclass) into n;
    exception when undefined_table or syntax_error or feature_not_supported then
      return 0;
    end;
    return n;
  end $$;
-- Redshift keeps IDENTITY(seed, step) as a column default (pg_attrdef, atthasdef), written as svv_columns shows it.
create or replace function ${S}.identity_default(rel oid, col smallint) returns text language sql stable as $$
  select '"identity"(' || $1 || ', ' || (select count(*) from pg_catalog.pg_attribute x where x.attrelid = $1
      and x.attnum > 0 and x.attnum < $2 and not x.attisdropped) || ', ''' || s.seqstart || ',' || s.seqincrement || '''::text)'
  from pg_catalog.pg_depend d join pg_catalog.pg_sequence s on s.seqrelid = d.objid
  where d.classid = 'pg_catalog.pg_class'::regclass and d.refobjid = $1 and d.refobjsubid = $2 and d.deptype = 'i'
  limit 1 $$;
create or replace view ${S}.pg_attrdef as
  select d.oid, d.adrelid, d.adnum, pg_catalog.pg_get_expr(d.adbin, d.adrelid) as adbin,
    pg_catalog.pg_get_expr(d.adbin, d.adrelid) as adsrc
  from pg_catalog.pg_attrdef d
  union all
  select s.seqrelid, a.attrelid, a.attnum, ${S}.identity_default(a.attrelid, a.attnum), ${S}.identity_default(a.attrelid, a.attnum)
  from pg_catalog.pg_attribute a join pg_catalog.pg_depend dep on dep.classid = 'pg_catalog.pg_class'::regclass
    and dep.refobjid = a.attrelid and dep.refobjsubid = a.attnum and dep.deptype = 'i'
  join pg_catalog.pg_sequence s on s.seqrelid = dep.objid
  where a.attidentity <> '' and not a.attisdropped;
-- pg_get_expr of the view's adbin (already text); of a real node tree (pg_index, pg_constraint), Postgres's.
create or replace function ${S}.pg_get_expr(e text, rel oid) returns text language sql stable as $$ select e $$;
create or replace function ${S}.pg_get_expr(e text, rel oid, pretty boolean) returns text language sql stable as $$ select e $$;
create or replace function ${S}.pg_get_expr(e pg_node_tree, rel oid) returns text language sql stable as
  $$ select pg_catalog.pg_get_expr(e, rel) $$;
create or replace function ${S}.pg_get_expr(e pg_node_tree, rel oid, pretty boolean) returns text language sql stable as
  $$ select pg_catalog.pg_get_expr(e, rel, pretty) $$;
create or replace view ${S}.pg_attribute as select ${attrColumns
    .map((c) => (c === 'atthasdef' ? `(a.atthasdef or a.attidentity <> '') as atthasdef` : `a.${qi(c)}`))
    .join(', ')},
  coalesce(c.is_distkey, false) as attisdistkey, coalesce(c.sortkey_ord, 0) as attsortkeyord,
  coalesce(array_position(${encArray}, c.encoding) - 1, 0) as attencodingtype
  from pg_catalog.pg_attribute a left join ${S}.columns c on c.relid = a.attrelid and c.attname = a.attname;
create or replace view ${S}.sys_load_detail as select userid as user_id, query as query_id, filename::char(1280) as file_name,
  0::bigint as bytes_scanned, lines_scanned::bigint as lines_scanned, errors::bigint as errors, 'COMPLETED'::char(20) as status,
  curtime as record_time, curtime as start_time, curtime as end_time from ${S}.load_commits;
create or replace view ${S}.pg_class as select ${classColumns.map((c) => `c.${qi(c)}`).join(', ')},
  (case coalesce(t.diststyle, 'AUTO') when 'EVEN' then 0 when 'KEY' then 1 when 'ALL' then 8 else 10 end)::int as reldiststyle,
  -- Columns of PostgreSQL 8.0's catalog that clients ask a server of that version for (psql's \\d).
  false as relhasoids
  from pg_catalog.pg_class c left join ${S}.tables t on t.relid = c.oid
  union all ${declaredKeyRelations(S, cls)};
create or replace view ${S}.pg_proc as select p.*, p.prokind = 'a' as proisagg, p.prokind = 'w' as proiswindow
  from pg_catalog.pg_proc p;
create or replace view ${S}.svv_tables as select table_catalog, table_schema, table_name, table_type,
  obj_description((quote_ident(table_schema) || '.' || quote_ident(table_name))::regclass, 'pg_class') as remarks
  from information_schema.tables where table_schema not in ('pg_catalog', 'information_schema', ${qiLit(s)});
create or replace view ${S}.pg_table_def as
  select n.nspname as schemaname, c.relname as tablename, a.attname as "column",
    coalesce(col.rs_type, format_type(a.atttypid, a.atttypmod))::text as type,
    coalesce(col.encoding, 'none')::char(11) as encoding, coalesce(col.is_distkey, false) as distkey,
    coalesce(col.sortkey_ord, 0) as sortkey, a.attnotnull as notnull
  from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
  left join ${S}.columns col on col.relid = c.oid and col.attname = a.attname
  where c.relkind in ('r', 'p') and n.nspname = any (current_schemas(true)) and n.nspname <> ${qiLit(s)}
  order by n.nspname, c.relname, a.attnum;
create or replace view ${S}.svv_columns as
  select ic.table_catalog, ic.table_schema, ic.table_name, ic.column_name, ic.ordinal_position,
    -- Redshift keeps IDENTITY(seed, step) as a default: "identity"(<table oid>, <0-based column>, '<seed>,<step>'::text)
    case when ic.is_identity = 'YES' then '"identity"(' || c.oid || ', ' || (ic.ordinal_position::int - 1) || ', '''
      || ic.identity_start || ',' || ic.identity_increment || '''::text)' else ic.column_default end::text as column_default,
    ic.is_nullable, coalesce(regexp_replace(col.rs_type, '\\(.*$', ''),
      case when ic.data_type = 'interval' and ic.interval_type is not null then 'interval ' || lower(ic.interval_type) end,
      ic.data_type)::text as data_type,
    case when col.rs_type ~ '^varbyte' then substring(col.rs_type from '\\((\\d+)\\)')::int else ic.character_maximum_length end
      as character_maximum_length,
    ic.numeric_precision, ic.numeric_precision_radix, ic.numeric_scale, ic.datetime_precision, ic.interval_type,
    ic.interval_precision, ic.character_set_catalog, ic.character_set_schema, ic.character_set_name,
    ic.collation_catalog, ic.collation_schema, ic.collation_name, ic.domain_name, col_description(c.oid, ic.ordinal_position::int) as remarks
  from information_schema.columns ic
  join pg_catalog.pg_namespace n on n.nspname = ic.table_schema
  join pg_catalog.pg_class c on c.relnamespace = n.oid and c.relname = ic.table_name
  left join ${S}.columns col on col.relid = c.oid and col.attname = ic.column_name
  where ic.table_schema not in ('pg_catalog', 'information_schema', ${qiLit(s)}) and ic.table_schema !~ '^pg_toast';
create or replace view ${S}.svv_all_columns as
  select table_catalog as database_name, table_schema as schema_name, table_name, column_name, ordinal_position,
    column_default, is_nullable, data_type, character_maximum_length, numeric_precision, numeric_scale, remarks
  from ${S}.svv_columns;
create or replace view ${S}.svv_table_info as
  select * from (
    select current_database()::text as database, n.nspname::text as schema, c.oid::int as table_id, c.relname::text as "table",
      case when coalesce(t.encode_auto, true) then 'Y, AUTO(ENCODE)' else 'Y' end::text as encoded,
      case coalesce(t.diststyle, 'AUTO') when 'KEY' then 'KEY(' || t.distkey || ')' when 'AUTO' then 'AUTO(ALL)'
        else t.diststyle end::text as diststyle,
      case when coalesce(t.sortkey_type, 'AUTO') = 'AUTO' then 'AUTO(SORTKEY)'
        when t.sortkey_type = 'INTERLEAVED' then 'INTERLEAVED' else t.sortkeys[1] end::text as sortkey1,
      0 as max_varchar,
      (select col.encoding from ${S}.columns col where col.relid = c.oid and col.sortkey_ord = 1 limit 1)::char(32) as sortkey1_enc,
      coalesce(cardinality(t.sortkeys), 0) as sortkey_num,
      (pg_catalog.pg_total_relation_size(c.oid) / 1048576)::bigint as size, 0::numeric(10,4) as pct_used,
      0::numeric(10,4) as empty, 0::numeric(5,2) as unsorted, 0::numeric(5,2) as stats_off,
      ${S}.count_rows(c.oid)::numeric(38,0) as tbl_rows, null::numeric(19,2) as skew_sortkey1,
      null::numeric(19,2) as skew_rows, null::numeric(38,0) as estimated_visible_rows, null::text as risk_event,
      null::numeric(12,2) as vacuum_sort_benefit, null::timestamp as create_time
    from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    left join ${S}.tables t on t.relid = c.oid
    where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema', ${qiLit(s)})
      and n.nspname !~ '^pg_toast'
  ) x where tbl_rows > 0;
${storageViews(S, s)}`;
}

/** Creates (or upgrades) the catalog schema; safe when several emulators start at once. */
export async function ensureCatalog(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // Read committed: under a serializable default the snapshot predates the advisory lock, and a
    // second emulator starting at once would miss the first one's install and fail (see functions.ts).
    await client.query('begin isolation level read committed');
    await client.query(`select pg_advisory_xact_lock(hashtext($1))`, [`upshift-emulator:${schema}`]);
    await client.query(`create schema if not exists ${qi(schema)}`);
    await client.query(`create table if not exists ${qi(schema)}.meta (version int not null)`);
    const { rows } = await client.query<{ version: number }>(`select version from ${qi(schema)}.meta`);
    // Upgrade only: an older emulator never rewrites a newer catalog.
    if ((rows[0]?.version ?? 0) < CATALOG_VERSION) {
      const attrs = await client.query<{ attname: string }>(
        `select attname from pg_attribute where attrelid = 'pg_catalog.pg_attribute'::regclass and attnum > 0
           and atttypid <> 'anyarray'::regtype order by attnum`,
      );
      for (const v of [
        'stl_query',
        'stl_querytext',
        'svl_qlog',
        'svl_statementtext',
        'stv_recents',
        'sys_query_history',
        'stv_sessions',
        'stv_locks',
        'pg_user_info',
        'svv_external_schemas',
        'pg_constraint',
        'pg_index',
        'check_constraints',
        'constraint_column_usage',
        'table_constraints',
        'key_column_usage',
        'stl_load_errors',
        'sys_load_error_detail',
        'stl_load_commits',
        'sys_load_detail',
        'pg_attribute',
        'pg_attrdef',
        'pg_class',
        'pg_proc',
        'svv_tables',
        'pg_table_def',
        'svv_all_columns',
        'svv_columns',
        'svv_table_info',
      ]) {
        await client.query(`drop view if exists ${qi(schema)}.${qi(v)} cascade`);
      }
      const cls = await client.query<{ attname: string }>(
        `select attname from pg_attribute where attrelid = 'pg_catalog.pg_class'::regclass and attnum > 0 order by attnum`,
      );
      const viewColumns = async (view: string): Promise<ViewColumn[]> =>
        (
          await client.query<ViewColumn>(
            `select attname as name, format_type(atttypid, atttypmod) as type from pg_attribute
          where attrelid = $1::regclass and attnum > 0 order by attnum`,
            [view.includes('.') ? view : `information_schema.${view}`],
          )
        ).rows;
      await client.query(
        catalogSql(
          schema,
          attrs.rows.map((r) => r.attname),
          cls.rows.map((r) => r.attname),
          await viewColumns('table_constraints'),
          await viewColumns('key_column_usage'),
          await viewColumns('pg_catalog.pg_constraint'),
          await viewColumns('pg_catalog.pg_class'),
          await viewColumns('pg_catalog.pg_index'),
        ),
      );
      await client.query(`delete from ${qi(schema)}.meta`);
      await client.query(`insert into ${qi(schema)}.meta values ($1)`, [CATALOG_VERSION]);
    }
    await client.query('commit');
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw err;
  } finally {
    await client.end();
  }
}
