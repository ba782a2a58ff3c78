/**
 * What a request is made of before it meets a connection: the checked URL, method and fields,
 * the body sorted into "bytes we hold" or "a stream we pull", and the serialized head
 * (RFC 9112 §3: request line, then `Host` first, then the caller's fields, then the framing).
 *
 * Everything a caller passes is checked here, once, so nothing malformed is ever written to a
 * socket: a method must be a token, field names tokens, field values free of CR, LF and NUL
 * (header injection), the URL `http:` without credentials.
 *
 * @module
 */
import { InvalidArgumentError } from '../../errors.ts';

/** Request fields in any of the shapes fetch accepts (a `Headers` object is iterable as pairs). */
export type HeadersLike =
  | Record<string, string | readonly string[] | number | undefined>
  | Iterable<readonly [string, string]>;

/** A body nbio can send: bytes it can measure, or chunks it pulls (sent chunked without a length). */
export type RequestBody =
  | string
  | Uint8Array
  | ArrayBuffer
  | ArrayBufferView
  | URLSearchParams
  | ReadableStream<Uint8Array | string>
  | AsyncIterable<Uint8Array | string>
  | Iterable<Uint8Array | string>;

/** A body sorted by {@link classifyBody}. */
export type ClassifiedBody =
  | { readonly kind: 'none' }
  | { readonly kind: 'bytes'; readonly bytes: Buffer; readonly contentType: string | null }
  | {
      readonly kind: 'stream';
      readonly source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;
    };

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** CR, LF and NUL (header injection), and anything above U+00FF (a field value is bytes: latin1). */
const BAD_VALUE = /[\0\r\n\u0100-\uffff]/;

/** Checks a method (a token; upper-cased when it is one of fetch's normalized names). */
export function checkMethod(method: unknown): string {
  if (typeof method !== 'string' || !TOKEN.test(method)) {
    throw new InvalidArgumentError(
      `Invalid method ${JSON.stringify(method)}: pass a token such as 'GET' or 'POST'.`,
    );
  }
  const upper = method.toUpperCase();
  if (upper === 'CONNECT' || upper === 'TRACE' || upper === 'TRACK') {
    throw new InvalidArgumentError(
      `Method ${upper} is not supported by nbio's client (fetch forbids it too).`,
      'NBIO_UNSUPPORTED',
    );
  }
  // fetch normalizes these six, whatever their case; other methods are sent as given.
  return /^(DELETE|GET|HEAD|OPTIONS|POST|PUT)$/.test(upper) ? upper : method;
}

/**
 * Parses and checks a request URL.
 * @throws InvalidArgumentError for an unparsable URL, credentials in it, or a scheme other
 *   than `http:` (code NBIO_UNSUPPORTED for `https:`: this client has no TLS)
 */
export function checkUrl(input: string | URL, base?: string | URL): URL {
  let url: URL;
  try {
    // A URL object is taken as it is (fetch passes its own checked URL on): no second parse.
    url = input instanceof URL && base === undefined ? input : new URL(input, base);
  } catch {
    throw new InvalidArgumentError(
      `Invalid URL ${JSON.stringify(String(input))}: pass an absolute http: URL.`,
    );
  }
  if (url.protocol === 'https:') {
    throw new InvalidArgumentError(
      `Cannot fetch ${url.href}: nbio's client speaks plain http: only (no TLS). Use http:, or Node's fetch for https:.`,
      'NBIO_UNSUPPORTED',
    );
  }
  if (url.protocol !== 'http:') {
    throw new InvalidArgumentError(
      `Cannot fetch ${url.href}: only http: URLs are supported.`,
      'NBIO_UNSUPPORTED',
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new InvalidArgumentError(
      `Cannot fetch a URL with credentials in it: send them in an Authorization header instead.`,
    );
  }
  return url;
}

/**
 * Flattens fields into [name, value, …], checked. Names keep their case (they go on the wire
 * as given); a `Record` value that is an array gives one field per element.
 */
export function flattenHeaders(headers: HeadersLike | undefined): string[] {
  const out: string[] = [];
  if (headers === undefined || headers === null) return out;
  if (typeof headers !== 'object') {
    throw new InvalidArgumentError(
      'Invalid headers: pass an object, an array of [name, value] pairs, or a Headers.',
    );
  }
  if (Symbol.iterator in headers) {
    for (const pair of headers as Iterable<readonly [string, string]>) {
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw new InvalidArgumentError('Invalid headers: each entry must be a [name, value] pair.');
      }
      pushField(out, pair[0], pair[1]);
    }
    return out;
  }
  for (const name of Object.keys(headers)) {
    const v = (headers as Record<string, unknown>)[name];
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const one of v) pushField(out, name, one);
    else pushField(out, name, v);
  }
  return out;
}

