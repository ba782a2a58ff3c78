/**
 * The fields of a {@link LightResponse}: a snapshot of `init.headers` taken when it is made, as
 * the native `Response` takes one — names that are tokens, values trimmed of HTTP whitespace and
 * free of NUL, CR, LF and characters above U+00FF (a ByteString), else null so that the native
 * constructor judges the input and throws its own errors.
 *
 * Handlers mostly pass the same fields every time (often one constant object): the last
 * record or pair list taken is remembered with its snapshot, and the same names and values
 * (compared string by string: the same string objects compare at once) give the same snapshot
 * again, without the checks or new arrays. A snapshot is never changed once made (LightResponse
 * only reads it; `headers` and the real `Response` copy it), so it can be shared.
 *
 * @module
 */
import { TCHAR } from '../parser/char-classes.ts';
import { TOKEN_NAMES, ValidStrings } from './valid-strings.ts';

/** The platform's `Headers` (Node's global is a getter: read once, not per response). */
const NativeHeaders: typeof Headers = globalThis.Headers;

/** A snapshot: `[name, value]` pairs, names as given (not lowercased). */
export type LightFields = readonly (readonly [string, string])[];

/** Values the native `Headers` takes as they are (remembered: see valid-strings.ts). */
const HEADERS_VALUES = new ValidStrings(1024, 128);

/**
 * True for a value the native `Headers` rejects (NUL, CR, LF) or cannot hold (not a
 * ByteString). A loop: cheaper than a RegExp for the short values of a response.
 */
function isBadValue(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 0 || c === 0x0a || c === 0x0d || c > 0xff) return true;
  }
  return false;
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** Leading and trailing HTTP whitespace removed (what `Headers` does to a value). */
function normalizeValue(v: string): string {
  let start = 0;
  let end = v.length;
  while (start < end && isWs(v.charCodeAt(start))) start++;
  while (end > start && isWs(v.charCodeAt(end - 1))) end--;
  return start === 0 && end === v.length ? v : v.slice(start, end);
}

function isToken(name: string): boolean {
  if (name.length === 0) return false;
  for (let i = 0; i < name.length; i++) if (TCHAR[name.charCodeAt(i)] !== 1) return false;
  return true;
}

/** One field for the snapshot, or false when the native constructor must judge it. */
function field(out: [string, string][], name: unknown, value: unknown): boolean {
  if (typeof name !== 'string') return false;
  if (!TOKEN_NAMES.has(name)) {
    if (!isToken(name)) return false;
    TOKEN_NAMES.add(name);
  }
  const v = normalizeValue(typeof value === 'string' ? value : String(value));
  if (!HEADERS_VALUES.has(v)) {
    if (isBadValue(v)) return false;
    HEADERS_VALUES.add(v);
  }
  out.push([name, v]);
  return true;
}

/** A snapshot of `input`, or null when the native constructor must judge it. */
function snapshot(input: unknown): [string, string][] | null {
  const out: [string, string][] = [];
  if (input === undefined || input === null) return input === null ? null : out;
  if (input instanceof NativeHeaders) {
    input.forEach((v, k) => {
      out.push([k, v]);
    });
    return out;
  }
  if (Array.isArray(input)) {
    for (const pair of input as unknown[]) {
      if (!Array.isArray(pair) || pair.length !== 2 || !field(out, pair[0], pair[1])) return null;
    }
    return out;
  }
  const proto = typeof input === 'object' ? (Object.getPrototypeOf(input) as unknown) : undefined;
  if (proto !== Object.prototype && proto !== null) return null;
  const record = input as Record<string, unknown>;
  for (const k of Object.keys(record)) if (!field(out, k, record[k])) return null;
  return out;
}

function hasField(fields: LightFields, lowerName: string): boolean {
  for (const [k] of fields) if (k.length === lowerName.length && k.toLowerCase() === lowerName) return true;
  return false;
}

/** The last input's names and values (alternating), the content type it was taken with, its snapshot. */
let memoKv: string[] = [];
let memoType: string | null = null;
let memoOut: LightFields | null = null;
/** Snapshots of no fields, with only a default content type (by type). */
const TYPE_ONLY = new Map<string, LightFields>();
const NONE: LightFields = Object.freeze([]);

/** True when `input` (a plain record or a pair list) has the names and values of {@link memoKv}. */
function sameAsMemo(input: unknown): boolean {
  const kv = memoKv;
  if (Array.isArray(input)) {
    if (kv.length !== input.length * 2) return false;
    for (let i = 0; i < input.length; i++) {
      const pair = input[i] as unknown;
      if (!Array.isArray(pair) || pair.length !== 2 || pair[0] !== kv[2 * i] || pair[1] !== kv[2 * i + 1])
        return false;
    }
    return true;
  }
  if (typeof input !== 'object' || input === null || input instanceof NativeHeaders) return false;
  const proto = Object.getPrototypeOf(input) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  return recordHasPairs(input as Record<string, unknown>, kv);
}

/**
 * True when `record`'s own keys, in order, and their values are the names and values of `kv`
 * (name, value, name, value …), compared by identity.
 */
export function recordHasPairs(record: Record<string, unknown>, kv: readonly unknown[]): boolean {
  const keys = Object.keys(record);
  if (kv.length !== keys.length * 2) return false;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    if (k !== kv[2 * i] || record[k] !== kv[2 * i + 1]) return false;
  }
  return true;
}

/** The names and values of `input` when they are all strings (to remember it by), else null. */
function memoKey(input: unknown): string[] | null {
  const kv: string[] = [];
  if (Array.isArray(input)) {
    for (const pair of input as (readonly [unknown, unknown])[]) {
      if (typeof pair[0] !== 'string' || typeof pair[1] !== 'string') return null;
      kv.push(pair[0], pair[1]);
    }
    return kv;
  }
  if (input instanceof NativeHeaders) return null; // a Headers can change without its identity changing
  const record = input as Record<string, unknown>;
  for (const k of Object.keys(record)) {
    const v = record[k];
    if (typeof v !== 'string') return null;
    kv.push(k, v);
  }
  return kv;
}

/**
 * The snapshot of `input` (`init.headers`), with `content-type: <contentType>` added when it
 * has no Content-Type and `contentType` is not null (a string body's default); null when the
 * native constructor must judge the input. Shared: never change it.
 */
export function snapshotFields(input: unknown, contentType: string | null): LightFields | null {
  if (input === undefined) {
    if (contentType === null) return NONE;
    let only = TYPE_ONLY.get(contentType);
    if (only === undefined) {
      only = Object.freeze([Object.freeze(['content-type', contentType] as const)]);
      if (TYPE_ONLY.size < 8) TYPE_ONLY.set(contentType, only);
    }
    return only;
  }
  if (memoOut !== null && contentType === memoType && sameAsMemo(input)) return memoOut;
  const fields = snapshot(input);
  if (fields === null) return null;
  if (contentType !== null && !hasField(fields, 'content-type')) fields.push(['content-type', contentType]);
  const key = memoKey(input);
  if (key !== null) {
    memoKv = key;
    memoType = contentType;
    memoOut = fields;
  }
  return fields;
}
