// How much of its input a source has read, beside what it staged: with the input's size known
// (a local file's, the S3 objects' sum) a progress display can show a percentage and an ETA.
import type { Progress } from '../stage/types.js';
import type { SourceContext } from '../engine/source.js';

export interface InputProgress {
  /** The context to stage with: its progress reports carry inputBytes and inputTotal. */
  ctx: SourceContext;
  /** Counts bytes read from the input (raw, as stored: compressed bytes for a compressed file). */
  count: (bytes: number) => void;
}

export function withInputProgress(ctx: SourceContext, total: number): InputProgress {
  let read = 0;
  const report = ctx.onProgress;
  if (!report) return { ctx, count: () => undefined };
  return {
    ctx: { ...ctx, onProgress: (p: Progress) => report({ ...p, inputBytes: read, inputTotal: total }) },
    count: (bytes) => {
      read += bytes;
    },
  };
}
