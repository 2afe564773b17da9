// GetStatementResult (typed Fields) and GetStatementResultV2 (CSV), a page at a time: a page
// holds rows up to a byte budget, and NextToken names where the next one starts.
import { AwsError, validation } from '../aws/protocol.js';
import { csvRow, rowBytes, toField } from './results.js';
import type { Statement, StatementStore, SubStatement } from './statements.js';

export function getStatementResult(
  store: StatementStore,
  body: Record<string, unknown>,
  pageBytes: number,
  format: 'JSON' | 'CSV',
): Record<string, unknown> {
  const { st, sub } = store.find(body.Id);
  const s = resultOf(st, sub, format);
  const shape = s.shape!;
  const [from, to] = page(s, readToken(body.NextToken, s.id), pageBytes);
  const rows = s.rows.slice(from, to);
  const next = to < s.rows.length ? token(s.id, to) : undefined;
  const common = { ColumnMetadata: shape.columns, TotalNumRows: s.rows.length, NextToken: next };
  if (format === 'CSV')
    return { ...common, ResultFormat: 'CSV', Records: [{ CSVRecords: rows.map((r) => csvRow(r) + '\n').join('') }] };
  return { ...common, Records: rows.map((r) => r.map((v, i) => toField(shape.kinds[i]!, v))) };
}

function resultOf(st: Statement, sub: SubStatement | undefined, format: 'JSON' | 'CSV'): SubStatement {
  if (st.batch && !sub) throw validation('This Id is a batch: name one of its statements, with the suffix :1, :2...');
  if (st.resultFormat !== format)
    throw validation(
      st.resultFormat === 'CSV'
        ? 'The statement ran with ResultFormat CSV: read its result with GetStatementResultV2.'
        : 'The statement ran with ResultFormat JSON: read its result with GetStatementResult.',
    );
  const s = sub ?? st.subs[0]!;
  if (s.status !== 'FINISHED' || !s.hasResultSet || !s.shape)
    throw new AwsError(
      'ResourceNotFoundException',
      'Query does not have result. Please check query status with DescribeStatement.',
      404,
      { ResourceId: s.id },
    );
  return s;
}

/** Rows [from, to) of the page starting at `from`: at least one row, then up to the byte budget. */
function page(s: SubStatement, from: number, pageBytes: number): [number, number] {
  let to = from;
  let bytes = 0;
  while (to < s.rows.length) {
    bytes += rowBytes(s.rows[to]!);
    if (to > from && bytes > pageBytes) break;
    to++;
  }
  return [from, to];
}

const token = (id: string, offset: number): string => Buffer.from(`${id}|${offset}`).toString('base64url');

function readToken(v: unknown, id: string): number {
  if (v === undefined || v === null) return 0;
  const [tokenId, offset] = (typeof v === 'string' ? Buffer.from(v, 'base64url').toString() : '').split('|');
  if (tokenId !== id || offset === undefined || !/^\d+$/.test(offset)) throw validation('Invalid NextToken.');
  return Number(offset);
}
