// One client session: frames from the client are decoded only where the emulator must act
// (Query, Parse, Sync); everything else goes to this session's backend unchanged, and the
// backend's answers come back unchanged except errors Redshift words differently.
import { Backend } from './backend.js';
import type { EmulatorContext, LoadCommitRow, SessionState } from './context.js';
import { parseCreateTable, catalogStatements } from './ddl.js';
import { BackendError, RedshiftError, serializableViolation } from './errors.js';
import { classify, dmlTarget, foldIdentifiers, rewriteText, searchPathChange, type Step } from './rewrite.js';
import { runCopy } from './copy.js';
import { alterTarget, dropChecksSql, planAlter } from './alter.js';
import { parseAppend, runAppend } from './append.js';
import { writeCatalog } from './catalog-write.js';
import { runUnload } from './unload.js';
import { splitStatements } from './sql.js';
import { readsHistory, type LogEntry } from './query-log.js';
import {
  PipelineState,
  bindComplete,
  bindNames,
  closeComplete,
  executedPortal,
  flush,
  noData,
  noParameters,
  parseComplete,
  targetOf,
} from './pipeline.js';
import { checkViolation } from './types.js';
import {
  FrameReader,
  authenticationOk,
  backendKeyData,
  buildParse,
  commandComplete,
  errorResponse,
  parameterStatus,
  parseNotice,
  parseParse,
  queryMessage,
  readQuery,
  readyForQuery,
  type Frame,
  type NoticeFields,
} from './wire.js';

export const REDSHIFT_SERVER_VERSION = '8.0.2';

/** The client side of a session: a socket, or an in-process stream (the Data API's sessions). */
export interface ClientStream {
  write(buf: Buffer): boolean;
  end(): void;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'close' | 'error', listener: () => void): unknown;
  once(event: 'drain', listener: () => void): unknown;
  /** A socket's: frames written between cork() and uncork() go out in one write (in-process streams have none). */
  cork?(): void;
  uncork?(): void;
}

/** Who a session runs as, when not as the backend URL's user: a temporary user's database role. */
export interface SessionLogin {
  role: string;
}

export class ClientSession implements SessionState {
  lastCopyId = -1;
  loadCommits: LoadCommitRow[] = [];
  caseSensitive = false;
  pid = 0;
  /** The query id the next logged statement takes (the Data API numbers its statements itself). */
  presetQueryId: number | undefined;
  /** The query id of the statement running: a COPY records its load errors under it. */
  queryId: number | undefined;
  private backend!: Backend;
  private reader = new FrameReader();
  private queue: Frame[] = [];
  private running = false;
  /** Extended-protocol frames forwarded since the last Sync. */
  private unsynced = 0;
  /** Extended protocol: statements the emulator answers itself, and its place among the backend's replies. */
  private pipeline = new PipelineState();
  /** ReadyForQuery messages from the backend not to relay (the emulator sends its own after ending a transaction). */
  private swallowReady = 0;
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

  /** Query history: statements relayed as one unit, finished at their ReadyForQuery (in order). */
  private logUnits: Array<{ entries: LogEntry[]; error?: string }> = [];
  /** Extended protocol: statement and portal texts, and the Executes since the last Sync. */
  private statementTexts = new Map<string, string>();
  private portalTexts = new Map<string, string>();
  private executed: LogEntry[] = [];

  constructor(
    private readonly socket: ClientStream,
    private readonly ctx: EmulatorContext,
    private readonly login?: SessionLogin,
  ) {}

  async start(): Promise<void> {
    this.backend = await Backend.open(
      this.ctx.postgres,
      this.ctx.isolation,
      (f) => this.relay(f),
      () => this.socket.end(),
      this.ctx.schema,
      this.login?.role,
    );
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
    this.socket.on('close', () => this.clientGone());
    this.socket.on('error', () => this.clientGone());
    this.socket.write(Buffer.concat(out));
  }

