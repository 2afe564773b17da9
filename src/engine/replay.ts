// Replay: re-applies a past load from the files it staged, through the same engine as any load
// (validated plan, one transaction, its own audit row). The staged manifest says how to read
// the files (format, columns, load order); the audit row says which table and mode. A load that
// already committed into the target is refused unless forced: a second append doubles its rows.
import { UpshiftError } from '../errors.js';
import { escapeLike } from '../sql/identifiers.js';
import type { TableModel } from '../model/table.js';
import { loadColumns } from '../model/validate.js';
import { compressionOfFormat } from '../stage/codec.js';
import { loadIdDate } from '../stage/layout.js';
import type { LoadIntent, Manifest, ManifestLoad, Progress, StagedLoad } from '../stage/types.js';
import type { PreparedSource, Source } from './source.js';
import type { CopyFormat } from '../stage/copy-format.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import type { LoadBehaviour } from './hooks.js';
import { auditTableName } from './audit.js';
import { runLoad, type LoadResult } from './load.js';
import type { LoadMode } from './plan.js';

export interface ReplayOptions extends LoadBehaviour {
  /** The model of the table to load into. Default: the original load's table, found in `models`. */
  into?: TableModel | undefined;
  /** Models to find the original table's among (an array, or a module namespace like `import * as models`). */
  models?: readonly TableModel[] | Readonly<Record<string, unknown>> | undefined;
  /** Default: the original load's mode, from its audit row. */
  mode?: LoadMode | undefined;
  /** Apply it again even though it already committed into the target (an upsert is idempotent; an append doubles the rows). */
  force?: boolean | undefined;
  /** Which duplicate wins, if not the original load's (its manifest records the orderBy it used). */
  orderBy?: string | undefined;
  onProgress?: ((p: Progress) => void) | undefined;
}

/** A replay that cannot run: names the load and what is missing or wrong. */
export class ReplayError extends UpshiftError {
  declare readonly code: 'REPLAY_REFUSED';
  override name = 'ReplayError';
  constructor(
    readonly loadId: string,
    message: string,
    /** committed: already applied to the target (force replays it); model: the target's model was not given; otherwise it can't be replayed as asked. */
    readonly reason: 'committed' | 'model' | 'refused' = 'refused',
    /** The table concerned, where one is known. */
    readonly table?: string,
  ) {
    super('REPLAY_REFUSED', message);
  }
}

interface AuditTrace {
  load_id: string;
  target_table: string;
  mode: string;
  source: string | null;
  stage_uris: string | null;
  status: string;
  started_at: unknown;
}

const MODES: readonly string[] = ['upsert', 'append', 'replace'];

const isModel = (v: unknown): v is TableModel =>
  typeof v === 'object' && v !== null && (v as TableModel).kind === 'upshift.table';

/** The source description of a replay; `committedReplays` finds replays of a load by it. */
const replaySource = (loadId: string, manifestUri: string) => `replay of ${loadId} from ${manifestUri}`;

/** The audit rows of a load id, oldest first; none when the audit table doesn't exist yet. */
async function auditRows(w: Warehouse, loadId: string): Promise<AuditTrace[]> {
  try {
    return await w.query<AuditTrace>(
      `SELECT load_id, target_table, mode, source, stage_uris, status, started_at FROM ${auditTableName(w)} WHERE load_id = $1 ORDER BY CASE WHEN status = 'running' THEN 1 ELSE 0 END, started_at`,
      [loadId],
    );
  } catch (err) {
    if ((err as { code?: string }).code === '42P01') return [];
    throw err;
  }
}

/** Succeeded loads into `table` that applied `loadId`'s files: the load itself, or a replay of it. */
async function commitsOf(w: Warehouse, loadId: string, table: string): Promise<AuditTrace[]> {
  try {
    return await w.query<AuditTrace>(
      `SELECT load_id, target_table, mode, source, stage_uris, status, started_at FROM ${auditTableName(w)} ` +
        `WHERE status = 'succeeded' AND target_table = $1 AND (load_id = $2 OR source LIKE $3) ORDER BY started_at`,
      [table, loadId, `${escapeLike(`replay of ${loadId} from `)}%`],
    );
  } catch (err) {
    if ((err as { code?: string }).code === '42P01') return [];
    throw err;
  }
}

