#!/usr/bin/env node
// The `upshift` binary (package.json "bin"). Everything lives in main.ts, which tests call too.
import { main } from './main.js';

// `upshift audit | head`: a closed pipe ends the output, not the process with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

process.exitCode = await main(process.argv.slice(2));
