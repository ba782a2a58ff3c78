/**
 * `parseHead`: a complete head (start line, field lines, the empty line) to a
 * {@link MessageHead}, with the framing rules of RFC 9112 §6 applied. Pure and synchronous;
 * {@link HttpParser} calls it once it has found the end of the head.
 *
 * @module
 */
import { COLON, CR, FIELD_VALUE, HTAB, LF, SP, TARGET, TCHAR } from './char-classes.ts';
import { HeaderList } from './header-list.ts';
import type { ResolvedLimits } from './http-limits.ts';
import { HttpParseError } from './http-parse-error.ts';

export { DEFAULT_LIMITS, type HttpLimits, type ResolvedLimits } from './http-limits.ts';

/** Whether a parser reads requests (servers) or responses (clients). */
export type MessageKind = 'request' | 'response';

/** How the body of a message is delimited (RFC 9112 §6.3). */
export type BodyFraming = 'none' | 'length' | 'chunked' | 'close';

/** The head of a request or a response, with its framing worked out. */
export class MessageHead {
  /** The request method (`''` in a response). */
  readonly method: string;
  /** The request target as sent (`''` in a response). */
  readonly target: string;
  /** The status code (0 in a request). */
  readonly status: number;
  /** The reason phrase (`''` in a request). */
  readonly reason: string;
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  readonly versionMinor: number;
  /** The fields, decoded on demand. */
  readonly headers: HeaderList;
  /** How the body is delimited. */
  readonly framing: BodyFraming;
  /** The Content-Length, or −1 when there is none. */
  readonly contentLength: number;
  /** True when the connection may carry another message after this one. */
  readonly keepAlive: boolean;
  /** True for an HTTP/1.1 request with `Expect: 100-continue`. */
  readonly expectContinue: boolean;
  /** Where the Host field is in `headers`, or −1 (a request with two is rejected). */
  readonly hostIndex: number;

  /** @internal built by {@link parseHead} only */
  constructor(
    method: string,
    target: string,
    status: number,
    reason: string,
    versionMinor: number,
    headers: HeaderList,
    framing: BodyFraming,
    contentLength: number,
    keepAlive: boolean,
    expectContinue: boolean,
    hostIndex: number,
  ) {
    this.method = method;
    this.target = target;
    this.status = status;
    this.reason = reason;
    this.versionMinor = versionMinor;
    this.headers = headers;
    this.framing = framing;
    this.contentLength = contentLength;
    this.keepAlive = keepAlive;
    this.expectContinue = expectContinue;
    this.hostIndex = hostIndex;
  }
}

/** Where the field lines of a block start and end, and their offsets. */
interface Fields {
  readonly offsets: number[];
  readonly count: number;
}

/**
 * Parses field lines from `pos` up to and including the empty line that ends the block at `end`.
 * @throws HttpParseError
 */
