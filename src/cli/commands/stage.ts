// `upshift stage gc --older-than 7d [--dry-run]`: removes staged files of loads that never
// committed (no succeeded audit row, nor a succeeded replay), leftover temp files and old spill
// folders, and prints what it removed. Committed loads' files stay: they are the audit record.
import type { Command } from 'commander';
import { CliError, ExitCode } from '../exit-codes.js';
import type { CommandContext, Run } from '../context.js';
import { openDatabase } from '../open-database.js';

interface GcFlags {
  olderThan: string;
  dryRun?: boolean;
  json?: boolean;
}

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** '30m', '12h', '7d', '2w' as milliseconds. */
export function parseAge(text: string): number {
  const m = /^(\d+)\s*([mhdw])$/.exec(text.trim());
  if (!m)
    throw new CliError(`--older-than ${JSON.stringify(text)}: give an age like 30m, 12h, 7d or 2w`, ExitCode.USAGE);
  return Number(m[1]) * UNITS[m[2]!]!;
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

async function gc(ctx: CommandContext, flags: GcFlags): Promise<number> {
  const olderThanMs = parseAge(flags.olderThan);
  const { gcStage } = await import('../../engine/index.js');
  const db = await openDatabase(ctx);
  try {
    const r = await gcStage(db, { olderThanMs, ...(flags.dryRun ? { dryRun: true } : {}) });
    if (flags.json) {
      ctx.io.out(`${JSON.stringify(r)}\n`);
      return ExitCode.OK;
    }
    const verb = r.dryRun ? 'would remove' : 'removed';
    ctx.io.out(
      `${verb} ${r.removed.objects} object(s), ${mb(r.removed.bytes)} (${r.removed.bytes} bytes): ${r.loads.length} load(s) that never committed, ` +
        `${r.tempFiles.length} temp file(s), ${r.spillFolders.length} spill folder(s); kept ${r.kept.committed} committed load(s), ${r.kept.recent} changed in the last ${flags.olderThan}\n`,
    );
    for (const load of r.loads) {
      ctx.io.out(`  load ${load.loadId} (${load.target}${load.hadManifest ? '' : ', no manifest'}):\n`);
      for (const f of load.files) ctx.io.out(`    ${f.uri} (${f.bytes} bytes)\n`);
    }
    for (const f of [...r.tempFiles, ...r.spillFolders]) ctx.io.out(`  ${f.uri} (${f.bytes} bytes)\n`);
    return ExitCode.OK;
  } catch (err) {
    if ((err as Error).message?.startsWith('no audit table'))
      throw new CliError((err as Error).message, ExitCode.CONFIG);
    throw err;
  } finally {
    await db.close();
  }
}

export function registerStage(program: Command, run: Run) {
  const stage = program.command('stage').description('manage the stage where loads keep their files');
  stage
    .command('gc')
    .description('remove staged files of loads that never committed, leftover temp files and old spill folders')
    .requiredOption('--older-than <age>', 'only what has not changed for this long: 30m, 12h, 7d, 2w')
    .option('--dry-run', 'list what would be removed, remove nothing')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  upshift stage gc --older-than 7d --dry-run\n  upshift stage gc --older-than 30d',
    )
    .action(run<GcFlags>((ctx, flags) => gc(ctx, flags)));
}
