// Redshift's functions with Redshift's semantics, installed as SQL functions in the emulator's
// catalog schema of the backend database. The translator (translate/tree.ts) routes calls to them;
// what needs a different argument form (unquoted dateparts, WITHIN GROUP) is rewritten there.
import type pg from 'pg';
import { quoteIdent as qi } from './sql.js';

/** Bumped whenever the library changes: sessions reinstall it once per backend database. */
const LIBRARY_VERSION = 3;

/** Names the translator sends to the library (called as schema.name). */
export const LIBRARY_FUNCTIONS = new Set([
  'dateadd',
  'datediff',
  'date_part',
  'datepart',
  'trunc',
  'add_months',
  'months_between',
  'next_day',
  'last_day',
  'convert_timezone',
  'sysdate',
  'median',
  'percentile_cont',
  'percentile_disc',
  'strtol',
  'func_sha1',
  'sha2',
  'crc32',
  'fnv_hash',
  'pg_get_late_binding_view_cols',
  'json_parse',
  'is_valid_json',
  'is_valid_json_array',
  'json_extract_path_text',
  'json_extract_array_element_text',
  'json_array_length',
  'json_serialize',
  'first_value_ignore_nulls',
  'last_value_ignore_nulls',
  'charindex',
  'replicate',
  'datetrunc',
  'date_trunc',
]);

