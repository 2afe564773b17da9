// What LocalStage and S3Stage differ in: where bytes go. Everything else (encoding, gzip,
// parts, manifest, list/delete by load id) is shared in stage-base.ts.
import type { Readable, Writable } from 'node:stream';

/** One staged object being written. */
export interface PartSink {
  /** s3://bucket/key or file:///path, once written. */
  readonly uri: string;
  /** S3 key or absolute local path, for errors. */
  readonly key: string;
  /** Where the object's bytes go. A storage failure destroys it with an UpshiftStageError. */
  readonly stream: Writable;
  /** The storage error that broke this object's stream, if any (an UpshiftStageError with the key). */
  failure(): Error | undefined;
  /** After `stream` finished: resolves once the object is complete under its final name. */
  commit(): Promise<void>;
  /** Best effort: abort an unfinished object (multipart upload, temp file) or remove a finished one. */
  discard(): Promise<void>;
}

export interface StoredObject {
  /** File name within the listed folder. */
  name: string;
  uri: string;
  bytes: number;
}

export interface WalkedObject {
  /** Path relative to the stage base, '/'-separated. */
  relPath: string;
  uri: string;
  bytes: number;
  modified: Date;
}

export interface StageBackend {
  /** Starts writing an object at `relPath` (relative to the stage base). */
  openPart(relPath: string): PartSink;
  /** Writes a small object in one go (the manifest), so it appears whole or not at all. */
  putSmall(relPath: string, body: string, contentType: string): Promise<string>;
  read(uri: string): Promise<Readable>;
  /** The objects directly in a folder (relative to the base), sorted by name. */
  list(relDir: string): Promise<StoredObject[]>;
  /** Every object under a folder (relative to the base), recursively, hidden temp files included (gc and replay by load id need it). */
  walk?(relDir: string): Promise<WalkedObject[]>;
  /** The sub-folders directly in a folder (relative to the base), sorted by name. */
  listFolders?(relDir: string): Promise<string[]>;
  /** Removes objects; missing ones are fine. */
  remove(relPaths: string[]): Promise<void>;
  /** Drops what is left of a folder after its objects were removed (local: the empty dir). */
  removeDir(relDir: string): Promise<void>;
  uriOf(relPath: string): string;
}
