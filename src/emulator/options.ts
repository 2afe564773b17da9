// The option list that follows COPY's and UNLOAD's source and target: words, most taking a value
// after an optional AS. Each statement keeps a table of handlers keyed by option name.
import { RedshiftError, syntaxError } from './errors.js';
import { isWord, unescapeRedshift, type Token } from './sql.js';

export const INVALID_CREDENTIALS =
  "Invalid credentials. Must be of the format: credentials 'aws_iam_role=...' or " +
  "'aws_access_key_id=...;aws_secret_access_key=...[;token=...]'";

/** A cursor over the significant tokens of a statement. */
export class OptionReader {
  constructor(
    readonly sig: Token[],
    public pos: number,
  ) {}

  get done(): boolean {
    return this.pos >= this.sig.length;
  }

  /** The token under the cursor, or its text for errors (`end of input` past the end). */
  peek(offset = 0): Token | undefined {
    return this.sig[this.pos + offset];
  }

  skip(count = 1): void {
    this.pos += count;
  }

  /** Steps over the next token if it is one of `words`. */
  skipWord(...words: string[]): boolean {
    if (!isWord(this.peek(), ...words)) return false;
    this.pos++;
    return true;
  }

  /** `[AS] 'value'`: the value, unescaped. */
  string(): string {
    return unescapeRedshift(this.valueOf('string').value);
  }

  /** `[AS] n`. */
  number(): number {
    return Number(this.valueOf('number').text);
  }

  /** `[AS] 'value'` when a string follows; otherwise undefined, and the cursor stays put. */
  optionalString(): string | undefined {
    const at = isWord(this.peek(), 'as') ? 1 : 0;
    return this.peek(at)?.type === 'string' ? this.string() : undefined;
  }

  private valueOf(type: 'string' | 'number'): Token {
    this.skipWord('as');
    const t = this.peek();
    if (t?.type !== type) throw syntaxError(t?.text ?? 'end of input');
    this.pos++;
    return t;
  }
}

/** Reads one option's value (the cursor is past its name) into the parse state. */
export type OptionHandler<S> = (r: OptionReader, state: S) => void;

export type OptionTable<S> = Readonly<Record<string, OptionHandler<S>>>;

/** The boolean fields of a parsed statement: what an option without a value can switch on. */
export type FlagField<T> = { [K in keyof T]: T[K] extends boolean ? K : never }[keyof T];

/** An option without a value that switches one boolean field of the statement on. */
export const flagOption =
  <T>(key: FlagField<T>): OptionHandler<{ st: T }> =>
  (_r, { st }) => {
    (st as Record<FlagField<T>, boolean>)[key] = true;
  };

/** An option Redshift has and the emulator refuses, naming the statement and the option. */
export const unsupportedOption =
  (statement: 'COPY' | 'UNLOAD', name: string): OptionHandler<unknown> =>
  () => {
    throw new RedshiftError(`${statement} ${name.toUpperCase()} is not supported by the emulator`, '0A000');
  };

/** Reads options up to the end of the statement; an unknown word is a syntax error. */
export function readOptions<S>(r: OptionReader, table: OptionTable<S>, state: S): void {
  while (!r.done) {
    const t = r.peek()!;
    const word = t.type === 'ident' ? t.value : '';
    if (!Object.hasOwn(table, word)) throw syntaxError(t.text);
    r.skip();
    table[word]!(r, state);
  }
}

/** What the credential options record: whether any was given. */
export interface CredentialState {
  credentials: boolean;
}

function credentialsString(r: OptionReader, state: CredentialState): void {
  if (!/aws_iam_role=|aws_access_key_id=.+;\s*aws_secret_access_key=/i.test(r.string()))
    throw new RedshiftError(INVALID_CREDENTIALS, 'XX000');
  state.credentials = true;
}

function keyPart(r: OptionReader, state: CredentialState): void {
  r.string();
  state.credentials = true;
}

/** IAM_ROLE, the key options and CREDENTIALS, shared by COPY and UNLOAD; their values are not checked further. */
export const CREDENTIAL_OPTIONS: OptionTable<CredentialState> = {
  iam_role: (r, state) => {
    if (!r.skipWord('default')) r.string();
    state.credentials = true;
  },
  access_key_id: keyPart,
  secret_access_key: keyPart,
  session_token: keyPart,
  credentials: credentialsString,
};

/** The statement needs some credentials, even though the emulator does not use them. */
export function requireCredentials(state: CredentialState): void {
  if (!state.credentials) throw new RedshiftError(INVALID_CREDENTIALS, 'XX000');
}