export function parseFields(b: Uint8Array, pos: number, end: number, limits: ResolvedLimits): Fields {
  // A plain array of small integers: on the JS heap (an Int32Array of 32 was allocated outside
  // it, ~0.5 µs a request, and freed by the GC).
  const offsets: number[] = [];
  let count = 0;
  let i = pos;
  while (i < end) {
    const first = b[i];
    if (first === CR) {
      if (b[i + 1] !== LF) throw new HttpParseError('BARE_CR', 'a CR not followed by LF ends the fields.');
      break;
    }
    if (first === SP || first === HTAB) {
      throw new HttpParseError('OBS_FOLD', 'a field line starts with whitespace (obs-fold, RFC 9112 §5.2).');
    }
    const nameStart = i;
    while (TCHAR[b[i] ?? 0] === 1) i++;
    if (b[i] !== COLON) {
      const c = b[i];
      if (i > nameStart && (c === SP || c === HTAB)) {
        throw new HttpParseError(
          'WHITESPACE_BEFORE_COLON',
          'whitespace between a field name and its colon (RFC 9112 §5.1).',
        );
      }
      if (c === LF) throw new HttpParseError('BARE_LF', 'a line ends in LF without CR.');
      throw new HttpParseError('INVALID_HEADER_NAME', `byte 0x${(c ?? 0).toString(16)} in a field name.`);
    }
    if (i === nameStart) throw new HttpParseError('INVALID_HEADER_NAME', 'a field line with an empty name.');
    const nameEnd = i++;
    while (b[i] === SP || b[i] === HTAB) i++;
    const valueStart = i;
    while (FIELD_VALUE[b[i] ?? 0] === 1) i++;
    if (b[i] !== CR) {
      if (b[i] === LF) throw new HttpParseError('BARE_LF', 'a field line ends in LF without CR.');
      throw new HttpParseError(
        'INVALID_HEADER_VALUE',
        `byte 0x${(b[i] ?? 0).toString(16)} in the value of a field.`,
      );
    }
    if (b[i + 1] !== LF) throw new HttpParseError('BARE_CR', 'a CR not followed by LF in a field value.');
    let valueEnd = i;
    while (valueEnd > valueStart && (b[valueEnd - 1] === SP || b[valueEnd - 1] === HTAB)) valueEnd--;
    if (count === limits.maxHeaderCount) {
      throw new HttpParseError('TOO_MANY_HEADERS', `more than ${limits.maxHeaderCount} field lines.`);
    }
    offsets.push(nameStart, nameEnd, valueStart, valueEnd);
    count++;
    i += 2;
  }
  return { offsets, count };
}

/**
 * Parses a complete head `b[0..end)` (ending with CRLF CRLF) and works out its framing.
 * @param requestMethod for responses: the method of the request answered (HEAD → no body)
 * @throws HttpParseError for anything RFC 9112 does not allow (see docs/http.md)
 */
export function parseHead(
  b: Uint8Array,
  end: number,
  kind: MessageKind,
  limits: ResolvedLimits,
): MessageHead {
  let i = 0;
  let method = '';
  let target = '';
  let status = 0;
  let reason = '';
  let minor: number;
  if (kind === 'request') {
    while (TCHAR[b[i] ?? 0] === 1) i++;
    if (i === 0 || b[i] !== SP)
      throw new HttpParseError('INVALID_METHOD', 'the method is not a token followed by one space.');
    method = methodText(b, i);
    const ts = ++i;
    while (TARGET[b[i] ?? 0] === 1) i++;
    if (i === ts || b[i] !== SP) {
      throw new HttpParseError(
        'INVALID_TARGET',
        'the request target has a byte outside visible ASCII, or no single space after it.',
      );
    }
    target = targetText(b, ts, i);
    minor = version(b, ++i);
    i += 8;
    if (b[i] !== CR || b[i + 1] !== LF)
      throw new HttpParseError('INVALID_VERSION', 'the request line does not end right after the version.');
  } else {
    minor = version(b, 0);
    i = 8;
    const d0 = (b[i + 1] ?? 0) - 0x30;
    const d1 = (b[i + 2] ?? 0) - 0x30;
    const d2 = (b[i + 3] ?? 0) - 0x30;
    if (b[i] !== SP || !(d0 >= 1 && d0 <= 9) || !(d1 >= 0 && d1 <= 9) || !(d2 >= 0 && d2 <= 9)) {
      throw new HttpParseError('INVALID_STATUS_LINE', 'the status line has no three-digit status code.');
    }
    status = d0 * 100 + d1 * 10 + d2;
    i += 4;
    if (b[i] === SP) {
      const rs = ++i;
      while (FIELD_VALUE[b[i] ?? 0] === 1) i++;
      reason = text(b, rs, i);
    }
    if (b[i] !== CR || b[i + 1] !== LF)
      throw new HttpParseError('INVALID_STATUS_LINE', 'a bad byte in the reason phrase.');
  }
  const { offsets, count } = parseFields(b, i + 2, end, limits);
  const headers = new HeaderList(b, offsets, count);
  return framing(b, kind, method, target, status, reason, minor, headers, offsets, count, limits);
}

