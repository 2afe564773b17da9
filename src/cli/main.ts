// The `upshift` command line: commander parses, each command returns an exit code, and every
// failure becomes one `upshift: <message>` line on stderr with a documented exit code.
import { Command, CommanderError } from 'commander';
import { loadConfig, resolveSettings } from './config.js';
import { ExitCode, exitCodeOf } from './exit-codes.js';
import { asMissingDependency } from '../optional.js';
import type { CommandContext, Io, Run } from './context.js';
import { registerAudit } from './commands/audit.js';
import { registerCodegen } from './commands/codegen.js';
import { registerEmulator } from './commands/emulator.js';
import { registerLoad } from './commands/load.js';
import { registerMigrate } from './commands/migrate.js';
import { registerReplay } from './commands/replay.js';
import { registerStage } from './commands/stage.js';

export interface MainOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  io?: Io;
}

const processIo: Io = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  isTTY: Boolean(process.stderr.isTTY),
};

export const VERSION = '0.1.0';

/** Runs the CLI; resolves with the exit code (it never calls process.exit itself). */
export async function main(argv: readonly string[], opts: MainOptions = {}): Promise<number> {
  const cwd = opts.cwd ?? process.cwd();
  const env = opts.env ?? process.env;
  const io = opts.io ?? processIo;
  let exitCode: number = ExitCode.OK;

  const program = new Command('upshift')
    .description('Typed, staged, audited loads into Amazon Redshift (and Postgres) - codegen, migrations, loads, audit')
    .version(VERSION, '-V, --version')
    .option(
      '-c, --config <file>',
      'config file (default: the nearest upshift.config.ts here or in a parent folder; env UPSHIFT_CONFIG)',
    )
    .option(
      '--database-url <url>',
      'the database: postgres://user:password@host/db, redshift-iam://[dbUser@]host/db?... (IAM logins) or redshift-data://workgroup|cluster/<name>/<db>?... (the Data API); env UPSHIFT_DATABASE_URL, else DATABASE_URL',
    )
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .exitOverride()
    .addHelpText(
      'after',
      `\nExit codes: 0 ok, 1 unexpected error, 2 usage, 3 configuration, 4 database, 5 drift (codegen --check),\n` +
        `6 refused (migrate generate), 7 migration failed, 8 migration lock timeout, 9 load failed.`,
    );

  const context = async (cmd: Command): Promise<CommandContext> => {
    const g = cmd.optsWithGlobals<{ config?: string; databaseUrl?: string }>();
    const { config, file, found } = await loadConfig(g.config, cwd, env);
    const flags = {
      ...(g.databaseUrl ? { databaseUrl: g.databaseUrl } : {}),
      ...(file ? { configFile: file } : {}),
      ...(found ? { found } : {}),
    };
    return { settings: resolveSettings(config, flags, cwd, env), io };
  };
  // Wraps a command body: (ctx, flags, ...positional) -> exit code.
  const run: Run =
    <F>(fn: (ctx: CommandContext, flags: F, ...args: string[]) => Promise<number>) =>
    async (...args: unknown[]) => {
      const cmd = args[args.length - 1] as Command;
      const flags = args[args.length - 2] as F;
      const positional = args.slice(0, -2) as string[];
      exitCode = await fn(await context(cmd), flags, ...positional);
    };

  registerCodegen(program, run);
  registerMigrate(program, run);
  registerAudit(program, run);
  registerLoad(program, run);
  registerReplay(program, run);
  registerStage(program, run);
  registerEmulator(program, context, (code) => (exitCode = code));
  const applyOverride = (c: Command) => {
    c.exitOverride();
    c.configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
    c.commands.forEach(applyOverride);
  };
  program.commands.forEach(applyOverride);

  try {
    if (argv.length === 0) {
      program.outputHelp();
      return ExitCode.USAGE;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help')
        return ExitCode.OK;
      return ExitCode.USAGE; // commander already printed the message
    }
    // a command whose optional package is not installed (commands load their modules lazily)
    const known = asMissingDependency(err) ?? err;
    const code = exitCodeOf(known);
    if (code !== undefined) {
      io.err(`upshift: ${(known as Error).message}\n`);
      return code;
    }
    const e = err as Error;
    io.err(`upshift: unexpected error: ${e?.stack ?? String(err)}\n`);
    return ExitCode.ERROR;
  }
}
