/**
 * Serializing a response head: the status line, the caller's fields (checked, so no CR, LF or
 * NUL can split the response), and what the server adds (`Date`, framing, `Connection`).
 *
 * @module
 */
import { InvalidArgumentError } from '../../errors.ts';
import { TCHAR } from '../parser/char-classes.ts';
import { httpDate } from './http-date.ts';
import { recordHasPairs } from './light-fields.ts';
import { statusText } from './status-text.ts';
import { TOKEN_NAMES, ValidStrings } from './valid-strings.ts';

/** The platform's `Headers` (Node's global is a getter: read once, not per response). */
const NativeHeaders: typeof Headers = globalThis.Headers;

/** Response fields as a handler gives them. */
export type HeaderInput =
  | Headers
  | Readonly<Record<string, string | number | readonly string[]>>
  | Iterable<readonly [string, string]>;

/** The caller's fields, serialized, with what framing needs to know about them. */
export interface SerializedFields {
  /** `Name: value\r\n` lines (without Date, Content-Length, Transfer-Encoding, Connection). */
  readonly lines: string;
  /** The Content-Length the caller set, or −1. */
  readonly contentLength: number;
  /** The caller set `Connection: close`. */
  readonly close: boolean;
  /** The caller set a Date of its own. */
  readonly hasDate: boolean;
  /** The caller set a Trailer field (announcing trailer names). */
  readonly hasTrailer: boolean;
  /** Transfer-Encoding or Connection fields the caller set (not copied: the server decides). */
  readonly framingNames?: readonly string[];
}

/** {@link SerializedFields} while being made. */
type MutableFields = { -readonly [K in keyof SerializedFields]: SerializedFields[K] } & {
  framingNames?: string[];
};

/** Values found free of CR, LF and NUL (remembered: see valid-strings.ts). */
const SAFE_VALUES = new ValidStrings(1024, 128);

function checkName(name: string): void {
  if (TOKEN_NAMES.has(name)) return;
  for (let i = 0; i < name.length; i++) {
    if (TCHAR[name.charCodeAt(i)] !== 1) {
      throw new InvalidArgumentError(
        `Invalid response field name ${JSON.stringify(name)}: use letters, digits and !#$%&'*+-.^_\`|~ only.`,
      );
    }
  }
  if (name.length === 0)
    throw new InvalidArgumentError('An empty response field name: give every field a name.');
  TOKEN_NAMES.add(name);
}

/**
 * Checks and serializes `input`. `checked`: the names are tokens and the values hold no CR, LF
 * or NUL already (a snapshot LightResponse validated): only framing fields are looked for. A
 * `Headers` is taken as checked (its constructor and `set`/`append` refuse such input).
 * @throws InvalidArgumentError for a bad name, or a value with CR, LF or NUL
 */
export function serializeFields(input: HeaderInput | undefined, checked = false): SerializedFields {
  if (input === undefined) return NO_FIELDS;
  const memo = recalled(input);
  if (memo !== null) return memo;
  const out = build(input, checked);
  remember(input, out);
  return out;
}

/** What {@link serializeFields} gives for no fields (shared: results are not changed). */
const NO_FIELDS: SerializedFields = Object.freeze({
  lines: '',
  contentLength: -1,
  close: false,
  hasDate: false,
  hasTrailer: false,
});

/**
 * The names and values (alternating) of the last record or pair list serialized, and its
 * result. A server's handlers mostly send the same few fields (often the same constant object):
 * compared string by string (the same string objects compare at once), they skip the checks, the
 * concatenation and a new result — and the response memo (see response-bytes.ts) can tell the
 * same fields by the identity of the result. Only inputs whose values are all strings are kept.
 */
let memoKv: string[] = [];
let memoOut: SerializedFields | null = null;

/** The last result, when `input` has the same names and values in the same order; else null. */
function recalled(input: HeaderInput): SerializedFields | null {
  const kv = memoKv;
  if (memoOut === null) return null;
  if (Array.isArray(input)) {
    if (kv.length !== input.length * 2) return null;
    for (let i = 0; i < input.length; i++) {
      const pair = input[i] as readonly [unknown, unknown];
      if (pair[0] !== kv[2 * i] || pair[1] !== kv[2 * i + 1]) return null;
    }
    return memoOut;
  }
  if (input instanceof NativeHeaders || Symbol.iterator in input) return null;
  return recordHasPairs(input as Record<string, unknown>, kv) ? memoOut : null;
}

/** Keeps `out` as the result for `input` (a record or pair list of string values only). */
function remember(input: HeaderInput, out: SerializedFields): void {
  const kv: string[] = [];
  if (Array.isArray(input)) {
    for (let i = 0; i < input.length; i++) {
      const pair = input[i] as readonly [unknown, unknown];
      if (typeof pair[1] !== 'string') return;
      kv.push(pair[0] as string, pair[1]);
    }
  } else if (input instanceof NativeHeaders || Symbol.iterator in input) return;
  else {
    const record = input as Record<string, unknown>;
    for (const k of Object.keys(record)) {
      const v = record[k];
      if (typeof v !== 'string') return;
      kv.push(k, v);
    }
  }
  memoKv = kv;
  memoOut = out;
}

