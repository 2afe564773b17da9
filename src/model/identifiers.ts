// Redshift identifier rules, checked when a model is defined. Redshift folds unquoted
// identifiers to lower case (unless enable_case_sensitive_identifier is on), so a model
// that names a column `updatedAt` would read back as `updatedat`: we refuse upper case
// instead of guessing, and quote every identifier we emit so reserved words still work.
import { ModelDefinitionError } from './errors.js';

const MAX_BYTES = 127;
const SHAPE = /^[\p{Ll}\p{Lo}_][\p{Ll}\p{Lo}\p{Nd}_$]*$/u;
export const RESERVED_PREFIX = '__upshift';

export function checkIdentifier(name: string, what: string): string {
  if (name.length === 0) throw new ModelDefinitionError(`${what} name is empty: give it a name like "candy_names"`);
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > MAX_BYTES) {
    throw new ModelDefinitionError(
      `${what} name "${name.slice(0, 40)}…" is ${bytes} bytes: Redshift allows at most ${MAX_BYTES} bytes of UTF-8; shorten it`,
    );
  }
  if (name !== name.toLowerCase()) {
    throw new ModelDefinitionError(
      `${what} name "${name}" has upper-case letters: Redshift folds identifiers to lower case, so it would read back as "${name.toLowerCase()}". ` +
        `Use "${name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase()}" or "${name.toLowerCase()}"`,
    );
  }
  if (!SHAPE.test(name)) {
    throw new ModelDefinitionError(
      `${what} name "${name}" is not a valid identifier: start with a letter or underscore, then letters, digits, _ or $`,
    );
  }
  if (name.startsWith(RESERVED_PREFIX)) {
    throw new ModelDefinitionError(
      `${what} name "${name}" starts with "${RESERVED_PREFIX}", which upshift reserves for its own columns: rename it`,
    );
  }
  return name;
}

/** Splits and checks 'schema.table'. */
export function parseQualifiedName(qualified: string): { schema: string; name: string } {
  const parts = qualified.split('.');
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    throw new ModelDefinitionError(
      `table name "${qualified}" must be schema-qualified, like "candy.candy_names" (Redshift's search_path differs between sessions; explicit is safer)`,
    );
  }
  return { schema: checkIdentifier(parts[0], 'schema'), name: checkIdentifier(parts[1], 'table') };
}
