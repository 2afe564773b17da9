// The engine's side of a COPY that runs while the source stages its rows: it builds the stage
// table the plan would have built, hands the source a chunk sink, and afterwards tells the plan
// whether the stage table is already loaded.
import type { TableModel } from '../model/table.js';
import type { ChunkSink } from '../sources/types.js';
import { UPSHIFT_CSV } from '../warehouse/plan.js';
import { ORDINAL_COLUMN, type LiveCopy, type LoadSession, type Warehouse } from '../warehouse/warehouse.js';

export class LiveStage {
  private copy: LiveCopy | undefined;
  private opened = false;

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
  readonly open = (columns: readonly string[], ordered: boolean): ChunkSink => {
    if (this.opened) throw new Error('copyWhileStaging was opened twice in one load');
    this.opened = true;
    let starting: Promise<LiveCopy> | undefined;
    return (chunk, at) => {
      if (this.copy) return this.copy.write(chunk, at);
      starting ??= this.start(columns, ordered);
      return starting.then((copy) => copy.write(chunk, at));
    };
  };

  private async start(columns: readonly string[], ordered: boolean): Promise<LiveCopy> {
    const createSql = this.warehouse.createTempTableSql(this.stageTable, this.model, columns, ordered);
    this.copy = await this.session.copyWhileStaging(createSql, {
      table: { name: this.stageTable },
      columns: ordered ? [...columns, ORDINAL_COLUMN] : [...columns],
      // The chunks are the parts' text before gzip.
      format: { ...UPSHIFT_CSV, gzip: false },
    });
    return this.copy;
  }

  /** Rows in the stage table once the source is done, or undefined when no chunk reached the live COPY (the plan then COPYs the files). */
  async finish(): Promise<number | undefined> {
    return this.copy?.finish();
  }

  /** After the source failed: cancel the COPY (no-op when it was never opened). */
  async abort(): Promise<void> {
    await this.copy?.abort();
  }
}
