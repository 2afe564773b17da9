// One client session: frames from the client are decoded only where the emulator must act
// (Query, Parse, Sync); everything else goes to this session's backend unchanged, and the
// backend's answers come back unchanged except errors Redshift words differently.
import type { Socket } from 'node:net';
import { Backend } from './backend.js';
import type { EmulatorContext, SessionState } from './context.js';
import { parseCreateTable, catalogStatements } from './ddl.js';
import { BackendError, RedshiftError, serializableViolation } from './errors.js';
import { classify, dmlTarget, foldIdentifiers, rewriteText, searchPathChange, type Step } from './rewrite.js';
import { runCopy } from './copy.js';
import { alterTarget, dropChecksSql, planAlter } from './alter.js';
import { writeCatalog } from './catalog-write.js';
import { runUnload } from './unload.js';
import { splitStatements } from './sql.js';
import { checkViolation } from './types.js';
import {
  FrameReader, authenticationOk, backendKeyData, buildParse, commandComplete, errorResponse, parameterStatus,
  parseNotice, parseParse, queryMessage, readQuery, readyForQuery, type Frame, type NoticeFields,
} from './wire.js';

export const REDSHIFT_SERVER_VERSION = '8.0.2';

export class ClientSession implements SessionState {
  lastCopyId = -1;
  caseSensitive = false;
  pid = 0;
  private backend!: Backend;
  private reader = new FrameReader();
  private queue: Frame[] = [];
  private running = false;
  /** Set after an extended-protocol statement the emulator refuses: frames are dropped until Sync. */
  private pendingError: NoticeFields | undefined;
  private unsynced = 0;
  private injectBeforeReady: Buffer[] = [];
  /** While the emulator runs a multi-step query: ReadyForQuery is held back, errors noted. */
  private stepMode = false;
  private stepFailed = false;
  /** search_path as the client last set it, and the oids of tables written (for the 1023 detail). */
  private searchPath: string | undefined;
  private tableIds = new Map<string, number>();
  private lastTarget: string | undefined;
  /** Extended protocol: an error came back since the last Sync. */
  private extendedFailed = false;
  /** Extended protocol: catalog entries of a CREATE TABLE, recorded once its Sync is answered. */
  private pendingCatalog: { statements: string[]; table: string; parent: string | undefined } | undefined;

  constructor(private readonly socket: Socket, private readonly ctx: EmulatorContext) {}

