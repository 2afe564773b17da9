// The public API of 'upshift': re-exports only. Each concern's folder owns its index.ts.
export * from './model/index.js';
export * from './stage/index.js';
