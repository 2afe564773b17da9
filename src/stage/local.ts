// LocalStage: the same layout as S3, under a folder, with file:// URIs. Parts are written to
// hidden temp names and renamed when complete; the manifest is renamed into place last, so a
// crash mid-load leaves at most temp files that no manifest names.
import { UpshiftConfigError } from '../config.js';
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { mkdir, readdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Readable } from 'node:stream';
import type { PartSink, StageBackend, StoredObject, WalkedObject } from './backend.js';
import { describeError, UpshiftStageError, type StageOperation } from './errors.js';
import { StageBase, type PartOptions } from './stage-base.js';

export interface LocalStageOptions extends PartOptions {
  /** The folder that holds staged loads (created when needed). Relative paths resolve against the cwd. */
  dir: string;
}

const tempName = (path: string): string =>
  join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);

class LocalBackend implements StageBackend {
  constructor(readonly root: string) {}

  private pathOf(relPath: string): string {
    return join(this.root, ...relPath.split('/'));
  }

  uriOf(relPath: string): string {
    return pathToFileURL(this.pathOf(relPath)).href;
  }

  private fail(op: StageOperation, path: string, err: unknown): UpshiftStageError {
    if (err instanceof UpshiftStageError) return err;
    return new UpshiftStageError(
      op,
      path,
      pathToFileURL(path).href,
      `local stage ${op} of ${path} failed: ${describeError(err)}`,
      { cause: err },
    );
  }

  openPart(relPath: string): PartSink {
    const path = this.pathOf(relPath);
    const temp = tempName(path);
    const fail = (err: unknown) => this.fail('write', path, err);
    try {
      mkdirSync(dirname(path), { recursive: true }); // once per part: sync keeps the open ordered
    } catch (err) {
      throw fail(err);
    }
    const stream = createWriteStream(temp, { flags: 'wx', highWaterMark: 64 * 1024 });
    let failure: UpshiftStageError | undefined;
    stream.on('error', (err) => (failure ??= fail(err)));
    return {
      uri: pathToFileURL(path).href,
      key: path,
      stream,
      failure: () => failure,
      commit: async () => {
        try {
          await rename(temp, path);
        } catch (err) {
          throw fail(err);
        }
      },
      discard: async () => {
        // Wait for the close: a destroy before the lazy open finished would otherwise create
        // the temp file after we removed it.
        if (!stream.closed) await new Promise((done) => stream.destroy().once('close', () => done(undefined)));
        await rm(temp, { force: true });
        await rm(path, { force: true });
      },
    };
  }

  async putSmall(relPath: string, body: string): Promise<string> {
    const path = this.pathOf(relPath);
    const temp = tempName(path);
    try {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(temp, body, { flag: 'wx' });
      await rename(temp, path);
    } catch (err) {
      await rm(temp, { force: true }).catch(() => {});
      throw this.fail('manifest', path, err);
    }
    return pathToFileURL(path).href;
  }

  async read(uri: string): Promise<Readable> {
    let path: string;
    try {
      path = fileURLToPath(uri);
    } catch {
      throw new UpshiftStageError(
        'read',
        uri,
        uri,
        `local stage can only read file:// URIs inside ${this.root}, got ${uri}`,
      );
    }
    const rel = relative(this.root, path);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
      throw new UpshiftStageError(
        'read',
        path,
        uri,
        `local stage can only read files inside ${this.root}, not ${path}`,
      );
    }
    const stream = createReadStream(path);
    await new Promise<void>((ok, bad) => {
      stream.once('open', () => ok());
      stream.once('error', (err) => bad(this.fail('read', path, err)));
    });
    return stream;
  }

  async list(relDir: string): Promise<StoredObject[]> {
    const dir = this.pathOf(relDir);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw this.fail('list', dir, err);
    }
    const out: StoredObject[] = [];
    for (const name of names.filter((n) => !n.startsWith('.')).sort()) {
      const path = join(dir, name);
      const s = await stat(path);
      if (s.isFile()) out.push({ name, uri: pathToFileURL(path).href, bytes: s.size });
    }
    return out;
  }

  async walk(relDir: string): Promise<WalkedObject[]> {
    const dir = this.pathOf(relDir);
    let entries;
    try {
      entries = await readdir(dir, { recursive: true, withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw this.fail('list', dir, err);
    }
    const out: WalkedObject[] = [];
    for (const e of entries) {
      if (!e.isFile()) continue;
      const path = join(e.parentPath, e.name);
      // A file removed meanwhile (a load finishing its temp file) is simply not there any more.
      const s = await stat(path).catch(() => undefined);
      if (s)
        out.push({
          relPath: relative(this.root, path).split(sep).join('/'),
          uri: pathToFileURL(path).href,
          bytes: s.size,
          modified: s.mtime,
        });
    }
    return out.sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
  }

  async listFolders(relDir: string): Promise<string[]> {
    const dir = this.pathOf(relDir);
    try {
      return (await readdir(dir, { withFileTypes: true }))
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
        .sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw this.fail('list', dir, err);
    }
  }

  async remove(relPaths: string[]): Promise<void> {
    for (const rel of relPaths) {
      const path = this.pathOf(rel);
      await rm(path, { force: true }).catch((err: unknown) => {
        throw this.fail('delete', path, err);
      });
    }
  }

  async removeDir(relDir: string): Promise<void> {
    // Only an empty folder: hidden temp files of a load still being written keep it.
    await rmdir(this.pathOf(relDir)).catch(() => {});
  }
}

/** Stages loads in a local folder: `<dir>/<schema>.<table>/<yyyy>/<mm>/<dd>/<loadId>/part-00000.csv.gz` + manifest.json. */
export class LocalStage extends StageBase {
  readonly kind = 'local' as const;
  protected readonly backend: LocalBackend;
  /** The absolute folder. */
  readonly dir: string;

  constructor(options: LocalStageOptions) {
    super(options, 1);
    if (!options || typeof options.dir !== 'string' || options.dir === '')
      throw new UpshiftConfigError("LocalStage needs a folder: new LocalStage({ dir: '.upshift/stage' })");
    this.dir = resolve(options.dir);
    this.backend = new LocalBackend(this.dir.endsWith(sep) ? this.dir.slice(0, -1) : this.dir);
  }
}
