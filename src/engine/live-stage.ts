// The engine's side of a COPY that runs while the source stages its rows: it builds the stage
// table the plan would have built, hands the source a sink for the encoded chunks, and learns
// when the rows are all written, so the merge can start while the parts are still being
// compressed and stored.
import type { TableModel } from '../model/table.js';
import type { LiveSink, RowFacts } from './source.js';
import { UPSHIFT_CSV } from '../stage/copy-format.js';
import { ORDINAL_COLUMN, type LiveCopy, type LoadSession, type Warehouse } from '../warehouse/warehouse.js';

/** The stage table's rows after a live COPY: what the merge plan needs instead of files. */
export interface LoadedStage extends RowFacts {
  rows: number;
  columns: string[];
  ordered: boolean;
}

export class LiveStage {
  private copy: LiveCopy | undefined;
  private starting: Promise<LiveCopy | undefined> | undefined;
  private declined = false;
  private layout: { columns: string[]; ordered: boolean } | undefined;
  private facts: RowFacts | undefined;
  private resolveEnded!: () => void;
  /** Resolves when the source has written every row (never, if it doesn't use the live COPY). */
  readonly ended = new Promise<void>((resolve) => (this.resolveEnded = resolve));

  constructor(
    private readonly session: Required<Pick<LoadSession, 'copyWhileStaging'>>,
    private readonly warehouse: Warehouse,
    private readonly model: TableModel,
    private readonly stageTable: string,
  ) {}

  /**
   * SourceContext.copyWhileStaging. The COPY starts with the first chunk, not here: a source has
   * usually opened its input already, and an input error must find the row loop listening.
   */
  readonly open = (columns: readonly string[], ordered: boolean): LiveSink => {
    // invariant: the engine opens one live COPY per load
    // invariant: the engine opens one live COPY per load
    if (this.layout) throw new Error('copyWhileStaging was opened twice in one load');
    const layout = { columns: [...columns], ordered };
    this.layout = layout;
    return {
      write: (chunk, at) => {
        if (this.copy) return this.copy.write(chunk, at);
        // Declined (no free connection): the chunks only go to the staged files.
        if (this.declined) return undefined;
        this.starting ??= this.start(layout.columns, ordered);
        return this.starting.then((copy) => copy?.write(chunk, at));
      },
      end: (facts) => {
        this.facts = facts;
        this.resolveEnded();
      },
    };
  };

  private async start(columns: string[], ordered: boolean): Promise<LiveCopy | undefined> {
    const createSql = this.warehouse.createTempTableSql(this.stageTable, this.model, columns, ordered);
    this.copy = await this.session.copyWhileStaging(createSql, {
      table: { name: this.stageTable },
      target: this.model.qualifiedName,
      columns: ordered ? [...columns, ORDINAL_COLUMN] : columns,
      // The chunks are the parts' text before gzip.
      format: { ...UPSHIFT_CSV, gzip: false },
    });
    this.declined = this.copy === undefined;
    return this.copy;
  }

  /**
   * After `ended`: ends the COPY and describes the loaded stage table, or undefined when it
   * never ran (no rows, or declined): the plan then COPYs the staged files as usual.
   */
  async finish(): Promise<LoadedStage | undefined> {
    const copy = this.copy ?? (await this.starting);
    if (!copy || !this.layout) return undefined;
    const rows = await copy.finish();
    return { rows, ...this.layout, ...this.facts };
  }

  /** After the source failed: cancel the COPY (no-op when it never started). */
  async abort(): Promise<void> {
    const copy = await this.starting?.catch(() => undefined);
    await copy?.abort();
  }
}