/** `HTTP/1.x` at `i`: returns x; 505 for another well-formed version, 400 for garbage. */
function version(b: Uint8Array, i: number): number {
  if (b[i] !== 0x48 || b[i + 1] !== 0x54 || b[i + 2] !== 0x54 || b[i + 3] !== 0x50 || b[i + 4] !== 0x2f) {
    throw new HttpParseError('INVALID_VERSION', "the version does not start with 'HTTP/'.");
  }
  const major = (b[i + 5] ?? 0) - 0x30;
  const minor = (b[i + 7] ?? 0) - 0x30;
  if (!(major >= 0 && major <= 9) || b[i + 6] !== 0x2e || !(minor >= 0 && minor <= 9)) {
    throw new HttpParseError('INVALID_VERSION', "the version is not 'HTTP/' DIGIT '.' DIGIT.");
  }
  if (major !== 1 || minor > 1) {
    throw new HttpParseError(
      'UNSUPPORTED_VERSION',
      `HTTP/${major}.${minor} is not supported: use HTTP/1.1 or HTTP/1.0.`,
    );
  }
  return minor;
}

const KNOWN_CODINGS = new Set(['chunked', 'gzip', 'x-gzip', 'deflate', 'compress', 'x-compress']);

function framing(
  b: Uint8Array,
  kind: MessageKind,
  method: string,
  target: string,
  status: number,
  reason: string,
  minor: number,
  headers: HeaderList,
  o: readonly number[],
  count: number,
  limits: ResolvedLimits,
): MessageHead {
  let contentLength = -1;
  let te: string | null = null;
  let connection = '';
  let hosts = 0;
  let hostIndex = -1;
  let expect = false;
  for (let f = 0; f < count; f++) {
    const ns = o[4 * f] ?? 0;
    const len = (o[4 * f + 1] ?? 0) - ns;
    const c = (b[ns] ?? 0) | 0x20;
    if (len === 14 && c === 0x63 && headers.indexOf('content-length', f) === f) {
      const v = contentLengthOf(headers.value(f));
      if (contentLength >= 0 && v !== contentLength) {
        throw new HttpParseError('CONFLICTING_CONTENT_LENGTH', 'two different Content-Length values.');
      }
      contentLength = v;
    } else if (len === 17 && c === 0x74 && headers.indexOf('transfer-encoding', f) === f) {
      te = te === null ? headers.value(f) : `${te},${headers.value(f)}`;
    } else if (len === 10 && c === 0x63 && headers.indexOf('connection', f) === f) {
      connection += `,${headers.value(f).toLowerCase()}`;
    } else if (len === 4 && c === 0x68 && headers.indexOf('host', f) === f) {
      hosts++;
      hostIndex = f;
    } else if (len === 6 && c === 0x65 && headers.indexOf('expect', f) === f) {
      expect = headers.value(f).toLowerCase() === '100-continue';
    }
  }
  if (kind === 'request') {
    if (hosts > 1) throw new HttpParseError('DUPLICATE_HOST', 'more than one Host field (RFC 9112 §3.2).');
    if (hosts === 0 && minor === 1)
      throw new HttpParseError('MISSING_HOST', 'an HTTP/1.1 request without Host (RFC 9112 §3.2).');
  }
  let keepAlive = minor === 1;
  if (connection !== '') {
    const tokens = connection.split(',').map((t) => t.trim());
    keepAlive = minor === 1 ? !tokens.includes('close') : tokens.includes('keep-alive');
  }
  let frame: BodyFraming;
  if (te !== null) {
    if (contentLength >= 0) {
      throw new HttpParseError(
        'CONTENT_LENGTH_AND_TRANSFER_ENCODING',
        'Content-Length and Transfer-Encoding together (RFC 9112 §6.1): send one.',
      );
    }
    if (minor === 0)
      throw new HttpParseError(
        'TRANSFER_ENCODING_IN_HTTP10',
        'Transfer-Encoding in an HTTP/1.0 message (RFC 9112 §6.1).',
      );
    const codings = te
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter((t) => t !== '');
    let chunkedAt = -1;
    for (let k = 0; k < codings.length; k++) {
      const coding = codings[k] ?? '';
      if (!KNOWN_CODINGS.has(coding))
        throw new HttpParseError('INVALID_TRANSFER_ENCODING', `unknown transfer coding '${coding}'.`);
      if (coding === 'chunked') {
        if (chunkedAt >= 0) throw new HttpParseError('INVALID_TRANSFER_ENCODING', "'chunked' applied twice.");
        chunkedAt = k;
      }
    }
    if (codings.length === 0)
      throw new HttpParseError('INVALID_TRANSFER_ENCODING', 'an empty Transfer-Encoding.');
    if (chunkedAt === codings.length - 1) frame = 'chunked';
    else if (kind === 'request' || chunkedAt >= 0) {
      throw new HttpParseError(
        'INVALID_TRANSFER_ENCODING',
        "the last transfer coding is not 'chunked' (RFC 9112 §6.3).",
      );
    } else {
      frame = 'close';
      keepAlive = false;
    }
  } else if (contentLength >= 0) frame = contentLength === 0 ? 'none' : 'length';
  else if (kind === 'request' || noBodyStatus(status)) frame = 'none';
  else {
    frame = 'close';
    keepAlive = false;
  }
  if (kind === 'response' && noBodyStatus(status)) frame = 'none';
  if (contentLength >= 0 && frame !== 'length' && frame !== 'none') contentLength = -1;
  if (frame === 'length' && contentLength > limits.maxBodyBytes) {
    throw new HttpParseError(
      'BODY_TOO_LARGE',
      `Content-Length ${contentLength} is above the limit of ${limits.maxBodyBytes} bytes.`,
    );
  }
  return new MessageHead(
    method,
    target,
    status,
    reason,
    minor,
    headers,
    frame,
    contentLength,
    keepAlive,
    expect && minor === 1 && kind === 'request',
    hostIndex,
  );
}