/** The manifest of a load: in the stage's layout under its table, else beside its audited files, else searched by id. */
async function findManifest(
  w: Warehouse,
  loadId: string,
  trace: AuditTrace | undefined,
): Promise<{ uri: string; manifest: Manifest } | null> {
  const candidates: string[] = [];
  if (trace && w.stage.manifestUri) {
    const dot = trace.target_table.indexOf('.');
    candidates.push(
      w.stage.manifestUri(
        { schema: trace.target_table.slice(0, dot), name: trace.target_table.slice(dot + 1) },
        loadId,
      ),
    );
  }
  const firstFile = parseUris(trace?.stage_uris ?? null)[0];
  if (firstFile) candidates.push(`${firstFile.slice(0, firstFile.lastIndexOf('/'))}/manifest.json`);
  for (const uri of new Set(candidates)) {
    const manifest = await w.stage.readManifest(uri).catch(() => null);
    if (manifest) return { uri, manifest };
  }
  if (trace || !w.stage.findManifest) return null;
  const uri = await w.stage.findManifest(loadId);
  return uri ? { uri, manifest: await w.stage.readManifest(uri) } : null;
}

function parseUris(text: string | null): string[] {
  if (!text) return [];
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? v.filter((u): u is string => typeof u === 'string') : [];
  } catch {
    return [];
  }
}

/** What the manifest must say for the files to be read exactly as the original load read them. */
function replayLayout(
  loadId: string,
  uri: string,
  manifest: Manifest,
): Required<Pick<ManifestLoad, 'format' | 'columns' | 'ordered'>> & ManifestLoad {
  const load = manifest.upshift;
  const refuse = (why: string) =>
    new ReplayError(
      loadId,
      `load ${loadId} cannot be replayed: its manifest ${uri} ${why}; load its source again instead`,
    );
  if (!load)
    throw refuse(
      'was written before upshift recorded how to read a load back (no "upshift" entry with its columns, load order and format)',
    );
  if (load.version !== 1)
    throw refuse(`has an "upshift" entry of version ${JSON.stringify(load.version)}, which this upshift does not know`);
  if (!isCopyFormat(load.format))
    throw refuse(
      'does not say how its files are encoded (they were staged as they were, e.g. a trusted CSV or S3 files read in place)',
    );
  if (!Array.isArray(load.columns) || load.columns.length === 0 || !load.columns.every((c) => typeof c === 'string'))
    throw refuse('does not name the columns of its files');
  if (typeof load.ordered !== 'boolean') throw refuse('does not say whether its files carry the load order');
  if (manifest.entries.length === 0) throw refuse('names no files');
  return { ...load, format: load.format, columns: load.columns, ordered: load.ordered };
}

const isCopyFormat = (f: unknown): f is CopyFormat =>
  typeof f === 'object' &&
  f !== null &&
  ['csv', 'json', 'parquet'].includes((f as CopyFormat).kind) &&
  typeof (f as CopyFormat).gzip === 'boolean';

function targetModel(loadId: string, table: string, options: ReplayOptions): TableModel {
  if (options.into) return options.into;
  const models =
    options.models === undefined ? [] : Array.isArray(options.models) ? options.models : Object.values(options.models);
  const hit = (models as unknown[]).filter(isModel).find((m) => m.qualifiedName === table);
  if (hit) return hit;
  throw new ReplayError(
    loadId,
    `load ${loadId} was into ${table}: pass its model to replay it, db.replay('${loadId}', { into: model }) (or { models } with it among them)`,
    'model',
    table,
  );
}

/** Refuses files whose columns the target can't take, or whose binary encoding it would read differently. */
function checkFits(
  loadId: string,
  model: TableModel,
  layout: ManifestLoad & { columns: string[] },
  warehouse: Warehouse,
): void {
  const writable = new Set(loadColumns(model));
  const missing = layout.columns.filter((c) => !writable.has(c));
  if (missing.length) {
    throw new ReplayError(
      loadId,
      `load ${loadId} cannot be replayed into ${model.qualifiedName}: its files hold column(s) ${missing.map((c) => `"${c}"`).join(', ')}, which ${model.qualifiedName} does not have (or fills itself, like an identity)`,
    );
  }
  const binary = layout.columns.filter((c) => model.columns[c]!.spec.kind === 'varbyte');
  if (binary.length && layout.binary && layout.binary !== warehouse.dialect.capabilities.binaryFormat) {
    throw new ReplayError(
      loadId,
      `load ${loadId} cannot be replayed here: its VARBYTE column(s) ${binary.join(', ')} were written for ${layout.binary}, and this warehouse would read them as different bytes`,
    );
  }
}