/** Checks and serializes `input` (see {@link serializeFields}). */
function build(input: HeaderInput, checked: boolean): SerializedFields {
  const out: MutableFields = {
    lines: '',
    contentLength: -1,
    close: false,
    hasDate: false,
    hasTrailer: false,
  };
  if (input instanceof NativeHeaders) {
    input.forEach((v, k) => {
      addField(out, k, v, true);
    });
  } else if (Array.isArray(input)) {
    for (let i = 0; i < input.length; i++) {
      const pair = input[i] as readonly [string, string];
      addField(out, pair[0], String(pair[1]), checked);
    }
  } else if (Symbol.iterator in input) {
    for (const [k, v] of input as Iterable<readonly [string, string]>) addField(out, k, String(v), false);
  } else {
    for (const k of Object.keys(input)) {
      const v = (input as Record<string, string | number | readonly string[]>)[k];
      if (Array.isArray(v)) for (const x of v) addField(out, k, String(x), false);
      else if (v !== undefined) addField(out, k, String(v), false);
    }
  }
  return out;
}

/** True when `value` has a CR, LF or NUL (a loop: cheaper than a RegExp for short values). */
function hasBadValueByte(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x0d || c === 0x0a || c === 0) return true;
  }
  return false;
}

/**
 * The lengths of the names {@link addField} looks for (Date, Trailer, Connection,
 * Content-Length, Transfer-Encoding): any other name is copied without being lowercased.
 */
const FRAMING_NAME_LENGTH = new Uint8Array(18);
for (const n of ['date', 'trailer', 'connection', 'content-length', 'transfer-encoding'])
  FRAMING_NAME_LENGTH[n.length] = 1;

/** Checks one field (unless `checked`) and adds it to `out` (framing fields are noted, not copied). */
function addField(out: MutableFields, name: string, value: string, checked: boolean): void {
  if (!checked) {
    checkName(name);
    if (!SAFE_VALUES.has(value)) {
      if (hasBadValueByte(value)) {
        throw new InvalidArgumentError(
          `The value of response field '${name}' has a CR, LF or NUL: remove them (they would split the response).`,
        );
      }
      SAFE_VALUES.add(value);
    }
  }
  const lower = name.length <= 17 && FRAMING_NAME_LENGTH[name.length] === 1 ? name.toLowerCase() : '';
  if (lower === 'content-length') {
    if (!/^[0-9]{1,15}$/.test(value.trim())) {
      throw new InvalidArgumentError(`Content-Length '${value}' is not a number of bytes.`);
    }
    out.contentLength = Number(value.trim());
    return;
  }
  if (lower === 'transfer-encoding') {
    (out.framingNames ??= []).push(name); // the server frames the body itself
    return;
  }
  if (lower === 'connection') {
    (out.framingNames ??= []).push(name);
    if (/(^|,)\s*close\s*(,|$)/i.test(value)) out.close = true;
    return;
  }
  if (lower === 'date') out.hasDate = true;
  else if (lower === 'trailer') out.hasTrailer = true;
  out.lines += `${name}: ${value}\r\n`;
}

/**
 * Fields a trailer section may not carry: framing, routing, and what the head must have decided
 * (RFC 9110 §6.5.1; the ones Node's and Go's servers refuse or drop).
 */
const NOT_IN_TRAILERS = new Set([
  'content-length',
  'transfer-encoding',
  'trailer',
  'host',
  'connection',
  'keep-alive',
  'te',
  'upgrade',
  'content-type',
  'content-encoding',
  'content-range',
  'cache-control',
  'expect',
  'authorization',
  'set-cookie',
]);

/**
 * Checks and serializes trailer fields.
 * @throws InvalidArgumentError for a bad name or value, or a field trailers may not carry
 */
export function serializeTrailers(input: HeaderInput): { lines: string; names: string[] } {
  const fields = serializeFields(input);
  const names: string[] = [];
  for (const line of fields.lines.split('\r\n')) {
    if (line.length > 0) names.push(line.slice(0, line.indexOf(':')));
  }
  const refused = [
    ...names,
    ...(fields.contentLength >= 0 ? ['Content-Length'] : []),
    ...(fields.framingNames ?? []),
  ].find((n) => NOT_IN_TRAILERS.has(n.toLowerCase()));
  if (refused !== undefined) {
    throw new InvalidArgumentError(
      `'${refused}' cannot be a trailer field (it frames, routes or describes the whole message): send it in the head.`,
    );
  }
  return { lines: fields.lines, names };
}

/** Status lines made so far, by code ('' until first used): one string per code, made once. */
const STATUS_LINES: string[] = Array.from({ length: 1000 }, () => '');

/** `HTTP/1.1 <status> <reason>\r\n`. */
function statusLine(status: number): string {
  const cached = status >= 0 && status < 1000 ? (STATUS_LINES[status] ?? '') : '';
  if (cached !== '') return cached;
  const line = `HTTP/1.1 ${status} ${statusText(status)}\r\n`;
  if (status >= 0 && status < 1000) STATUS_LINES[status] = line;
  return line;
}

/**
 * The status line, the fields and the server's own fields, through the blank line.
 * `trailerNames`: announced in a `Trailer` field (null: none); `date`: the Date value (unless
 * the caller set one).
 */
export function headString(
  status: number,
  fields: SerializedFields,
  framing: 'length' | 'chunked' | 'close' | 'none',
  length: number,
  keepAlive: boolean,
  requestMinor: number,
  trailerNames: readonly string[] | null = null,
  date: string = httpDate(),
): string {
  let s = statusLine(status) + fields.lines;
  if (trailerNames !== null && trailerNames.length > 0 && framing === 'chunked')
    s += `Trailer: ${trailerNames.join(', ')}\r\n`;
  if (!fields.hasDate) s += `Date: ${date}\r\n`;
  if (framing === 'length') s += `Content-Length: ${length}\r\n`;
  else if (framing === 'chunked') s += 'Transfer-Encoding: chunked\r\n';
  if (!keepAlive) s += 'Connection: close\r\n';
  else if (requestMinor === 0) s += 'Connection: keep-alive\r\n';
  return `${s}\r\n`;
}
