import { UpshiftError } from '../errors.js';
import { inspect, type InspectOptions } from 'node:util';

/** A model that Redshift would refuse, found when the model is defined. */
export class ModelDefinitionError extends UpshiftError {
  declare readonly code: 'MODEL_INVALID';
  override name = 'ModelDefinitionError';
  constructor(message: string, options?: ErrorOptions) {
    super('MODEL_INVALID', message, options);
  }
}

const MAX_VALUE_CHARS = 80;
const INSPECT: InspectOptions = {
  depth: 2,
  breakLength: Infinity,
  maxArrayLength: 8,
  maxStringLength: MAX_VALUE_CHARS,
};

/**
 * JSON where JSON shows the value as it is; Node's inspect for what JSON would misshow (a Map
 * as {}, a class instance as its fields) or cannot show (a cycle, nesting deeper than the stack).
 */
function jsonOrInspected(value: unknown): string {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) return inspect(value, INSPECT);
  }
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return inspect(value, INSPECT);
  }
}

/** Shows a value in an error message: JSON-ish, truncated so a 16 MB value can't flood a log. */
export function showValue(value: unknown): string {
  let text: string;
  if (typeof value === 'bigint') text = `${value}n`;
  else if (value instanceof Date) text = Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  else if (value instanceof Uint8Array) {
    const hex = Buffer.from(value.buffer, value.byteOffset, Math.min(value.length, 16)).toString('hex');
    text = `<${value.length} bytes: ${hex}${value.length > 16 ? '…' : ''}>`;
  } else if (value === undefined) text = 'undefined';
  else text = jsonOrInspected(value);
  if (text.length <= MAX_VALUE_CHARS) return text;
  // Don't cut a surrogate pair in half: the message would carry a lone surrogate.
  const cut = /[\uD800-\uDBFF]/.test(text[MAX_VALUE_CHARS - 1]!) ? MAX_VALUE_CHARS - 1 : MAX_VALUE_CHARS;
  return `${text.slice(0, cut)}… (${text.length} chars)`;
}

/** A row that breaks a column's rule. Names the row, the column, the value and the rule. */
export class RowValidationError extends UpshiftError {
  declare readonly code: 'ROW_INVALID';
  override name = 'RowValidationError';
  constructor(
    readonly rowIndex: number,
    readonly column: string,
    readonly value: unknown,
    readonly rule: string,
    detail: string,
    readonly table?: string,
  ) {
    super(
      'ROW_INVALID',
      `${table ? `${table}: ` : ''}row ${rowIndex}, column "${column}": ${detail} (value ${showValue(value)}; rule: ${rule})`,
    );
  }
}
