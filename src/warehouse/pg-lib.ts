// pg and pg-copy-streams, loaded with the first connection or COPY rather than with 'upshift'
// (see ../lazy.ts). Types still come from `import type pg from 'pg'` at each use.
import type pg from 'pg';
import type * as PgCopyStreams from 'pg-copy-streams';
import { lazyModule, requireHere } from '../lazy.js';

export const pgLib = lazyModule<typeof pg>(() => requireHere('pg') as typeof pg);

const copyStreams = () => requireHere('pg-copy-streams') as typeof PgCopyStreams;
export const copyFrom: typeof PgCopyStreams.from = (...args) => copyStreams().from(...args);
export const copyTo: typeof PgCopyStreams.to = (...args) => copyStreams().to(...args);
