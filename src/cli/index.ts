// For upshift.config.ts files and programs that drive the CLI.
export { defineConfig, type UpshiftCliConfig } from '../engine/project-config.js';
export { main, type MainOptions } from './main.js';
export { ExitCode, CliError } from './exit-codes.js';
