// Redshift's dialect: its own types (SUPER, VARBYTE, GEOMETRY, ...), encodings, distribution and
// sort keys, backslash escapes in literals, and an ALTER TABLE that changes little in place.
import { quoteIdent } from '../sql/identifiers.js';
import { redshiftLiteral, redshiftLiterals } from '../sql/literals.js';
import type { TableModel } from '../model/table.js';
import { defineDialect } from './ddl.js';

function tableClauses(table: TableModel): string[] {
  const o = table.options;
  const out: string[] = [];
  if (!o.backup) out.push('BACKUP NO');
  if (o.distStyle) out.push(`DISTSTYLE ${o.distStyle.toUpperCase()}`);
  if (o.distKey) out.push(`DISTKEY (${quoteIdent(o.distKey)})`);
  if (o.sortKey === 'auto') out.push('SORTKEY AUTO');
  else if (o.sortKey)
    out.push(`${o.sortKey.style.toUpperCase()} SORTKEY (${o.sortKey.columns.map(quoteIdent).join(', ')})`);
  return out;
}

const VACUUM_KINDS = { 'delete only': 'DELETE ONLY', 'sort only': 'SORT ONLY', full: 'FULL' } as const;

/** Redshift's dialect. */
export const redshiftDialect = defineDialect({
  name: 'redshift',
  maxIdentifierBytes: 127,
  types: {
    varcharMax: 'VARCHAR(MAX)',
    time: 'TIME',
    timetz: 'TIMETZ',
    timestamp: 'TIMESTAMP',
    timestamptz: 'TIMESTAMPTZ',
    super: 'SUPER',
    varbyte: (bytes) => `VARBYTE(${bytes})`,
    geometry: 'GEOMETRY',
    geography: 'GEOGRAPHY',
    hllsketch: 'HLLSKETCH',
  },
  defaults: {
    expression: (d) => d.sql,
    bytes: (hex) => `FROM_HEX(${redshiftLiteral(hex)})`,
    json: (text) => `JSON_PARSE(${redshiftLiteral(text)})`,
  },
  capabilities: {
    binaryFormat: 'redshift',
    copiesFromS3: true,
    encodings: true,
    distAndSortKeys: true,
    alterInPlace: false,
    explicitIdentityValues: false,
    renamesConstraints: false,
  },
  introspection: { recognises: (version) => /redshift/i.test(version) },
  literals: redshiftLiterals,
  identitySql: (seed, step) => `IDENTITY(${seed},${step})`,
  // checkIdentifier already holds every model name to Redshift's 127 bytes.
  checkTable: () => undefined,
  tableClauses,
  // Distributed like the target, so the merge joins locally.
  tempTableClauses: (table, columns) => {
    const distKey = table.options.distKey;
    return distKey && columns.includes(distKey) ? [`DISTKEY (${quoteIdent(distKey)})`] : [];
  },
  lockTableSql: (table) => `LOCK ${table}`,
  // Redshift plans temp tables from the COPY's row count; a full ANALYZE would cost more than it saves.
  analyzeTempSql: () => [],
  // Redshift has no CREATE INDEX: its sort keys do that work.
  createIndexSql: () => null,
  vacuumSql: (table, mode) => `VACUUM ${VACUUM_KINDS[mode]} ${table}`,
});
