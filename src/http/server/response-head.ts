/**
 * Serializing a response head: the status line, the caller's fields (checked, so no CR, LF or
 * NUL can split the response), and what the server adds (`Date`, framing, `Connection`).
 *
 * @module
 */
import { InvalidArgumentError } from '../../errors.ts';
import { TCHAR } from '../parser/char-classes.ts';
import { httpDate } from './http-date.ts';
import { statusText } from './status-text.ts';

/** Response fields as a handler gives them. */
export type HeaderInput =
  | Headers
  | Readonly<Record<string, string | number | readonly string[]>>
  | Iterable<readonly [string, string]>;

/** The caller's fields, serialized, with what framing needs to know about them. */
export interface SerializedFields {
  /** `Name: value\r\n` lines (without Date, Content-Length, Transfer-Encoding, Connection). */
  lines: string;
  /** The Content-Length the caller set, or −1. */
  contentLength: number;
  /** The caller set `Connection: close`. */
  close: boolean;
  /** The caller set a Date of its own. */
  hasDate: boolean;
}

const BAD_VALUE = /[\r\n\0]/;

function checkName(name: string): void {
  for (let i = 0; i < name.length; i++) {
    if (TCHAR[name.charCodeAt(i)] !== 1) {
      throw new InvalidArgumentError(
        `Invalid response field name ${JSON.stringify(name)}: use letters, digits and !#$%&'*+-.^_\`|~ only.`,
      );
    }
  }
  if (name.length === 0)
    throw new InvalidArgumentError('An empty response field name: give every field a name.');
}

/**
 * Checks and serializes `input`.
 * @throws InvalidArgumentError for a bad name, or a value with CR, LF or NUL
 */
export function serializeFields(input: HeaderInput | undefined): SerializedFields {
  const out: SerializedFields = { lines: '', contentLength: -1, close: false, hasDate: false };
  if (input === undefined) return out;
  if (input instanceof Headers) {
    input.forEach((v, k) => {
      addField(out, k, v);
    });
  } else if (Symbol.iterator in input) {
    for (const [k, v] of input as Iterable<readonly [string, string]>) addField(out, k, String(v));
  } else {
    for (const k of Object.keys(input)) {
      const v = (input as Record<string, string | number | readonly string[]>)[k];
      if (Array.isArray(v)) for (const x of v) addField(out, k, String(x));
      else if (v !== undefined) addField(out, k, String(v));
    }
  }
  return out;
}

/** Checks one field and adds it to `out` (framing fields are noted, not copied). */
function addField(out: SerializedFields, name: string, value: string): void {
  checkName(name);
  if (BAD_VALUE.test(value)) {
    throw new InvalidArgumentError(
      `The value of response field '${name}' has a CR, LF or NUL: remove them (they would split the response).`,
    );
  }
  const lower = name.length >= 4 && name.length <= 17 ? name.toLowerCase() : '';
  if (lower === 'content-length') {
    if (!/^[0-9]{1,15}$/.test(value.trim())) {
      throw new InvalidArgumentError(`Content-Length '${value}' is not a number of bytes.`);
    }
    out.contentLength = Number(value.trim());
    return;
  }
  if (lower === 'transfer-encoding') return; // the server frames the body itself
  if (lower === 'connection') {
    if (/(^|,)\s*close\s*(,|$)/i.test(value)) out.close = true;
    return;
  }
  if (lower === 'date') out.hasDate = true;
  out.lines += `${name}: ${value}\r\n`;
}

/** The status line, the fields and the server's own fields, through the blank line. */
export function headString(
  status: number,
  fields: SerializedFields,
  framing: 'length' | 'chunked' | 'close' | 'none',
  length: number,
  keepAlive: boolean,
  requestMinor: number,
): string {
  let s = `HTTP/1.1 ${status} ${statusText(status)}\r\n${fields.lines}`;
  if (!fields.hasDate) s += `Date: ${httpDate()}\r\n`;
  if (framing === 'length') s += `Content-Length: ${length}\r\n`;
  else if (framing === 'chunked') s += 'Transfer-Encoding: chunked\r\n';
  if (!keepAlive) s += 'Connection: close\r\n';
  else if (requestMinor === 0) s += 'Connection: keep-alive\r\n';
  return `${s}\r\n`;
}
