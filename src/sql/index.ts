// SQL text: identifiers, literals per dialect, `$n` parameters inlined. Stands on nothing of upshift.
export { quoteIdent, qualifiedName } from './identifiers.js';
export { postgresLiteral, redshiftLiteral, postgresLiterals, redshiftLiterals } from './literals.js';
export type { LiteralQuoter, SqlLiterals } from './literals.js';
export { inlineParameters } from './parameters.js';
export type { QueryParam } from './parameters.js';
