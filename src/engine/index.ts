export { PostgresDatabase, RedshiftDatabase, PgliteDatabase } from './databases.js';
export type { PgliteDatabaseOptions } from './databases.js';
export { BoundTable } from './table.js';
export { runLoad } from './load.js';
export type { LoadOptions, LoadResult } from './load.js';
export { buildLoadPlan } from './plan.js';
export type { LoadMode, PlanInput } from './plan.js';
export { auditModel, ensureAuditTable } from './audit.js';
export type { AuditRecord, AuditStatus } from './audit.js';
