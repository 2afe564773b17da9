// `upshift emulator ...`: starts the local Redshift emulator (src/emulator) until SIGINT/SIGTERM.
// Its arguments are the emulator's own (parsed by src/emulator/cli.ts), passed through as given.
import type { Command } from 'commander';
import { CliError, ExitCode } from '../exit-codes.js';
import { EMULATOR_PACKAGES, importFeature } from '../../optional.js';
import type { CommandContext } from '../context.js';

export function registerEmulator(
  program: Command,
  ctxFor: (cmd: Command) => Promise<CommandContext>,
  done: (code: number) => void,
) {
  program
    .command('emulator')
    .description('run a local Redshift (wire protocol over Postgres, COPY/UNLOAD via S3) for development and tests')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument(
      '[args...]',
      'emulator options: --port 5439 --host 127.0.0.1 --postgres URL --s3-endpoint URL --s3-region R --slices 2',
    )
    .action(async (_args: string[], _opts: unknown, cmd: Command) => {
      const ctx = await ctxFor(cmd);
      const argv = cmd.args;
      // the emulator's packages are optional peer dependencies: a missing one is named with the rest
      const { runEmulatorCli, EMULATOR_USAGE } = await importFeature(
        'The Redshift emulator',
        EMULATOR_PACKAGES,
        () => import('../../emulator/cli.js'),
      );
      if (argv.includes('--help') || argv.includes('-h')) {
        ctx.io.out(`${EMULATOR_USAGE}\n`);
        return done(ExitCode.OK);
      }
      let emulator: Awaited<ReturnType<typeof runEmulatorCli>>;
      try {
        emulator = await runEmulatorCli(argv, (line) => ctx.io.out(`${line}\n`));
      } catch (err) {
        const e = err as { code?: string; message: string };
        throw new CliError(
          e.message,
          /required|not a|Unknown option|unexpected/i.test(e.message) || e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
            ? ExitCode.USAGE
            : ExitCode.ERROR,
        );
      }
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await emulator.close();
      done(ExitCode.OK);
    });
}