function librarySql(S: string, crypto: string): string {
  const part = `${S}.rs_datepart`;
  return `
-- Redshift's datepart names and abbreviations, as Postgres names them.
create or replace function ${part}(p text) returns text language plpgsql immutable strict as $f$
begin
  case lower(trim(p))
    when 'millennium', 'millennia', 'mil', 'mils', 'millenniums' then return 'millennium';
    when 'century', 'centuries', 'c', 'cent', 'cents' then return 'century';
    when 'decade', 'decades', 'dec', 'decs' then return 'decade';
    when 'year', 'years', 'y', 'yr', 'yrs' then return 'year';
    when 'quarter', 'quarters', 'qtr', 'qtrs' then return 'quarter';
    when 'month', 'months', 'mon', 'mons' then return 'month';
    when 'week', 'weeks', 'w' then return 'week';
    when 'dayofweek', 'dow', 'dw', 'weekday' then return 'dow';
    when 'dayofyear', 'doy', 'dy', 'yd' then return 'doy';
    when 'day', 'days', 'd' then return 'day';
    when 'hour', 'hours', 'h', 'hr', 'hrs' then return 'hour';
    when 'minute', 'minutes', 'm', 'min', 'mins' then return 'minute';
    when 'second', 'seconds', 's', 'sec', 'secs' then return 'second';
    when 'millisecond', 'milliseconds', 'ms', 'msec', 'msecs', 'msecond', 'mseconds', 'millisec', 'millisecs', 'millisecon' then return 'milliseconds';
    when 'microsecond', 'microseconds', 'microsec', 'microsecs', 'microsecond', 'usecond', 'useconds', 'us', 'usec', 'usecs' then return 'microseconds';
    when 'epoch' then return 'epoch';
    when 'timezone', 'timezone_hour', 'timezone_minute' then return lower(trim(p));
    else raise exception 'datepart "%" not supported', p using errcode = '0A000';
  end case;
end $f$;

-- DATE_PART / DATEPART: Postgres's, with Redshift's datepart names.
create or replace function ${S}.date_part(p text, v timestamp) returns double precision language sql immutable strict as
  $f$ select pg_catalog.date_part(${part}(p), v) $f$;
create or replace function ${S}.date_part(p text, v timestamptz) returns double precision language sql stable strict as
  $f$ select pg_catalog.date_part(${part}(p), v) $f$;
create or replace function ${S}.date_part(p text, v date) returns double precision language sql immutable strict as
  $f$ select pg_catalog.date_part(${part}(p), v::timestamp) $f$;
create or replace function ${S}.date_part(p text, v time) returns double precision language sql immutable strict as
  $f$ select pg_catalog.date_part(${part}(p), v) $f$;
create or replace function ${S}.date_part(p text, v interval) returns double precision language sql immutable strict as
  $f$ select pg_catalog.date_part(${part}(p), v) $f$;
create or replace function ${S}.date_trunc(p text, v timestamp) returns timestamp language sql immutable strict as
  $f$ select pg_catalog.date_trunc(${part}(p), v) $f$;
create or replace function ${S}.date_trunc(p text, v timestamptz) returns timestamptz language sql stable strict as
  $f$ select pg_catalog.date_trunc(${part}(p), v) $f$;
create or replace function ${S}.date_trunc(p text, v date) returns timestamp language sql immutable strict as
  $f$ select pg_catalog.date_trunc(${part}(p), v::timestamp) $f$;

-- DATEADD: the interval of n dateparts; months past a month's end land on its last day.
create or replace function ${S}.rs_interval(p text, n bigint) returns interval language sql immutable strict as $f$
  select case ${part}(p)
    when 'millennium' then make_interval(years => (n * 1000)::int) when 'century' then make_interval(years => (n * 100)::int)
    when 'decade' then make_interval(years => (n * 10)::int) when 'year' then make_interval(years => n::int)
    when 'quarter' then make_interval(months => (n * 3)::int) when 'month' then make_interval(months => n::int)
    when 'week' then make_interval(weeks => n::int) when 'day' then make_interval(days => n::int)
    when 'hour' then make_interval(hours => n::int) when 'minute' then make_interval(mins => n::int)
    when 'second' then make_interval(secs => n) when 'milliseconds' then make_interval(secs => n / 1000.0)
    when 'microseconds' then make_interval(secs => n / 1000000.0)
    else null end $f$;
create or replace function ${S}.dateadd(p text, n bigint, v timestamp) returns timestamp language sql immutable strict as
  $f$ select v + ${S}.rs_interval(p, n) $f$;
create or replace function ${S}.dateadd(p text, n bigint, v date) returns timestamp language sql immutable strict as
  $f$ select v::timestamp + ${S}.rs_interval(p, n) $f$;
create or replace function ${S}.dateadd(p text, n bigint, v timestamptz) returns timestamptz language sql stable strict as
  $f$ select v + ${S}.rs_interval(p, n) $f$;
create or replace function ${S}.dateadd(p text, n bigint, v time) returns time language sql immutable strict as
  $f$ select v + ${S}.rs_interval(p, n) $f$;

-- DATEDIFF counts the datepart boundaries crossed between the two values (Redshift's rule).
create or replace function ${S}.datediff(p text, a timestamp, b timestamp) returns bigint language sql immutable strict as $f$
  select case ${part}(p)
    when 'millennium' then floor((extract(year from b) - 1) / 1000) - floor((extract(year from a) - 1) / 1000)
    when 'century' then floor((extract(year from b) - 1) / 100) - floor((extract(year from a) - 1) / 100)
    when 'decade' then floor(extract(year from b) / 10) - floor(extract(year from a) / 10)
    when 'year' then extract(year from b) - extract(year from a)
    when 'quarter' then (extract(year from b) * 4 + extract(quarter from b)) - (extract(year from a) * 4 + extract(quarter from a))
    when 'month' then (extract(year from b) * 12 + extract(month from b)) - (extract(year from a) * 12 + extract(month from a))
    when 'week' then (date_trunc('week', b)::date - date_trunc('week', a)::date) / 7
    when 'day' then b::date - a::date
    when 'hour' then (extract(epoch from date_trunc('hour', b)) - extract(epoch from date_trunc('hour', a))) / 3600
    when 'minute' then (extract(epoch from date_trunc('minute', b)) - extract(epoch from date_trunc('minute', a))) / 60
    when 'second' then extract(epoch from date_trunc('second', b)) - extract(epoch from date_trunc('second', a))
    when 'milliseconds' then (extract(epoch from date_trunc('milliseconds', b)) - extract(epoch from date_trunc('milliseconds', a))) * 1000
    when 'microseconds' then (extract(epoch from b) - extract(epoch from a)) * 1000000
    else null end::bigint $f$;
create or replace function ${S}.datediff(p text, a date, b date) returns bigint language sql immutable strict as
  $f$ select ${S}.datediff(p, a::timestamp, b::timestamp) $f$;
create or replace function ${S}.datediff(p text, a timestamptz, b timestamptz) returns bigint language sql stable strict as
  $f$ select ${S}.datediff(p, a at time zone 'utc', b at time zone 'utc') $f$;
create or replace function ${S}.datediff(p text, a time, b time) returns bigint language sql immutable strict as
  $f$ select ${S}.datediff(p, '2000-01-01'::date + a, '2000-01-01'::date + b) $f$;

-- TRUNC: of a timestamp, its date; of a number, Postgres's.
create or replace function ${S}.trunc(v timestamp) returns date language sql immutable strict as $f$ select v::date $f$;
create or replace function ${S}.trunc(v timestamptz) returns date language sql stable strict as $f$ select v::date $f$;
create or replace function ${S}.trunc(v numeric) returns numeric language sql immutable strict as $f$ select pg_catalog.trunc(v) $f$;
create or replace function ${S}.trunc(v numeric, s int) returns numeric language sql immutable strict as $f$ select pg_catalog.trunc(v, s) $f$;
create or replace function ${S}.trunc(v double precision) returns double precision language sql immutable strict as $f$ select pg_catalog.trunc(v) $f$;

create or replace function ${S}.last_day(v timestamp) returns date language sql immutable strict as
  $f$ select (date_trunc('month', v) + interval '1 month - 1 day')::date $f$;
create or replace function ${S}.last_day(v date) returns date language sql immutable strict as
  $f$ select ${S}.last_day(v::timestamp) $f$;
-- ADD_MONTHS: from a month's last day (or past the end of a shorter month) to the last day.
create or replace function ${S}.add_months(v timestamp, n bigint) returns timestamp language sql immutable strict as $f$
  select case when v::date = ${S}.last_day(v) then ${S}.last_day(v + make_interval(months => n::int)) + v::time
    else v + make_interval(months => n::int) end $f$;
create or replace function ${S}.add_months(v date, n bigint) returns timestamp language sql immutable strict as
  $f$ select ${S}.add_months(v::timestamp, n) $f$;
-- MONTHS_BETWEEN: whole months from years and months; the rest from days and time, in 31-day months.
create or replace function ${S}.months_between(a timestamp, b timestamp) returns double precision language sql immutable strict as $f$
  select ((extract(year from a) - extract(year from b)) * 12 + extract(month from a) - extract(month from b))::float8
    + case when extract(day from a) = extract(day from b) or (a::date = ${S}.last_day(a) and b::date = ${S}.last_day(b)) then 0
      else ((extract(day from a) + extract(epoch from a::time) / 86400) - (extract(day from b) + extract(epoch from b::time) / 86400))::float8 / 31 end $f$;
create or replace function ${S}.months_between(a date, b date) returns double precision language sql immutable strict as
  $f$ select ${S}.months_between(a::timestamp, b::timestamp) $f$;
create or replace function ${S}.next_day(v timestamp, d text) returns date language plpgsql immutable strict as $f$
declare target int;
begin
  target := case lower(trim(d))
    when 'su' then 0 when 'sun' then 0 when 'sunday' then 0
    when 'm' then 1 when 'mo' then 1 when 'mon' then 1 when 'monday' then 1
    when 'tu' then 2 when 'tue' then 2 when 'tues' then 2 when 'tuesday' then 2
    when 'w' then 3 when 'we' then 3 when 'wed' then 3 when 'wednesday' then 3
    when 'th' then 4 when 'thu' then 4 when 'thurs' then 4 when 'thursday' then 4
    when 'f' then 5 when 'fr' then 5 when 'fri' then 5 when 'friday' then 5
    when 'sa' then 6 when 'sat' then 6 when 'saturday' then 6 end;
  if target is null then raise exception 'Invalid day of the week: "%"', d using errcode = '22023'; end if;
  return v::date + ((target - extract(dow from v)::int + 6) % 7 + 1);
end $f$;
create or replace function ${S}.next_day(v date, d text) returns date language sql immutable strict as
  $f$ select ${S}.next_day(v::timestamp, d) $f$;
create or replace function ${S}.convert_timezone(src text, tgt text, v timestamp) returns timestamp language sql stable strict as
  $f$ select (v at time zone src) at time zone tgt $f$;
create or replace function ${S}.convert_timezone(tgt text, v timestamp) returns timestamp language sql stable strict as
  $f$ select (v at time zone 'utc') at time zone tgt $f$;
create or replace function ${S}.convert_timezone(tgt text, v timestamptz) returns timestamp language sql stable strict as
  $f$ select v at time zone tgt $f$;
-- SYSDATE: the start of the transaction, in UTC, without a time zone.
create or replace function ${S}.sysdate() returns timestamp language sql stable as
  $f$ select (transaction_timestamp() at time zone 'utc')::timestamp $f$;

-- MEDIAN / PERCENTILE_CONT / PERCENTILE_DISC as plain aggregates, so they also run as window functions.
create or replace function ${S}.pct_accum(s numeric[], f float8, v numeric) returns numeric[] language sql immutable as
  $f$ select case when v is null then coalesce(s, array[f::numeric]) else coalesce(s, array[f::numeric]) || v end $f$;
create or replace function ${S}.pct_accum_median(s numeric[], v numeric) returns numeric[] language sql immutable as
  $f$ select ${S}.pct_accum(s, 0.5, v) $f$;
create or replace function ${S}.pct_cont_final(s numeric[]) returns numeric language sql immutable as $f$
  with v as (select x, row_number() over (order by x) as i from unnest(s[2:]) x),
    p as (select 1 + s[1] * (count(*) - 1) as pos from v)
  select case when cardinality(s) < 2 then null else
    (select lo.x + (p.pos - floor(p.pos)) * (hi.x - lo.x) from p, v lo, v hi where lo.i = floor(p.pos) and hi.i = ceil(p.pos)) end $f$;
create or replace function ${S}.pct_disc_final(s numeric[]) returns numeric language sql immutable as $f$
  select case when cardinality(s) < 2 then null else
    (select x from (select x, row_number() over (order by x) as i from unnest(s[2:]) x) v
      where i = greatest(ceil(s[1] * (cardinality(s) - 1)), 1)) end $f$;
create or replace function ${S}.pct_accum8(s float8[], f float8, v float8) returns float8[] language sql immutable as
  $f$ select case when v is null then coalesce(s, array[f]) else coalesce(s, array[f]) || v end $f$;
create or replace function ${S}.pct_accum8_median(s float8[], v float8) returns float8[] language sql immutable as
  $f$ select ${S}.pct_accum8(s, 0.5, v) $f$;
create or replace function ${S}.pct_cont_final8(s float8[]) returns float8 language sql immutable as
  $f$ select ${S}.pct_cont_final(s::numeric[])::float8 $f$;
create or replace function ${S}.pct_disc_final8(s float8[]) returns float8 language sql immutable as
  $f$ select ${S}.pct_disc_final(s::numeric[])::float8 $f$;
drop aggregate if exists ${S}.median(numeric);
drop aggregate if exists ${S}.median(float8);
drop aggregate if exists ${S}.percentile_cont(float8, numeric);
drop aggregate if exists ${S}.percentile_cont(float8, float8);
drop aggregate if exists ${S}.percentile_disc(float8, numeric);
drop aggregate if exists ${S}.percentile_disc(float8, float8);
create aggregate ${S}.median(numeric) (sfunc = ${S}.pct_accum_median, stype = numeric[], finalfunc = ${S}.pct_cont_final);
create aggregate ${S}.median(float8) (sfunc = ${S}.pct_accum8_median, stype = float8[], finalfunc = ${S}.pct_cont_final8);
create aggregate ${S}.percentile_cont(float8, numeric) (sfunc = ${S}.pct_accum, stype = numeric[], finalfunc = ${S}.pct_cont_final);
create aggregate ${S}.percentile_cont(float8, float8) (sfunc = ${S}.pct_accum8, stype = float8[], finalfunc = ${S}.pct_cont_final8);
create aggregate ${S}.percentile_disc(float8, numeric) (sfunc = ${S}.pct_accum, stype = numeric[], finalfunc = ${S}.pct_disc_final);
create aggregate ${S}.percentile_disc(float8, float8) (sfunc = ${S}.pct_accum8, stype = float8[], finalfunc = ${S}.pct_disc_final8);

-- FIRST_VALUE / LAST_VALUE ... IGNORE NULLS: aggregates over the window frame that skip nulls.
create or replace function ${S}.keep_first(a anyelement, b anyelement) returns anyelement language sql immutable strict as $f$ select a $f$;
create or replace function ${S}.keep_last(a anyelement, b anyelement) returns anyelement language sql immutable strict as $f$ select b $f$;
drop aggregate if exists ${S}.first_value_ignore_nulls(anyelement);
drop aggregate if exists ${S}.last_value_ignore_nulls(anyelement);
create aggregate ${S}.first_value_ignore_nulls(anyelement) (sfunc = ${S}.keep_first, stype = anyelement);
create aggregate ${S}.last_value_ignore_nulls(anyelement) (sfunc = ${S}.keep_last, stype = anyelement);
-- LAG / LEAD ... IGNORE NULLS: the n-th value from the end (LAG) or the start (LEAD) of the non-null
-- values of the rows before (after) the current one; null when there are fewer.
create or replace function ${S}.rs_nth_last(a anyarray, n bigint) returns anyelement language sql immutable as
  $f$ select a[array_length(a, 1) - coalesce(n, 1) + 1] $f$;
create or replace function ${S}.rs_nth(a anyarray, n bigint) returns anyelement language sql immutable as
  $f$ select a[coalesce(n, 1)] $f$;

-- Strings.
create or replace function ${S}.charindex(sub text, s text) returns int language sql immutable strict as
  $f$ select strpos(s, sub) $f$;
create or replace function ${S}.replicate(s text, n int) returns text language sql immutable strict as
  $f$ select repeat(s, n) $f$;
create or replace function ${S}.strtol(s text, base int) returns bigint language plpgsql immutable strict as $f$
declare r bigint := 0; digit int; c text; t text := lower(trim(s)); neg boolean := false;
begin
  if base < 2 or base > 36 then raise exception 'strtol: base % out of range', base using errcode = '22023'; end if;
  if left(t, 1) in ('-', '+') then neg := left(t, 1) = '-'; t := substr(t, 2); end if;
  if base = 16 and left(t, 2) = '0x' then t := substr(t, 3); end if;
  foreach c in array regexp_split_to_array(t, '') loop
    digit := strpos('0123456789abcdefghijklmnopqrstuvwxyz', c) - 1;
    if digit < 0 or digit >= base then exit; end if;
    r := r * base + digit;
  end loop;
  return case when neg then -r else r end;
end $f$;
create or replace function ${S}.func_sha1(s text) returns text language sql immutable strict as
  $f$ select encode(${crypto}.digest(convert_to(s, 'UTF8'), 'sha1'), 'hex') $f$;
-- SHA2(s, bits): 0 is 256; bits Redshift does not take give an empty string.
create or replace function ${S}.sha2(s text, bits int) returns text language sql immutable strict as $f$
  select case bits when 0 then encode(sha256(convert_to(s, 'UTF8')), 'hex')
    when 256 then encode(sha256(convert_to(s, 'UTF8')), 'hex') when 224 then encode(sha224(convert_to(s, 'UTF8')), 'hex')
    when 384 then encode(sha384(convert_to(s, 'UTF8')), 'hex') when 512 then encode(sha512(convert_to(s, 'UTF8')), 'hex')
    else '' end $f$;
-- CRC32: CRC-32C (Castagnoli) of the string's bytes, as 8 hex digits.
create or replace function ${S}.crc32(s text) returns text language plpgsql immutable strict as $f$
declare c bigint := 4294967295; b bytea := convert_to(s, 'UTF8');
begin
  for i in 0 .. length(b) - 1 loop
    c := c # get_byte(b, i);
    for k in 1 .. 8 loop
      c := case when c & 1 = 1 then (c >> 1) # 2197175160 else c >> 1 end;
    end loop;
  end loop;
  return lpad(to_hex(c # 4294967295), 8, '0');
end $f$;
-- FNV_HASH(value [, seed]): 64-bit FNV-1a over the value's binary form (integers little-endian in
-- 2, 4 or 8 bytes, strings as UTF-8 with CHAR's trailing blanks); the seed is the offset basis.
create or replace function ${S}.rs_fnv(b bytea, seed bigint) returns bigint language plpgsql immutable strict as $f$
declare h numeric := case when seed < 0 then seed + 18446744073709551616 else seed end; low int;
begin
  for i in 0 .. length(b) - 1 loop
    low := (h % 256)::int;
    h := ((h - low + (low # get_byte(b, i))) * 1099511628211) % 18446744073709551616;
  end loop;
  return (case when h >= 9223372036854775808 then h - 18446744073709551616 else h end)::bigint;
end $f$;
create or replace function ${S}.rs_le(b bytea) returns bytea language plpgsql immutable strict as $f$
declare r bytea := b;
begin
  for i in 0 .. length(b) - 1 loop r := set_byte(r, i, get_byte(b, length(b) - 1 - i)); end loop;
  return r;
end $f$;
create or replace function ${S}.fnv_hash(v text, seed bigint default -3750763034362895579) returns bigint language sql immutable strict as
  $f$ select ${S}.rs_fnv(convert_to(v, 'UTF8'), seed) $f$;
create or replace function ${S}.fnv_hash(v character, seed bigint default -3750763034362895579) returns bigint language sql immutable strict as
  $f$ select ${S}.rs_fnv(convert_to(textin(bpcharout(v)), 'UTF8'), seed) $f$;
create or replace function ${S}.fnv_hash(v smallint, seed bigint default -3750763034362895579) returns bigint language sql immutable strict as
  $f$ select ${S}.rs_fnv(${S}.rs_le(int2send(v)), seed) $f$;
create or replace function ${S}.fnv_hash(v int, seed bigint default -3750763034362895579) returns bigint language sql immutable strict as
  $f$ select ${S}.rs_fnv(${S}.rs_le(int4send(v)), seed) $f$;
create or replace function ${S}.fnv_hash(v bigint, seed bigint default -3750763034362895579) returns bigint language sql immutable strict as
  $f$ select ${S}.rs_fnv(${S}.rs_le(int8send(v)), seed) $f$;
create or replace function ${S}.fnv_hash(v double precision, seed bigint default -3750763034362895579) returns bigint language sql immutable strict as
  $f$ select ${S}.rs_fnv(${S}.rs_le(float8send(v)), seed) $f$;

-- PG_GET_LATE_BINDING_VIEW_COLS(): the columns of the views created WITH NO SCHEMA BINDING (the
-- translator marks them with security_barrier=false, which nothing else sets).
create or replace function ${S}.pg_get_late_binding_view_cols() returns setof record language sql stable as $f$
  select n.nspname, c.relname, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod)::varchar, a.attnum::int
  from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
  where c.relkind = 'v' and c.reloptions @> array['security_barrier=false']
  order by n.nspname, c.relname, a.attnum $f$;

-- JSON as Redshift keeps it: SUPER is text here, serialized compactly in the order written.
create or replace function ${S}.json_compact(j json) returns text language plpgsql immutable strict as $f$
begin
  case json_typeof(j)
    when 'object' then return '{' || coalesce((select string_agg(to_json(k)::text || ':' || ${S}.json_compact(v), ',' order by n)
      from json_each(j) with ordinality as e(k, v, n)), '') || '}';
    when 'array' then return '[' || coalesce((select string_agg(${S}.json_compact(v), ',' order by n)
      from json_array_elements(j) with ordinality as e(v, n)), '') || ']';
    else return (j::jsonb)::text;
  end case;
end $f$;
create or replace function ${S}.json_parse(s text) returns text language plpgsql immutable strict as $f$
begin
  return ${S}.json_compact(s::json);
exception when invalid_text_representation then
  raise exception 'JSON parsing error' using errcode = '22023', detail = 'invalid json: ' || left(s, 100);
end $f$;
create or replace function ${S}.json_serialize(s text) returns text language sql immutable strict as $f$ select s $f$;
create or replace function ${S}.is_valid_json(s text) returns boolean language plpgsql immutable as $f$
begin
  if s is null then return null; end if;
  perform s::json;
  return true;
exception when others then return false;
end $f$;
create or replace function ${S}.is_valid_json_array(s text) returns boolean language plpgsql immutable as $f$
begin
  if s is null then return null; end if;
  return json_typeof(s::json) = 'array';
exception when others then return false;
end $f$;
create or replace function ${S}.json_path_value(j json) returns text language sql immutable as
  $f$ select case when j is null or json_typeof(j) = 'null' then null when json_typeof(j) = 'string' then j #>> '{}'
    else ${S}.json_compact(j) end $f$;
create or replace function ${S}.json_extract_path_text(s text, variadic path text[]) returns text language sql immutable as
  $f$ select ${S}.json_path_value(s::json #> path) $f$;
create or replace function ${S}.json_extract_path_text_null_if_invalid(s text, null_if_invalid boolean, variadic path text[]) returns text language plpgsql immutable as $f$
begin
  return ${S}.json_path_value(s::json #> path);
exception when invalid_text_representation then
  if null_if_invalid then return null; end if;
  raise;
end $f$;
create or replace function ${S}.json_extract_array_element_text(s text, i int) returns text language sql immutable as
  $f$ select ${S}.json_path_value(s::json -> i) $f$;
create or replace function ${S}.json_array_length(s text) returns int language sql immutable as
  $f$ select json_array_length(s::json) $f$;
`;
}

