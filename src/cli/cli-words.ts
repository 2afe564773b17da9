// The library's errors name its options ({ orderBy }, partial: true, trusted); on the command
// line the same advice names the flags. And the CLI's own "load into <table> failed" line says
// the table once: the library's "Load into <table> failed at ..." prefix is folded into it.

import { databaseError, isConnectionFailure } from './context.js';
import { CliError, ExitCode } from './exit-codes.js';

// [library words, CLI words]: each a whole phrase, so ordinary prose is never rewritten.
const PHRASES: Array<[RegExp, string]> = [
  [/Pass \{ orderBy: "<column>" \}/g, 'Pass --order-by <column>'],
  [/\borderBy names "/g, '--order-by names "'],
  [/\borderBy picks the winner/g, '--order-by picks the winner'],
  [/or leave orderBy out/g, 'or leave --order-by out'],
  [/load with partial: true \(CLI --partial\)/g, 'load with --partial'],
  [/load with validate: true/g, 'load with --validate'],
  [/\(drop trusted\)/g, '(drop --trusted)'],
  [/drop trusted to /g, 'drop --trusted to '],
  [/the encoding option \(([^)]*)\)/g, '--encoding $1'],
  [/use mode 'append' or 'replace' otherwise/g, 'use --mode append or --mode replace otherwise'],
  [/Pass force: true \(CLI: --force\)/g, 'Pass --force'],
];

export function cliWords(message: string): string {
  let text = message;
  for (const [phrase, flag] of PHRASES) text = text.replace(phrase, flag);
  return text;
}

/** A load error's text without the table name the CLI's own line already gives. */
export function withoutTable(message: string, table: string): string {
  for (const prefix of [`Load into ${table} failed at `, `Load into ${table} failed: `, `${table}: `]) {
    if (message.startsWith(prefix)) return message.slice(prefix.length);
  }
  return message;
}

/** A failed load as the CLI reports it: the database being unreachable is exit 4, anything else the load's failure (9). */
export function loadFailure(err: unknown, table: string, verb: string): CliError {
  if (err instanceof CliError) return err;
  if (isConnectionFailure(err)) return databaseError(err, 'cannot connect to the database')!;
  return new CliError(
    `${verb}, the table is unchanged: ${cliWords(withoutTable((err as Error)?.message ?? String(err), table))}`,
    ExitCode.LOAD_FAILED,
  );
}
