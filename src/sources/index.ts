export { fromInMemory } from './in-memory.js';
export type { RowInput, TupleRow } from './in-memory.js';
export type { Source, SourceContext, PreparedSource } from './types.js';