const installed = new Map<string, Promise<void>>();

/** Installs the function library once per backend database and catalog schema (upgrade only). */
export function ensureFunctions(client: pg.Client, url: string, schema: string): Promise<void> {
  const key = `${url}|${schema}`;
  let p = installed.get(key);
  if (!p) {
    p = install(client, schema).catch((err: unknown) => {
      installed.delete(key);
      throw err;
    });
    installed.set(key, p);
  }
  return p;
}

async function install(client: pg.Client, schema: string): Promise<void> {
  const S = qi(schema);
  // Read committed, whatever the backend's default: a serializable snapshot is taken before the
  // advisory lock is granted, so a second installer would miss the first one's commit and install
  // again, failing with a serialization error (sessions opened at once on a new database did).
  await client.query('begin isolation level read committed');
  try {
    await client.query(`select pg_advisory_xact_lock(hashtext($1))`, [`upshift-emulator-functions:${schema}`]);
    await client.query(`create schema if not exists ${S}`);
    await client.query(`create table if not exists ${S}.function_library (version int not null)`);
    const { rows } = await client.query<{ version: number }>(
      `select max(version) as version from ${S}.function_library`,
    );
    if ((rows[0]?.version ?? 0) < LIBRARY_VERSION) {
      // pgcrypto (FUNC_SHA1) where it already is, else in the catalog schema.
      await client.query(`create extension if not exists pgcrypto with schema ${S}`);
      const ext = await client.query<{ nspname: string }>(
        `select n.nspname from pg_catalog.pg_extension e join pg_catalog.pg_namespace n on n.oid = e.extnamespace where e.extname = 'pgcrypto'`,
      );
      await client.query(librarySql(S, qi(ext.rows[0]?.nspname ?? schema)));
      await client.query(`delete from ${S}.function_library`);
      await client.query(`insert into ${S}.function_library values ($1)`, [LIBRARY_VERSION]);
    }
    await client.query('commit');
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw err;
  }
}
