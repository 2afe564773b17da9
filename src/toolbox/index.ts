export { compileUnloadQuery } from './query.js';
export type { UnloadQuery, CompilableQuery, SqlWithParams } from './query.js';
export { unloadCopyFormat, unloadViaExport, checkUnloadOptions } from './unload.js';
export type { UnloadOptions, UnloadResult, UnloadFormat, QueryExporter } from './unload.js';
export type { UnloadedFile } from './parts.js';
export type { ExportField } from './parquet.js';
export { resolveUnloadTarget } from './output.js';
export { UnloadError } from './errors.js';
