// The public API of 'upshift': re-exports only. Each concern's folder owns its index.ts.
export * from './errors.js';
export * from './sql/index.js';
export * from './model/index.js';
export * from './stage/index.js';
export * from './warehouse/index.js';
export * from './engine/index.js';
export * from './sources/index.js';
export * from './s3/index.js';
export * from './toolbox/index.js';
export { defineConfig, type UpshiftCliConfig } from './engine/project-config.js';
export { MissingDependencyError } from './optional.js';
