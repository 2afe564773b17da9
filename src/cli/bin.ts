#!/usr/bin/env node
// The `upshift` binary (package.json "bin"). Everything lives in main.ts, which tests call too.
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