  /**
   * The client went away without a Terminate. An idle backend ends on its own once its socket
   * closes (rolling back, freeing locks), but one busy with a statement would not notice until
   * the statement ends (a pg_sleep, a lock wait, a COPY fed by a stalled S3): terminate it.
   */
  private clientGone(): void {
    if (this.backend.closed) return;
    if (this.backend.busy || this.running) {
      this.ctx.admin.query('select pg_terminate_backend($1)', [this.backend.pid]).catch(() => {});
    }
    this.backend.close();
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length) await this.handle(this.queue.shift()!);
    } catch (err) {
      this.socket.write(
        errorResponse({ S: 'FATAL', C: 'XX000', M: `emulator: ${err instanceof Error ? err.message : String(err)}` }),
      );
      this.socket.end();
    } finally {
      this.running = false;
    }
  }

  private draining = false;
  private corked = false;

  /**
   * Writes to the client; while its socket is full, reading from the backend pauses. The frames
   * written in one tick (a reply's RowDescription, DataRows, CommandComplete, ReadyForQuery) go out
   * in one write: the socket has Nagle's algorithm off, and one write a frame was one packet each.
   */
  private toClient(buf: Buffer): void {
    if (!this.corked && this.socket.cork) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork?.();
      });
    }
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
    if (!this.stepMode) {
      this.pipeline.replied(f);
      this.logReply(f);
    }
    if (f.type === 'E') {
      if (this.stepMode) this.stepFailed = true;
      else if (this.unsynced > 0) this.extendedFailed = true;
      this.toClient(this.rewordError(f.frame));
      return;
    }
    if (f.type === 'Z') {
      if (this.stepMode) return;
      if (this.swallowReady > 0) {
        this.swallowReady--;
        return;
      }
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
    if (e.C === '40001')
      return serializableViolation(this.tableIds.get(this.lastTarget ?? '') ?? 0, [String(this.pid)], this.pid);
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
      if (this.searchPath)
        await client.query(`select set_config('search_path', $1, true)`, [this.searchPath.replace(/^'(.*)'$/s, '$1')]);
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
    return {
      schema: this.ctx.schema,
      lastCopyId: this.lastCopyId,
      slices: this.ctx.slices,
      caseSensitive: this.caseSensitive,
      loadCommits: this.loadCommits,
    };
  }

  private async handle(f: Frame): Promise<void> {
    switch (f.type) {
      case 'Q':
        return this.query(readQuery(f.frame));
      case 'P':
        return this.parse(f.frame);
      case 'S':
        return this.sync(f.frame);
      case 'B':
      case 'D':
      case 'E':
      case 'C':
        this.noteExtended(f);
        if (await this.answerOwn(f)) return;
        return this.forwardExtended(f);
      case 'X':
        this.backend.close();
        this.socket.end();
        return;
      default:
        return this.forwardExtended(f);
    }
  }

  private forwardExtended(f: Frame): void {
    if (this.pipeline.skipping) return;
    this.unsynced++;
    this.pipeline.forwarded(f.type);
    this.backend.forward(f.frame, false);
  }

  /**
   * Bind, Describe, Execute and Close of a statement the emulator answers itself; false when the
   * frame is for the backend. A Bind of another statement to a portal replaces the emulator's portal.
   */
  private async answerOwn(f: Frame): Promise<boolean> {
    const p = this.pipeline;
    let answer: Buffer[] | (() => Promise<void>);
    if (f.type === 'B') {
      const { portal, statement } = bindNames(f.frame);
      const step = p.statements.get(statement);
      if (!step) {
        p.portals.delete(portal);
        return false;
      }
      p.portals.set(portal, step);
      answer = [bindComplete()];
    } else if (f.type === 'E') {
      const step = p.portals.get(executedPortal(f.frame));
      if (!step) return false;
      answer = () => this.executeOwn(step);
    } else {
      const { kind, name } = targetOf(f.frame);
      const own = kind === 'S' ? p.statements : p.portals;
      if (!own.has(name)) return false;
      if (f.type === 'C') own.delete(name);
      answer = f.type === 'C' ? [closeComplete()] : kind === 'S' ? [noParameters(), noData()] : [noData()];
    }
    if (!(await this.inOrder())) return true;
    if (Array.isArray(answer)) for (const b of answer) this.toClient(b);
    else await answer();
    return true;
  }

  /** Waits for the backend's replies to what was forwarded before; false when the pipeline is failing (skip the frame). */
  private async inOrder(): Promise<boolean> {
    if (this.pipeline.skipping) return false;
    await this.pipeline.whenCaughtUp(() => this.backend.forward(flush(), false));
    return !this.extendedFailed && !this.pipeline.skipping && !this.backend.closed;
  }

  /**
   * The emulator's statements in a pipeline run in a transaction block, so that the pipeline commits
   * or rolls back as one, as Postgres's implicit transaction does: the client's own block, or one
   * the emulator opens (turning the implicit transaction into it) and ends at Sync.
   */
  private async pipelineTransaction(): Promise<void> {
    if (this.pipeline.tx) return;
    const r = await this.backend.query('begin');
    const already = r.error !== undefined || (r.notices ?? []).some((n) => n.C === '25001');
    this.pipeline.tx = already ? 'client' : 'emulator';
  }

  private async executeOwn(step: Step): Promise<void> {
    this.executed.pop();
    const entry = this.logStart('sql' in step ? step.sql : '');
    await this.numberCopy(entry, step);
    await this.pipelineTransaction();
    this.stepMode = true;
    try {
      const ok = await this.runStep(step);
      this.ctx.log.finish(entry, ok);
      if (!ok) this.pipeline.skipping = this.pipeline.failed = true;
    } finally {
      this.stepMode = false;
    }
  }

  /** An error the emulator reports in a pipeline: the pipeline's transaction is aborted and the rest skipped. */
  private async pipelineError(fields: NoticeFields): Promise<void> {
    if (!(await this.inOrder())) return;
    await this.pipelineTransaction();
    if (this.backend.txStatus === 'T') await this.backend.query(ABORT_TRANSACTION);
    this.toClient(errorResponse(fields));
    this.pipeline.skipping = this.pipeline.failed = true;
  }

  private logStart(text: string): LogEntry {
    const url = new URL(this.ctx.postgres);
    const entry = this.ctx.log.start(
      this.pid,
      this.login?.role ?? decodeURIComponent(url.username || 'postgres'),
      url.pathname.slice(1) || 'postgres',
      text,
    );
    if (this.presetQueryId !== undefined) entry.query = this.presetQueryId;
    this.presetQueryId = undefined;
    this.queryId = entry.query;
    return entry;
  }

  /** A COPY records its load errors under its query id: numbered before it runs, so stl_query shows the same id. */
  private async numberCopy(entry: LogEntry, step: Step): Promise<void> {
    if (step.kind !== 'copy') return;
    entry.query ??= await this.ctx.log.reserveId();
    this.queryId = entry.query;
  }

  /** The backend's answers end the oldest unit of logged statements: an error fails it, ReadyForQuery finishes it. */
  private logReply(f: Frame): void {
    const unit = this.logUnits[0];
    if (!unit) return;
    if (f.type === 'E') unit.error ??= parseNotice(f.frame).M ?? 'error';
    if (f.type !== 'Z') return;
    this.logUnits.shift();
    for (const e of unit.entries) this.ctx.log.finish(e, unit.error === undefined, unit.error);
  }

  /** Extended protocol: Parse, Bind and Execute give the text of each statement executed before a Sync. */
  private noteExtended(f: Frame): void {
    if (f.type === 'B') {
      const { portal, statement } = bindNames(f.frame);
      this.portalTexts.set(portal, this.statementTexts.get(statement) ?? '');
    } else if (f.type === 'E' && !this.pipeline.skipping) {
      this.executed.push(this.logStart(this.portalTexts.get(executedPortal(f.frame)) ?? ''));
    }
  }

  private async query(sql: string): Promise<void> {
    if (readsHistory(sql)) await this.ctx.log.flush();
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
      this.logUnits.push({ entries: statements.map((s) => this.logStart(s)) });
      this.backend.forward(queryMessage(text), true);
      return;
    }
    // Run one statement at a time, each classified when its turn comes (pg_last_copy_id() after a COPY).
    this.caseSensitive = caseSensitive;
    await this.backend.whenIdle();
    const block = this.backend.txStatus === 'I' && isOneTransaction(statements, steps);
    this.stepMode = true;
    try {
      if (block) await this.backend.query('begin');
      let ok = true;
      for (const statement of statements) {
        const entry = this.logStart(statement);
        const step = classifyNext(statement);
        await this.numberCopy(entry, step);
        ok = await this.runStep(step);
        this.ctx.log.finish(entry, ok);
        if (!ok) break;
      }
      if (block) await this.endBlock(ok);
    } finally {
      this.stepMode = false;
    }
    this.toClient(readyForQuery(this.backend.txStatus));
  }

  /** Ends the block a multi-statement query ran in: committed when every statement succeeded. */
  private async endBlock(ok: boolean): Promise<void> {
    const r = await this.backend.query(ok ? 'commit' : 'rollback');
    if (r.error) this.toClient(errorResponse(this.reword(r.error)));
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
    if (this.backend.txStatus === 'T') await this.backend.query(ABORT_TRANSACTION);
    this.toClient(errorResponse(error.fields()));
    return false;
  }

  /** Records table properties; the statement itself already succeeded, so a failure here is only a warning. */
  private async writeCatalog(statements: string[], table: string, parent?: string): Promise<void> {
    try {
      await writeCatalog(this.backend, this.ctx, statements, table, parent);
    } catch (err) {
      const m = err instanceof BackendError ? err.fields.M : err instanceof Error ? err.message : String(err);
      this.toClient(
        errorResponse(
          { S: 'WARNING', C: '01000', M: `emulator: table properties of ${table} not recorded: ${m}` },
          'N',
        ),
      );
    }
  }

  private async runStep(step: Step): Promise<boolean> {
    try {
      switch (step.kind) {
        case 'pass':
          return await this.relayStatement(step.sql);
        case 'refuse':
          return await this.fail(step.error);
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
          const append = parseAppend(step.sql);
          if (append) {
            const own = this.pipeline.tx === 'emulator';
            await runAppend(append, this.backend, this.backend.txStatus !== 'I' && !own, own);
            this.toClient(commandComplete('ALTER TABLE APPEND'));
            return true;
          }
          const plan = planAlter(step.sql, this.ctx.schema);
          if (!plan) return await this.relayStatement(rewriteText(step.sql, this.ctxFor()));
          if (plan.retypeColumn !== undefined) {
            const r = await this.backend.query(dropChecksSql(alterTarget(step.sql), plan.retypeColumn));
            if (r.error) throw new BackendError(r.error);
          }
          // Translated like any statement: a DEFAULT getdate() names a Redshift function the backend has under the emulator's schema.
          if (plan.pgSql !== undefined && !(await this.relayStatement(rewriteText(plan.pgSql, this.ctxFor()))))
            return false;
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
          const r = await runUnload(step.sql, this.backend, this.ctx, (q) =>
            rewriteText(this.caseSensitive ? q : foldIdentifiers(q), this.ctxFor()),
          );
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
    if (this.pipeline.skipping) return;
    const { name, query, rest } = parseParse(frame);
    this.pipeline.statements.delete(name);
    this.statementTexts.set(name, query);
    if (readsHistory(query)) await this.ctx.log.flush();
    const statements = splitStatements(query);
    if (statements.length !== 1) return this.forwardExtended({ type: 'P', frame });
    const step = classify(statements[0]!, this.ctxFor());
    if (step.kind === 'pass' && step.caseSensitive !== undefined) this.caseSensitive = step.caseSensitive;
    if (step.kind === 'pass') this.observe(step.sql);
    let sql: string;
    switch (step.kind) {
      case 'pass':
        sql = step.sql;
        break;
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
          this.pendingCatalog = {
            statements: catalogStatements(ddl, this.ctx.schema),
            table: ddl.table,
            parent: ddl.likeParent,
          };
        } catch (err) {
          return this.pipelineError(
            err instanceof RedshiftError ? err.fields() : { S: 'ERROR', C: 'XX000', M: String(err) },
          );
        }
        break;
      case 'alter': {
        if (parseAppend(step.sql)) return this.parseOwn(name, step);
        const plan = planAlter(step.sql, this.ctx.schema);
        if (plan && (plan.pgSql === undefined || plan.retypeColumn !== undefined)) return this.parseOwn(name, step);
        sql = plan?.pgSql ?? step.sql;
        break;
      }
      case 'refuse':
        return this.pipelineError(step.error.fields());
      default:
        return this.parseOwn(name, step);
    }
    // A pass step is translated already; translating it twice would read its strings twice.
    const rewritten =
      sql === query ? frame : buildParse(name, step.kind === 'pass' ? sql : rewriteText(sql, this.ctxFor()), rest);
    this.forwardExtended({ type: 'P', frame: rewritten });
  }

  /** Parse of a statement the emulator runs itself: answered here, run at Execute. */
  private async parseOwn(name: string, step: Step): Promise<void> {
    if (!(await this.inOrder())) return;
    this.pipeline.statements.set(name, step);
    this.toClient(parseComplete());
  }

  private async sync(frame: Buffer): Promise<void> {
    const tx = this.pipeline.tx;
    // The backend may be skipping to this Sync after an error: it goes first, and its answer is
    // relayed unless the emulator still has its own transaction block to end.
    if (tx === 'emulator') this.swallowReady++;
    this.logUnits.push({ entries: this.executed.splice(0) });
    this.backend.forward(frame, true);
    await this.backend.whenIdle();
    const failed = this.extendedFailed || this.pipeline.failed;
    this.unsynced = 0;
    this.extendedFailed = false;
    this.pipeline.reset();
    if (tx === 'emulator') {
      const r = await this.backend.query(failed ? 'rollback' : 'commit');
      if (r.error) this.toClient(errorResponse(this.reword(r.error)));
      this.toClient(readyForQuery(this.backend.txStatus));
    }
    const pending = this.pendingCatalog;
    this.pendingCatalog = undefined;
    if (pending && !failed && this.backend.txStatus !== 'E') {
      await this.writeCatalog(pending.statements, pending.table, pending.parent).catch(() => {});
    }
  }
}

/**
 * Whether the statements of one simple query run as one transaction, as Postgres runs them (its
 * implicit block): several statements, none that ends or opens a block or commits by itself.
 */
function isOneTransaction(statements: string[], steps: Step[]): boolean {
  if (statements.length < 2 || steps.some((s) => s.kind === 'implicitCommit')) return false;
  return !statements.some((s) => /^\s*(begin|start|commit|end|rollback|abort|vacuum)\b/i.test(s));
}

/** Puts the session's open transaction block into the aborted state, as a failed statement does. */
const ABORT_TRANSACTION = `do $emulator$ begin raise exception 'aborted by a Redshift error'; end $emulator$`;
