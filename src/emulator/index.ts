// upshift/emulator: a local Redshift. A Postgres wire-protocol server in front of a real Postgres
// that speaks Redshift's dialect where it differs (DDL, COPY/UNLOAD through S3, system tables,
// errors). It imports nothing from the loader: it tests the loader from the outside.
export { startRedshiftEmulator, type RedshiftEmulator, type RedshiftEmulatorOptions } from './server.js';
export { runEmulatorCli, parseEmulatorArgs, EMULATOR_USAGE, type EmulatorCliOptions } from './cli.js';
export { REDSHIFT_VERSION } from './catalog.js';
export type { DataApiOptions, AwsControl } from './aws/start.js';
export type { AwsRequest, AwsService } from './aws/server.js';
export type { CredentialsFailure, CredentialsOptions } from './iam/credentials.js';
export type { DataApiServiceOptions } from './data-api/service.js';
export type { TargetOptions } from './data-api/target.js';