/** 1xx, 204 and 304 responses never have a body (RFC 9112 §6.3). */
function noBodyStatus(status: number): boolean {
  return (status >= 100 && status < 200) || status === 204 || status === 304;
}

/** `1*DIGIT`, or a list of identical ones (`5, 5`: RFC 9110 §8.6 allows it); else a 400. */
function contentLengthOf(v: string): number {
  let value = -1;
  for (const part of v.split(',')) {
    const p = part.trim();
    if (!/^[0-9]{1,15}$/.test(p))
      throw new HttpParseError('INVALID_CONTENT_LENGTH', `Content-Length '${v}' is not a number of bytes.`);
    const n = Number(p);
    if (value >= 0 && n !== value)
      throw new HttpParseError('CONFLICTING_CONTENT_LENGTH', `Content-Length '${v}' lists different values.`);
    value = n;
  }
  return value;
}

/** The method `b[0..end)`: the common ones as constants (no string made), others decoded. */
function methodText(b: Uint8Array, end: number): string {
  const c0 = b[0];
  if (end === 3) {
    if (c0 === 0x47 && b[1] === 0x45 && b[2] === 0x54) return 'GET';
    if (c0 === 0x50 && b[1] === 0x55 && b[2] === 0x54) return 'PUT';
  } else if (end === 4) {
    if (c0 === 0x50 && b[1] === 0x4f && b[2] === 0x53 && b[3] === 0x54) return 'POST';
    if (c0 === 0x48 && b[1] === 0x45 && b[2] === 0x41 && b[3] === 0x44) return 'HEAD';
  }
  return text(b, 0, end);
}

/** The last request target decoded: a keep-alive client often asks for the same one again. */
let lastTarget = '';

/** The target `b[start..end)`, as {@link text}; the last one again when the bytes are the same. */
function targetText(b: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n === lastTarget.length) {
    let i = 0;
    while (i < n && b[start + i] === lastTarget.charCodeAt(i)) i++;
    if (i === n) return lastTarget;
  }
  lastTarget = text(b, start, end);
  return lastTarget;
}

function text(b: Uint8Array, start: number, end: number): string {
  const buf = Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  return buf.toString('latin1', start, end);
}