/** The replay as a Source: it stages nothing, it hands the engine the original files as they are. */
function stagedSource(
  loadId: string,
  manifestUri: string,
  manifest: Manifest,
  layout: ReturnType<typeof replayLayout>,
  givenColumns?: string[],
): Source {
  return {
    describe: () => replaySource(loadId, manifestUri),
    // eslint-disable-next-line @typescript-eslint/require-await -- async so that columnWatch.file()'s refusal rejects the promise Source.prepare returns rather than throwing
    prepare: async (ctx): Promise<PreparedSource> => {
      // The columns the original partial upsert gave: only those are updated again.
      if (givenColumns) ctx.columnWatch?.file(givenColumns, manifestUri);
      const files = manifest.entries.map((e) => ({
        uri: e.url,
        bytes: e.meta?.content_length ?? 0,
        ...(e.meta?.record_count !== undefined ? { rows: e.meta.record_count } : {}),
      }));
      const dot = layout.target.indexOf('.');
      const staged: StagedLoad = {
        loadId,
        target: { schema: layout.target.slice(0, dot), name: layout.target.slice(dot + 1) },
        files,
        manifestUri,
        bytes: files.reduce((n, f) => n + f.bytes, 0),
        compression: compressionOfFormat(layout.format),
        ...(layout.rows !== undefined ? { rows: layout.rows } : {}),
      };
      // No distinctKeys: the dedupe always runs, by the files' own load order, as the original did.
      return { staged, format: layout.format, ordered: layout.ordered, columns: layout.columns };
    },
  };
}

/** Re-applies a past load from its kept manifest (see ReplayOptions). Resolves like a load; its audit row's source is `replay of <loadId> from <manifest>`. */
export async function replayLoad(
  warehouse: Warehouse,
  loadId: string,
  options: ReplayOptions = {},
): Promise<LoadResult> {
  try {
    loadIdDate(loadId);
  } catch (err) {
    throw new ReplayError(loadId, (err as Error).message);
  }
  const traces = await auditRows(warehouse, loadId);
  const trace = traces.at(-1);
  const found = await findManifest(warehouse, loadId, trace);
  if (!found) {
    const why = trace
      ? `its audit row (${trace.status}, into ${trace.target_table}) is there but its manifest is not: it never finished staging, or its files were deleted`
      : `there is no audit row for it in ${warehouse.auditSchema}.load_audit and no manifest for it in the stage`;
    throw new ReplayError(loadId, `load ${loadId} cannot be replayed: ${why}`);
  }
  const layout = replayLayout(loadId, found.uri, found.manifest);
  const original = trace?.target_table.trim() ?? layout.target;
  const model = targetModel(loadId, original, options);
  checkFits(loadId, model, layout, warehouse);
  const done = await commitsOf(warehouse, loadId, model.qualifiedName);
  if (done.length && !options.force) {
    const how = done
      .map((d) => (d.load_id.trim() === loadId ? `as load ${loadId}` : `replayed as load ${d.load_id.trim()}`))
      .join(', ');
    throw new ReplayError(
      loadId,
      `load ${loadId} already committed into ${model.qualifiedName} (${how}): replaying it would apply it again. Pass force: true (CLI: --force) to do so anyway`,
      'committed',
      model.qualifiedName,
    );
  }
  // The mode the load was made with (its manifest, else its audit row), else the one its last replay used.
  const intent = readIntent(layout.intent);
  const mode = options.mode ?? intent.mode ?? ((trace ?? done.at(-1))?.mode.trim() as LoadMode | undefined);
  if (!mode)
    throw new ReplayError(
      loadId,
      `load ${loadId} has no audit row to say its mode: pass mode ('upsert', 'append' or 'replace')`,
    );
  if (!MODES.includes(mode))
    throw new ReplayError(
      loadId,
      `mode ${JSON.stringify(mode)} is not a load mode: give 'upsert', 'append' or 'replace'`,
    );
  const { into: _i, models: _m, force: _f, ...load } = options;
  // A partial upsert stays partial (its files hold every column, the ones it didn't give as NULL), and an upsert keeps its orderBy.
  const partial = mode === 'upsert' && intent.partial === true;
  const orderBy = options.orderBy ?? (mode === 'upsert' ? intent.orderBy : undefined);
  return runLoad(
    warehouse,
    model,
    stagedSource(loadId, found.uri, found.manifest, layout, partial ? intent.givenColumns : undefined),
    {
      ...load,
      mode,
      ...(partial ? { partial: true } : {}),
      ...(orderBy !== undefined ? { orderBy } : {}),
    },
  );
}

/** The manifest's record of what the load asked for, each field checked (manifests are files anyone can edit). */
function readIntent(raw: LoadIntent | undefined): {
  mode?: LoadMode;
  partial?: boolean;
  givenColumns?: string[];
  orderBy?: string;
} {
  if (typeof raw !== 'object' || raw === null) return {};
  const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((c) => typeof c === 'string');
  return {
    ...(MODES.includes(raw.mode as LoadMode) ? { mode: raw.mode as LoadMode } : {}),
    ...(raw.partial === true ? { partial: true } : {}),
    ...(strings(raw.givenColumns) ? { givenColumns: raw.givenColumns } : {}),
    ...(typeof raw.orderBy === 'string' ? { orderBy: raw.orderBy } : {}),
  };
}