function pushField(out: string[], name: unknown, value: unknown): void {
  if (typeof name !== 'string' || !TOKEN.test(name)) {
    throw new InvalidArgumentError(
      `Invalid header name ${JSON.stringify(name)}: use a token such as 'x-request-id'.`,
    );
  }
  const v = typeof value === 'number' ? String(value) : value;
  if (typeof v !== 'string' || BAD_VALUE.test(v)) {
    throw new InvalidArgumentError(
      `Invalid value for header '${name}': pass a string of bytes (latin1) without CR, LF or NUL (got ${JSON.stringify(value)}); percent-encode other text.`,
    );
  }
  out.push(name, v.trim());
}

/** The index of the first field named `lower` (lower case) in a flat list, or -1. */
export function findField(fields: readonly string[], lower: string): number {
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i] as string;
    if (name.length === lower.length && name.toLowerCase() === lower) return i;
  }
  return -1;
}

/** Sorts a body into bytes or a stream; see {@link ClassifiedBody}. */
export function classifyBody(body: RequestBody | null | undefined): ClassifiedBody {
  if (body === undefined || body === null) return { kind: 'none' };
  if (typeof body === 'string')
    return { kind: 'bytes', bytes: Buffer.from(body), contentType: 'text/plain;charset=UTF-8' };
  if (body instanceof Uint8Array) {
    return {
      kind: 'bytes',
      bytes: Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength),
      contentType: null,
    };
  }
  if (body instanceof ArrayBuffer) return { kind: 'bytes', bytes: Buffer.from(body), contentType: null };
  if (ArrayBuffer.isView(body)) {
    return {
      kind: 'bytes',
      bytes: Buffer.from(body.buffer, body.byteOffset, body.byteLength),
      contentType: null,
    };
  }
  if (body instanceof URLSearchParams) {
    return {
      kind: 'bytes',
      bytes: Buffer.from(body.toString()),
      contentType: 'application/x-www-form-urlencoded;charset=UTF-8',
    };
  }
  if (typeof body === 'object' && (Symbol.asyncIterator in body || Symbol.iterator in body)) {
    return { kind: 'stream', source: body as AsyncIterable<Uint8Array | string> };
  }
  throw new InvalidArgumentError(
    'Invalid body: pass a string, bytes, URLSearchParams, a ReadableStream or an (async) iterable of chunks.',
  );
}

/** Everything the head needs. */
export interface HeadParts {
  readonly method: string;
  readonly url: URL;
  /** The caller's fields, flat and checked. */
  readonly fields: readonly string[];
  /** Content-Length to send, or -1 to send `Transfer-Encoding: chunked`, or null for no body. */
  readonly contentLength: number | null;
  /** Content-Type to add when the caller set none. */
  readonly defaultContentType: string | null;
}

/**
 * The request head as one string, to be sent as latin1 (values were checked: no CR, LF, NUL, nothing above U+00FF).
 * `Host` comes first unless the caller set one; the caller's Content-Length and
 * Transfer-Encoding are replaced by the framing nbio chose.
 */
export function serializeHead(parts: HeadParts): string {
  const { method, url, fields, contentLength, defaultContentType } = parts;
  let head = `${method} ${url.pathname}${url.search} HTTP/1.1\r\n`;
  if (findField(fields, 'host') < 0) head += `host: ${url.host}\r\n`;
  let hasType = false;
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i] as string;
    const lower = name.toLowerCase();
    if (lower === 'content-length' || lower === 'transfer-encoding') continue;
    if (lower === 'content-type') hasType = true;
    head += `${name}: ${fields[i + 1]}\r\n`;
  }
  if (contentLength !== null) {
    if (!hasType && defaultContentType !== null) head += `content-type: ${defaultContentType}\r\n`;
    head += contentLength >= 0 ? `content-length: ${contentLength}\r\n` : 'transfer-encoding: chunked\r\n';
  }
  return `${head}\r\n`;
}