  async start(): Promise<void> {
    this.backend = await Backend.open(this.ctx.postgres, this.ctx.isolation, (f) => this.relay(f), () => this.socket.end(), this.ctx.schema);
    this.pid = this.backend.pid;
    const out: Buffer[] = [authenticationOk()];
    for (const [k, v] of Object.entries(this.backend.params)) {
      out.push(parameterStatus(k, k === 'server_version' ? REDSHIFT_SERVER_VERSION : v));
    }
    out.push(backendKeyData(this.pid, this.backend.secretKey), readyForQuery('I'));
    this.socket.on('data', (chunk: Buffer) => {
      this.queue.push(...this.reader.push(chunk));
      void this.pump();
    });
    this.socket.on('close', () => this.backend.close());
    this.socket.on('error', () => this.backend.close());
    this.socket.write(Buffer.concat(out));
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length) await this.handle(this.queue.shift()!);
    } catch (err) {
      this.socket.write(errorResponse({ S: 'FATAL', C: 'XX000', M: `emulator: ${err instanceof Error ? err.message : String(err)}` }));
      this.socket.end();
    } finally {
      this.running = false;
    }
  }

  private draining = false;

  /** Writes to the client; while its socket is full, reading from the backend pauses. */
  private toClient(buf: Buffer): void {
    if (!this.socket.write(buf) && !this.draining) {
      this.draining = true;
      this.backend.socket.pause();
      this.socket.once('drain', () => {
        this.draining = false;
        this.backend.socket.resume();
      });
    }
  }

  /** Backend frames to the client, with errors reworded as Redshift words them. */
  private relay(f: Frame): void {
    if (f.type === 'E') {
      if (this.stepMode) this.stepFailed = true;
      else this.extendedFailed = true;
      this.toClient(this.rewordError(f.frame));
      return;
    }
    if (f.type === 'Z') {
      for (const b of this.injectBeforeReady.splice(0)) this.toClient(b);
      if (this.stepMode) return;
    }
    this.toClient(f.frame);
  }

  private rewordError(frame: Buffer): Buffer {
    const e = parseNotice(frame);
    const r = this.reword(e);
    return r === e ? frame : errorResponse(r);
  }

  /** Postgres errors Redshift words differently: serialization failures (1023), byte-length checks. */
  private reword(e: NoticeFields): NoticeFields {
    if (e.C === '40001') return serializableViolation(this.tableIds.get(this.lastTarget ?? '') ?? 0, [String(this.pid)], this.pid);
    if (e.C === '428C9') return { S: 'ERROR', C: '0A000', M: 'cannot set an identity column to a value' };
    if (e.C === '21000' && /^MERGE command cannot affect row a second time/.test(e.M ?? '')) {
      return { S: 'ERROR', C: 'XX000', M: 'Found multiple matches to update the same tuple.' };
    }
    if (e.C === '23514' && e.n) {
      const v = checkViolation(e.n);
      if (v) return { S: 'ERROR', C: v.code, M: v.message };
    }
    return e;
  }

  /** Notes what a statement changes that the emulator keeps track of (search_path, written table). */
  private observe(sql: string): void {
    const sp = searchPathChange(sql);
    if (sp !== undefined) this.searchPath = sp ?? undefined;
    const target = dmlTarget(sql);
    if (!target) return;
    const key = `${this.searchPath ?? ''}|${target}`;
    this.lastTarget = key;
    if (this.tableIds.has(key)) return;
    this.tableIds.set(key, 0);
    void this.resolveTable(key, target);
  }

  /** Resolves a table's oid on an admin connection with the session's search_path (temp tables stay 0). */
  private async resolveTable(key: string, name: string): Promise<void> {
    const client = await this.ctx.admin.connect().catch(() => undefined);
    if (!client) return;
    try {
      await client.query('begin');
      if (this.searchPath) await client.query(`select set_config('search_path', $1, true)`, [this.searchPath.replace(/^'(.*)'$/s, '$1')]);
      const r = await client.query<{ oid: number }>('select coalesce(to_regclass($1)::oid, 0)::int as oid', [name]);
      this.tableIds.set(key, r.rows[0]?.oid ?? 0);
      await client.query('commit');
    } catch {
      await client.query('rollback').catch(() => {});
    } finally {
      client.release();
    }
  }

  private ctxFor() {
    return { schema: this.ctx.schema, lastCopyId: this.lastCopyId, slices: this.ctx.slices, caseSensitive: this.caseSensitive };
  }

  private async handle(f: Frame): Promise<void> {
    switch (f.type) {
      case 'Q': return this.query(readQuery(f.frame));
      case 'P': return this.parse(f.frame);
      case 'S': return this.sync(f.frame);
      case 'X':
        this.backend.close();
        this.socket.end();
        return;
      default:
        if (this.pendingError) return;
        this.unsynced++;
        this.backend.forward(f.frame, false);
    }
  }

  private async query(sql: string): Promise<void> {
    const statements = splitStatements(sql);
    const caseSensitive = this.caseSensitive;
    const classifyNext = (statement: string): Step => {
      const step = classify(statement, this.ctxFor());
      if (step.kind === 'pass' || step.kind === 'copy') this.observe(step.sql);
      if (step.kind === 'pass' && step.caseSensitive !== undefined) this.caseSensitive = step.caseSensitive;
      return step;
    };
    const steps = statements.map(classifyNext);
    if (steps.every((s) => s.kind === 'pass')) {
      const text = steps.length ? steps.map((s) => (s as { sql: string }).sql).join(';\n') : sql;
      this.backend.forward(queryMessage(text), true);
      return;
    }
    // Run one statement at a time, each classified when its turn comes (pg_last_copy_id() after a COPY).
    this.caseSensitive = caseSensitive;
    await this.backend.whenIdle();
    this.stepMode = true;
    try {
      for (const statement of statements) if (!(await this.runStep(classifyNext(statement)))) break;
    } finally {
      this.stepMode = false;
    }
    this.toClient(readyForQuery(this.backend.txStatus));
  }

  /** Relays one statement's answers (without its ReadyForQuery); false when it failed. */
  private async relayStatement(sql: string): Promise<boolean> {
    this.stepFailed = false;
    this.backend.forward(queryMessage(sql), true);
    await this.backend.whenIdle();
    return !this.stepFailed;
  }

  private async fail(error: RedshiftError): Promise<false> {
    // An error inside a transaction aborts it, as on Redshift.
    if (this.backend.txStatus === 'T') {
      await this.backend.query(`do $emulator$ begin raise exception 'aborted by a Redshift error'; end $emulator$`);
    }
    this.toClient(errorResponse(error.fields()));
    return false;
  }

  /** Records table properties; the statement itself already succeeded, so a failure here is only a warning. */
  private async writeCatalog(statements: string[], table: string, parent?: string): Promise<void> {
    try {
      await writeCatalog(this.backend, this.ctx, statements, table, parent);
    } catch (err) {
      const m = err instanceof BackendError ? err.fields.M : err instanceof Error ? err.message : String(err);
      this.toClient(errorResponse({ S: 'WARNING', C: '01000', M: `emulator: table properties of ${table} not recorded: ${m}` }, 'N'));
    }
  }

  private async runStep(step: Step): Promise<boolean> {
    try {
      switch (step.kind) {
        case 'pass': return await this.relayStatement(step.sql);
        case 'refuse': return await this.fail(step.error);
        case 'implicitCommit':
          if (this.backend.txStatus === 'T') await this.backend.query('commit');
          return await this.relayStatement(step.sql);
        case 'create': {
          const ddl = parseCreateTable(step.sql);
          if (!(await this.relayStatement(rewriteText(ddl.pgSql, this.ctxFor())))) return false;
          await this.writeCatalog(catalogStatements(ddl, this.ctx.schema), ddl.table, ddl.likeParent);
          return true;
        }
        case 'alter': {
          const plan = planAlter(step.sql, this.ctx.schema);
          if (!plan) return await this.relayStatement(rewriteText(step.sql, this.ctxFor()));
          if (plan.retypeColumn !== undefined) {
            const r = await this.backend.query(dropChecksSql(alterTarget(step.sql), plan.retypeColumn));
            if (r.error) throw new BackendError(r.error);
          }
          if (plan.pgSql !== undefined && !(await this.relayStatement(plan.pgSql))) return false;
          await this.writeCatalog(plan.catalog, alterTarget(step.sql));
          if (plan.pgSql === undefined) this.toClient(commandComplete('ALTER TABLE'));
          return true;
        }
        case 'copy': {
          const r = await runCopy(step.sql, this.backend, this.ctx, this);
          for (const n of r.notices) this.toClient(errorResponse({ S: 'INFO', C: '00000', M: n }, 'N'));
          this.toClient(commandComplete(r.tag));
          return true;
        }
        case 'unload': {
          const r = await runUnload(step.sql, this.backend, this.ctx, (q) => rewriteText(this.caseSensitive ? q : foldIdentifiers(q), this.ctxFor()));
          for (const n of r.notices) this.toClient(errorResponse({ S: 'INFO', C: '00000', M: n }, 'N'));
          this.toClient(commandComplete(r.tag));
          return true;
        }
      }
    } catch (err) {
      if (err instanceof BackendError) {
        this.toClient(errorResponse(this.reword(err.fields)));
        return false;
      }
      if (err instanceof RedshiftError) return this.fail(err);
      return this.fail(new RedshiftError(err instanceof Error ? err.message : String(err)));
    }
  }

  private async parse(frame: Buffer): Promise<void> {
    if (this.pendingError) return;
    const { name, query, rest } = parseParse(frame);
    const statements = splitStatements(query);
    if (statements.length !== 1) {
      this.unsynced++;
      this.backend.forward(frame, false);
      return;
    }
    const step = classify(statements[0]!, this.ctxFor());
    if (step.kind === 'pass' && step.caseSensitive !== undefined) this.caseSensitive = step.caseSensitive;
    if (step.kind === 'pass') this.observe(step.sql);
    let sql: string;
    switch (step.kind) {
      case 'pass': sql = step.sql; break;
      case 'implicitCommit':
        if (this.unsynced === 0) {
          await this.backend.whenIdle();
          if (this.backend.txStatus === 'T') await this.backend.query('commit');
        }
        sql = step.sql;
        break;
      case 'create':
        try {
          const ddl = parseCreateTable(step.sql);
          sql = ddl.pgSql;
          this.pendingCatalog = { statements: catalogStatements(ddl, this.ctx.schema), table: ddl.table, parent: ddl.likeParent };
        } catch (err) {
          this.pendingError = err instanceof RedshiftError ? err.fields() : { S: 'ERROR', C: 'XX000', M: String(err) };
          return;
        }
        break;
      case 'alter': {
        const plan = planAlter(step.sql, this.ctx.schema);
        if (plan && (plan.pgSql === undefined || plan.retypeColumn !== undefined)) {
          this.pendingError = { S: 'ERROR', C: '0A000', M: 'this ALTER TABLE is supported by the emulator through the simple query protocol only' };
          return;
        }
        sql = plan?.pgSql ?? step.sql;
        break;
      }
      case 'refuse': this.pendingError = step.error.fields(); return;
      default:
        this.pendingError = { S: 'ERROR', C: '0A000', M: `${step.kind.toUpperCase()} is supported by the emulator through the simple query protocol only` };
        return;
    }
    this.unsynced++;
    // A pass step is translated already; translating it twice would read its strings twice.
    this.backend.forward(sql === query ? frame : buildParse(name, step.kind === 'pass' ? sql : rewriteText(sql, this.ctxFor()), rest), false);
  }

  private async sync(frame: Buffer): Promise<void> {
    const error = this.pendingError;
    this.pendingError = undefined;
    if (error && this.unsynced > 0) this.injectBeforeReady.push(errorResponse(error));
    if (error && this.unsynced === 0) {
      await this.backend.whenIdle();
      if (this.backend.txStatus === 'T') {
        await this.backend.query(`do $emulator$ begin raise exception 'aborted by a Redshift error'; end $emulator$`);
      }
      this.toClient(errorResponse(error));
      this.toClient(readyForQuery(this.backend.txStatus));
      return;
    }
    this.unsynced = 0;
    this.extendedFailed = false;
    this.backend.forward(frame, true);
    const pending = this.pendingCatalog;
    this.pendingCatalog = undefined;
    if (pending) {
      await this.backend.whenIdle();
      if (!this.extendedFailed && this.backend.txStatus !== 'E') {
        await this.writeCatalog(pending.statements, pending.table, pending.parent).catch(() => {});
      }
    }
  }
}

