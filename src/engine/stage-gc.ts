// Stage garbage collection: removes what loads that never committed left in the stage (parts,
// manifests), leftover temp files, and old spill folders a killed load left in the temp folder.
// A load counts as committed when its audit row, or a replay of it, succeeded: those files are
// the audit record and stay. Only files older than the given age go, so loads still running
// (whose files keep changing) are never touched.
import { UpshiftConfigError } from '../config.js';
import { UnsupportedError } from '../errors.js';
import { readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { auditTableName } from './audit.js';
import { SPILL_PREFIX } from '../stage/parts.js';
import type { InventoryObject, Stage } from '../stage/types.js';
import type { Warehouse } from '../warehouse/warehouse.js';

export interface StageGcOptions {
  /** Only what has not changed for this long (milliseconds). */
  olderThanMs: number;
  /** Say what would go, remove nothing. */
  dryRun?: boolean | undefined;
  now?: Date | undefined;
  /** Where spill folders are looked for (default: the stage's spillDir, else the system temp folder); null skips them. */
  spillRoot?: string | null | undefined;
}

export interface GcItem {
  uri: string;
  bytes: number;
}

export interface StageGcResult {
  dryRun: boolean;
  /** Loads that never committed, older than the age: every file of each (parts and manifest). */
  loads: Array<{ loadId: string; target: string; hadManifest: boolean; files: GcItem[] }>;
  tempFiles: GcItem[];
  /** Spill folders (file:// URIs) with the bytes of the files in them. */
  spillFolders: GcItem[];
  /** Load folders left alone: committed (the audit record), or changed too recently. */
  kept: { committed: number; recent: number };
  /** Everything above, counted: objects (files; a spill folder counts as one) and bytes. */
  removed: { objects: number; bytes: number };
}

type GcStage = Stage & Required<Pick<Stage, 'inventory' | 'removeStaged'>> & { spillDir?: string | undefined };

function gcCapable(stage: Stage): GcStage {
  if (!stage.inventory || !stage.removeStaged)
    throw new UnsupportedError(
      'this stage cannot list and remove its objects, which stage gc needs (LocalStage and S3Stage can)',
    );
  return stage as GcStage;
}

/** Load ids whose files were applied by a succeeded load: the load itself, or a replay of it. */
async function committedLoads(warehouse: Warehouse, ids: readonly string[]): Promise<Set<string>> {
  const table = auditTableName(warehouse);
  const committed = new Set<string>();
  try {
    for (let i = 0; i < ids.length; i += 500) {
      const batch = ids.slice(i, i + 500);
      const rows = await warehouse.query<{ load_id: string }>(
        `SELECT DISTINCT load_id FROM ${table} WHERE status = 'succeeded' AND load_id IN (${batch.map((_, j) => `$${j + 1}`).join(', ')})`,
        batch,
      );
      for (const r of rows) committed.add(String(r.load_id).trim());
    }
    const replays = await warehouse.query<{ source: string }>(
      `SELECT DISTINCT source FROM ${table} WHERE status = 'succeeded' AND source LIKE 'replay of %'`,
    );
    for (const r of replays) {
      const m = /^replay of (\S+) from /.exec(String(r.source));
      if (m) committed.add(m[1]!);
    }
  } catch (err) {
    if ((err as { code?: string }).code === '42P01') {
      // Without the audit table nothing tells committed loads from the others: delete nothing.
      throw new UpshiftConfigError(
        `no audit table ${warehouse.auditSchema}.load_audit: stage gc can't tell committed loads (whose files are their audit record) from the others, so it removes nothing. Check the audit schema`,
      );
    }
    throw err;
  }
  return committed;
}

const newest = (objects: readonly InventoryObject[]): number => Math.max(...objects.map((o) => o.modified.getTime()));
const item = (o: InventoryObject): GcItem => ({ uri: o.uri, bytes: o.bytes });

/** Spill folders older than the cutoff (by their newest file), with their sizes. */
async function oldSpillFolders(root: string, cutoff: number): Promise<Array<GcItem & { path: string }>> {
  const names = await readdir(root, { withFileTypes: true }).catch(() => []);
  const out: Array<GcItem & { path: string }> = [];
  for (const e of names) {
    if (!e.isDirectory() || !e.name.startsWith(SPILL_PREFIX)) continue;
    const path = join(root, e.name);
    const dir = await stat(path).catch(() => undefined);
    if (!dir) continue;
    let latest = dir.mtimeMs;
    let bytes = 0;
    for (const f of await readdir(path).catch(() => [] as string[])) {
      const s = await stat(join(path, f)).catch(() => undefined);
      if (!s) continue;
      latest = Math.max(latest, s.mtimeMs);
      bytes += s.size;
    }
    if (latest < cutoff) out.push({ path, uri: pathToFileURL(path).href, bytes });
  }
  return out;
}

/** Removes (or, dry, lists) what loads that never committed left behind, older than `olderThanMs`. */
export async function gcStage(warehouse: Warehouse, options: StageGcOptions): Promise<StageGcResult> {
  if (!Number.isFinite(options.olderThanMs) || options.olderThanMs < 0)
    throw new RangeError(`olderThanMs must be a non-negative number of milliseconds, got ${options.olderThanMs}`);
  const stage = gcCapable(warehouse.stage);
  const cutoff = (options.now ?? new Date()).getTime() - options.olderThanMs;
  const dryRun = options.dryRun ?? false;
  const inventory = await stage.inventory();
  const committed = await committedLoads(warehouse, [...new Set(inventory.loads.map((l) => l.loadId))]);
  const result: StageGcResult = {
    dryRun,
    loads: [],
    tempFiles: [],
    spillFolders: [],
    kept: { committed: 0, recent: 0 },
    removed: { objects: 0, bytes: 0 },
  };
  const doomed: InventoryObject[] = [];
  for (const load of inventory.loads) {
    if (committed.has(load.loadId)) result.kept.committed++;
    else if (newest(load.objects) >= cutoff) result.kept.recent++;
    else {
      result.loads.push({
        loadId: load.loadId,
        target: load.target,
        hadManifest: load.hasManifest,
        files: load.objects.map(item),
      });
      // Manifest first: a removal cut short never leaves a manifest naming missing parts.
      doomed.push(
        ...load.objects.filter((o) => o.relPath.endsWith('/manifest.json')),
        ...load.objects.filter((o) => !o.relPath.endsWith('/manifest.json')),
      );
    }
  }
  const oldTemp = inventory.tempFiles.filter((o) => o.modified.getTime() < cutoff);
  result.tempFiles = oldTemp.map(item);
  doomed.push(...oldTemp);
  const spillRoot = options.spillRoot === null ? undefined : (options.spillRoot ?? stage.spillDir ?? tmpdir());
  const spills = spillRoot ? await oldSpillFolders(spillRoot, cutoff) : [];
  result.spillFolders = spills.map(({ uri, bytes }) => ({ uri, bytes }));
  result.removed = {
    objects: doomed.length + spills.length,
    bytes: doomed.reduce((n, o) => n + o.bytes, 0) + spills.reduce((n, s) => n + s.bytes, 0),
  };
  if (!dryRun) {
    if (doomed.length) await stage.removeStaged(doomed.map((o) => o.relPath));
    for (const s of spills) await rm(s.path, { recursive: true, force: true });
  }
  return result;
}
