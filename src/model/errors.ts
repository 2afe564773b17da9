/** A model that Redshift would refuse, found when the model is defined. */
export class ModelDefinitionError extends Error {
  override name = 'ModelDefinitionError';
}

const MAX_VALUE_CHARS = 80;

/** Shows a value in an error message: JSON-ish, truncated so a 16 MB value can't flood a log. */
export function showValue(value: unknown): string {
  let text: string;
  if (typeof value === 'bigint') text = `${value}n`;
  else if (value instanceof Date) text = Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  else if (value instanceof Uint8Array) text = `<${value.length} bytes>`;
  else if (value === undefined) text = 'undefined';
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS)}… (${text.length} chars)` : text;
}

/** A row that breaks a column's rule. Names the row, the column, the value and the rule. */
export class RowValidationError extends Error {
  override name = 'RowValidationError';
  constructor(
    readonly rowIndex: number,
    readonly column: string,
    readonly value: unknown,
    readonly rule: string,
    detail: string,
    readonly table?: string,
  ) {
    super(`${table ? `${table}: ` : ''}row ${rowIndex}, column "${column}": ${detail} (value ${showValue(value)}; rule: ${rule})`);
  }
}
