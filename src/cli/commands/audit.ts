// `upshift audit`: recent loads from <auditSchema>.load_audit, newest first; failed loads with
// their errors; loads still `running` with their age (a row left running is a load that is still
// going or was killed: it may be finished with `upshift replay`). Plain SQL against the audit
// table's columns, so it reads what any version wrote.
import type { Command } from 'commander';
import { escapeLike, qualifiedName } from '../../sql/identifiers.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { withPool, type Run } from '../context.js';

interface AuditFlags {
  table?: string;
  status?: string;
  since?: string;
  limit?: string;
  json?: boolean;
  schema?: string;
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** '24h', '7d', '30m' (ago), or an ISO date/time. */
export function parseSince(text: string, now = Date.now()): Date {
  const rel = /^(\d+)\s*([smhdw])$/.exec(text.trim());
  if (rel) return new Date(now - Number(rel[1]) * UNITS[rel[2]!]!);
  const d = new Date(text);
  if (Number.isNaN(d.getTime()))
    throw new CliError(
      `--since ${JSON.stringify(text)}: give a duration (30m, 24h, 7d) or an ISO date (2026-11-25T10:00:00Z)`,
      ExitCode.USAGE,
    );
  return d;
}

interface AuditRow {
  load_id: string;
  target_table: string;
  mode: string;
  source: string | null;
  stage_uris: string | null;
  rows_staged: string | number | null;
  rows_inserted: string | number | null;
  rows_updated: string | number | null;
  rows_deleted: string | number | null;
  attempts: string | number | null;
  started_at: Date;
  finished_at: Date | null;
  status: string;
  error: string | null;
}

const n = (v: string | number | null) => (v === null ? null : Number(v));

/** 42 s, 17 min, 5 h, 3 d. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} d`;
}

const STATUSES = ['succeeded', 'failed', 'running'];

export function registerAudit(program: Command, run: Run) {
  program
    .command('audit')
    .description(
      'show recent loads from the audit table, newest first; failed loads with their errors, loads left running with their age',
    )
    .option('--table <table>', 'only loads into this table (schema.table, or a table name in any schema)')
    .option('--status <status>', 'succeeded, failed or running')
    .option('--since <when>', 'only loads started since: a duration (30m, 24h, 7d) or an ISO date')
    .option('-n, --limit <n>', 'at most this many loads', '20')
    .option('--schema <schema>', 'schema of load_audit (default: config auditSchema, else upshift)')
    .option('--json', 'print JSON lines, one load per line')
    .addHelpText(
      'after',
      '\nExamples:\n  upshift audit --status failed --since 24h\n  upshift audit --table sales.orders -n 5 --json',
    )
    .action(
      run<AuditFlags>(async (ctx, flags) => {
        const limit = Number(flags.limit ?? 20);
        if (!Number.isInteger(limit) || limit < 1)
          throw new CliError(`--limit ${flags.limit}: give a positive whole number`, ExitCode.USAGE);
        if (flags.status && !STATUSES.includes(flags.status)) {
          throw new CliError(`--status ${flags.status}: give succeeded, failed or running`, ExitCode.USAGE);
        }
        const schema = flags.schema ?? ctx.settings.config.auditSchema ?? 'upshift';
        const where: string[] = [];
        const params: unknown[] = [];
        if (flags.table) {
          params.push(flags.table, `%.${escapeLike(flags.table)}`);
          where.push(`(target_table = $${params.length - 1} OR target_table LIKE $${params.length})`);
        }
        if (flags.status) {
          params.push(flags.status);
          where.push(`status = $${params.length}`);
        }
        if (flags.since) {
          params.push(parseSince(flags.since).toISOString());
          where.push(`started_at >= $${params.length}`);
        }
        const table = qualifiedName(schema, 'load_audit');
        // A finished load may keep its 'running' row beside its final one (it is dropped after the commit, best effort): show the final one.
        where.push(
          `NOT (status = 'running' AND EXISTS (SELECT 1 FROM ${table} AS f WHERE f.load_id = a.load_id AND f.status <> 'running'))`,
        );
        const text =
          `SELECT load_id, target_table, mode, source, stage_uris, rows_staged, rows_inserted, rows_updated, rows_deleted, attempts, started_at, finished_at, status, error ` +
          `FROM ${table} AS a WHERE ${where.join(' AND ')} ORDER BY started_at DESC LIMIT ${limit}`;
        return withPool(ctx, async (pool) => {
          let rows: AuditRow[];
          try {
            rows = (await pool.query(text, params)).rows as AuditRow[];
          } catch (err) {
            if ((err as { code?: string }).code === '42P01') {
              throw new CliError(
                `no audit table ${schema}.load_audit: nothing has been loaded yet (or pass --schema)`,
                ExitCode.CONFIG,
              );
            }
            throw err;
          }
          if (flags.json) {
            for (const r of rows) {
              ctx.io.out(
                `${JSON.stringify({
                  loadId: r.load_id,
                  table: r.target_table,
                  mode: r.mode,
                  status: r.status,
                  source: r.source,
                  rowsStaged: n(r.rows_staged),
                  inserted: n(r.rows_inserted),
                  updated: n(r.rows_updated),
                  deleted: n(r.rows_deleted),
                  attempts: n(r.attempts),
                  startedAt: new Date(r.started_at).toISOString(),
                  finishedAt: r.finished_at ? new Date(r.finished_at).toISOString() : null,
                  error: r.error,
                })}\n`,
              );
            }
            return ExitCode.OK;
          }
          if (rows.length === 0) {
            ctx.io.out('no loads match\n');
            return ExitCode.OK;
          }
          const now = Date.now();
          for (const r of rows) {
            const status = r.status.trim();
            const running = status === 'running';
            const counts =
              status === 'succeeded'
                ? `staged ${n(r.rows_staged) ?? '?'}, inserted ${n(r.rows_inserted) ?? 0}, updated ${n(r.rows_updated) ?? 0}, deleted ${n(r.rows_deleted) ?? 0}`
                : running
                  ? `started ${formatAge(now - new Date(r.started_at).getTime())} ago, not finished (still loading, or the process was killed)`
                  : 'FAILED';
            const secs =
              r.finished_at && !running
                ? ` in ${((new Date(r.finished_at).getTime() - new Date(r.started_at).getTime()) / 1000).toFixed(1)} s`
                : '';
            ctx.io.out(
              `${new Date(r.started_at).toISOString()}  ${r.status.padEnd(9)}  ${r.target_table}  ${r.mode}  ${counts}${secs}  [${r.load_id}]\n`,
            );
            if (r.source) ctx.io.out(`    source: ${r.source}\n`);
            if (status === 'failed' && r.error) ctx.io.out(`    error: ${r.error.replace(/\n/g, '\n           ')}\n`);
            if (running)
              ctx.io.out(`    if its process is gone, finish it from its staged files: upshift replay ${r.load_id}\n`);
          }
          return ExitCode.OK;
        });
      }),
    );
}
