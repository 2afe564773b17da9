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
  else if (value instanceof Uint8Array) {
    const hex = Buffer.from(value.buffer, value.byteOffset, Math.min(value.length, 16)).toString('hex');
    text = `<${value.length} bytes: ${hex}${value.length > 16 ? '…' : ''}>`;
  }
  else if (value === undefined) text = 'undefined';
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  if (text.length <= MAX_VALUE_CHARS) return text;
  // Don't cut a surrogate pair in half: the message would carry a lone surrogate.
  const cut = /[\uD800-\uDBFF]/.test(text[MAX_VALUE_CHARS - 1]!) ? MAX_VALUE_CHARS - 1 : MAX_VALUE_CHARS;
  return `${text.slice(0, cut)}… (${text.length} chars)`;
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
