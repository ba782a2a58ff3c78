/**
 * The request case table of the parser suites: what RFC 9112/9110 require, and what llhttp,
 * Go's net/http, h11 and hyper reject (request smuggling cases included). Each case is one
 * input (`\r\n` written out) and either the reason it must be rejected for, or `ok`.
 * Used by http-parser.test.ts (whole input) and http-parser.split.test.ts (every split).
 *
 * @module
 */
import type { HttpParseErrorReason } from './http-parse-error.ts';
import type { HttpLimits } from './message-head.ts';
import { SMUGGLING_CASES } from './smuggling-cases.ts';

/** One case. */
export interface RequestCase {
  readonly name: string;
  readonly input: string;
  /** `ok`, or the rejection expected (after any events of earlier pipelined messages). */
  readonly expect: 'ok' | HttpParseErrorReason;
  /** How many messages complete before the end (or the error). */
  readonly messages?: number;
  readonly limits?: HttpLimits;
}

const H = 'Host: a\r\n';

/** Every request case. */
export const REQUEST_CASES: readonly RequestCase[] = [
  // Valid.
  { name: 'simple GET', input: `GET / HTTP/1.1\r\n${H}\r\n`, expect: 'ok', messages: 1 },
  { name: 'HTTP/1.0 without Host', input: 'GET /x HTTP/1.0\r\n\r\n', expect: 'ok', messages: 1 },
  {
    name: 'body by Content-Length',
    input: `POST /e HTTP/1.1\r\n${H}Content-Length: 5\r\n\r\nhello`,
    expect: 'ok',
    messages: 1,
  },
  {
    name: 'identical Content-Length list',
    input: `POST / HTTP/1.1\r\n${H}Content-Length: 3, 3\r\n\r\nabc`,
    expect: 'ok',
    messages: 1,
  },
  {
    name: 'identical Content-Length twice',
    input: `POST / HTTP/1.1\r\n${H}Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc`,
    expect: 'ok',
    messages: 1,
  },
  {
    name: 'chunked with extension and trailers',
    input: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n6 ; x\r\n world\r\n0\r\nX-T: 1\r\n\r\n`,
    expect: 'ok',
    messages: 1,
  },
  {
    name: 'chunked, upper-case hex and coding',
    input: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: CHUNKED\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n`,
    expect: 'ok',
    messages: 1,
  },
  {
    name: 'gzip then chunked',
    input: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: gzip, chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n`,
    expect: 'ok',
    messages: 1,
  },
  {
    name: 'TE over two lines',
    input: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    expect: 'ok',
    messages: 1,
  },
  {
    name: 'pipelined three',
    input: `GET /1 HTTP/1.1\r\n${H}\r\nPOST /2 HTTP/1.1\r\n${H}Content-Length: 2\r\n\r\nokGET /3 HTTP/1.1\r\n${H}\r\n`,
    expect: 'ok',
    messages: 3,
  },
  { name: 'leading empty lines', input: `\r\n\r\nGET / HTTP/1.1\r\n${H}\r\n`, expect: 'ok', messages: 1 },
  {
    name: 'OWS around a value, empty value, obs-text',
    input: `GET / HTTP/1.1\r\n${H}X-A: \t v \t\r\nX-B:\r\nX-C: caf\xe9\r\n\r\n`,
    expect: 'ok',
    messages: 1,
  },
  {
    name: 'asterisk and absolute form',
    input: `OPTIONS * HTTP/1.1\r\n${H}\r\nGET http://a/b?c HTTP/1.1\r\n${H}\r\n`,
    expect: 'ok',
    messages: 2,
  },
  {
    name: 'Connection: close ends the stream',
    input: `GET / HTTP/1.1\r\n${H}Connection: close\r\n\r\nGET / HTTP/1.1\r\n${H}\r\n`,
    expect: 'ok',
    messages: 1,
  },
  {
    name: '1.0 keep-alive continues',
    input: 'GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.0\r\n\r\n',
    expect: 'ok',
    messages: 2,
  },
  {
    name: 'Expect: 100-continue',
    input: `PUT / HTTP/1.1\r\n${H}Expect: 100-Continue\r\nContent-Length: 1\r\n\r\nx`,
    expect: 'ok',
    messages: 1,
  },
  { name: 'tchar method', input: `M-SEARCH * HTTP/1.1\r\n${H}\r\n`, expect: 'ok', messages: 1 },
  // Request line.
  { name: 'lower-case version', input: `GET / http/1.1\r\n${H}\r\n`, expect: 'INVALID_VERSION' },
  { name: 'HTTP/0.9 style', input: 'GET /\r\n\r\n', expect: 'INVALID_TARGET' },
  { name: 'two spaces after method', input: `GET  / HTTP/1.1\r\n${H}\r\n`, expect: 'INVALID_TARGET' },
  { name: 'tab as separator', input: `GET\t/ HTTP/1.1\r\n${H}\r\n`, expect: 'INVALID_METHOD' },
  { name: 'space in target', input: `GET /a b HTTP/1.1\r\n${H}\r\n`, expect: 'INVALID_VERSION' },
  { name: 'NUL in target', input: `GET /a\0b HTTP/1.1\r\n${H}\r\n`, expect: 'INVALID_TARGET' },
  { name: 'DEL in target', input: `GET /a\x7f HTTP/1.1\r\n${H}\r\n`, expect: 'INVALID_TARGET' },
  { name: 'non-ASCII in target', input: `GET /caf\xe9 HTTP/1.1\r\n${H}\r\n`, expect: 'INVALID_TARGET' },
  { name: 'bad byte in method', input: `G(T / HTTP/1.1\r\n${H}\r\n`, expect: 'INVALID_METHOD' },
  { name: 'empty method', input: ` / HTTP/1.1\r\n${H}\r\n`, expect: 'INVALID_METHOD' },
  { name: 'HTTP/2.0 is 505', input: `GET / HTTP/2.0\r\n${H}\r\n`, expect: 'UNSUPPORTED_VERSION' },
  { name: 'HTTP/1.2 is 505', input: `GET / HTTP/1.2\r\n${H}\r\n`, expect: 'UNSUPPORTED_VERSION' },
  { name: 'HTTP/0.9 is 505', input: `GET / HTTP/0.9\r\n${H}\r\n`, expect: 'UNSUPPORTED_VERSION' },
  { name: 'two-digit version', input: `GET / HTTP/1.10\r\n${H}\r\n`, expect: 'INVALID_VERSION' },
  { name: 'space after version', input: `GET / HTTP/1.1 \r\n${H}\r\n`, expect: 'INVALID_VERSION' },
  { name: 'bare LF ending the request line', input: `GET / HTTP/1.1\n${H}\r\n`, expect: 'BARE_LF' },
  { name: 'bare CR in the request line', input: `GET /\r HTTP/1.1\r\n${H}\r\n`, expect: 'BARE_CR' },
  { name: 'bare LF before the message', input: `\nGET / HTTP/1.1\r\n${H}\r\n`, expect: 'BARE_LF' },
  // Fields.
  { name: 'obs-fold', input: `GET / HTTP/1.1\r\n${H}X-A: b\r\n c\r\n\r\n`, expect: 'OBS_FOLD' },
  { name: 'obs-fold with tab', input: `GET / HTTP/1.1\r\n${H}X-A: b\r\n\tc\r\n\r\n`, expect: 'OBS_FOLD' },
  {
    name: 'space before colon',
    input: `GET / HTTP/1.1\r\n${H}X-A : b\r\n\r\n`,
    expect: 'WHITESPACE_BEFORE_COLON',
  },
  {
    name: 'space before colon (smuggling TE)',
    input: `POST / HTTP/1.1\r\n${H}Transfer-Encoding : chunked\r\nContent-Length: 1\r\n\r\nx`,
    expect: 'WHITESPACE_BEFORE_COLON',
  },
  {
    name: 'tab before colon',
    input: `GET / HTTP/1.1\r\n${H}X-A\t: b\r\n\r\n`,
    expect: 'WHITESPACE_BEFORE_COLON',
  },
  { name: 'empty field name', input: `GET / HTTP/1.1\r\n${H}: b\r\n\r\n`, expect: 'INVALID_HEADER_NAME' },
  { name: 'no colon', input: `GET / HTTP/1.1\r\n${H}X-A\r\n\r\n`, expect: 'INVALID_HEADER_NAME' },
  {
    name: 'bad byte in field name',
    input: `GET / HTTP/1.1\r\n${H}X(A): b\r\n\r\n`,
    expect: 'INVALID_HEADER_NAME',
  },
  {
    name: 'non-ASCII in field name',
    input: `GET / HTTP/1.1\r\n${H}X-\xe9: b\r\n\r\n`,
    expect: 'INVALID_HEADER_NAME',
  },
  { name: 'NUL in value', input: `GET / HTTP/1.1\r\n${H}X-A: b\0c\r\n\r\n`, expect: 'INVALID_HEADER_VALUE' },
  {
    name: 'control byte in value',
    input: `GET / HTTP/1.1\r\n${H}X-A: b\x01c\r\n\r\n`,
    expect: 'INVALID_HEADER_VALUE',
  },
  {
    name: 'DEL in value',
    input: `GET / HTTP/1.1\r\n${H}X-A: b\x7fc\r\n\r\n`,
    expect: 'INVALID_HEADER_VALUE',
  },
  { name: 'bare CR in value', input: `GET / HTTP/1.1\r\n${H}X-A: b\rc\r\n\r\n`, expect: 'BARE_CR' },
  { name: 'bare LF in value', input: `GET / HTTP/1.1\r\n${H}X-A: b\nX-B: c\r\n\r\n`, expect: 'BARE_LF' },
  { name: 'LF-only lines', input: 'GET / HTTP/1.1\nHost: a\n\n', expect: 'BARE_LF' },
  { name: 'CR CR LF', input: `GET / HTTP/1.1\r\n${H}\r\r\n`, expect: 'BARE_CR' },
  { name: 'missing Host in 1.1', input: 'GET / HTTP/1.1\r\n\r\n', expect: 'MISSING_HOST' },
  { name: 'two Host fields', input: `GET / HTTP/1.1\r\n${H}Host: b\r\n\r\n`, expect: 'DUPLICATE_HOST' },
  // Framing, smuggling, chunked bodies and more hostile inputs: smuggling-cases.ts.
  ...SMUGGLING_CASES,
  // A rejected request hides the ones behind it.
  {
    name: 'nothing after a rejection is parsed',
    input: `GET / HTTP/1.1\r\n${H}\r\nGET /\0 HTTP/1.1\r\n${H}\r\nGET /3 HTTP/1.1\r\n${H}\r\n`,
    expect: 'INVALID_TARGET',
    messages: 1,
  },
  // Limits.
  {
    name: 'request line over the limit',
    input: `GET /${'a'.repeat(100)} HTTP/1.1\r\n${H}\r\n`,
    expect: 'REQUEST_LINE_TOO_LONG',
    limits: { maxRequestLineBytes: 64 },
  },
  {
    name: 'request line at the limit',
    input: `GET /${'a'.repeat(50)} HTTP/1.1\r\n${H}\r\n`,
    expect: 'ok',
    messages: 1,
    limits: { maxRequestLineBytes: 64 },
  },
  {
    name: 'a field line longer than the request line limit (only the first line is held to it)',
    input: `GET / HTTP/1.1\r\n${H}X-A: ${'b'.repeat(100)}\r\n\r\n`,
    expect: 'ok',
    messages: 1,
    limits: { maxRequestLineBytes: 64 },
  },
  {
    name: 'head over the limit',
    input: `GET / HTTP/1.1\r\n${H}X-A: ${'b'.repeat(200)}\r\n\r\n`,
    expect: 'HEADERS_TOO_LARGE',
    limits: { maxHeaderBytes: 128 },
  },
  {
    name: 'too many fields',
    input: `GET / HTTP/1.1\r\n${H}${'X: y\r\n'.repeat(5)}\r\n`,
    expect: 'TOO_MANY_HEADERS',
    limits: { maxHeaderCount: 4 },
  },
  {
    name: 'Content-Length over the body limit',
    input: `POST / HTTP/1.1\r\n${H}Content-Length: 11\r\n\r\nhello world`,
    expect: 'BODY_TOO_LARGE',
    limits: { maxBodyBytes: 10 },
  },
  {
    name: 'chunked body over the limit',
    input: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n`,
    expect: 'BODY_TOO_LARGE',
    limits: { maxBodyBytes: 10 },
  },
  {
    name: 'trailers over the limit',
    input: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n0\r\nX: ${'b'.repeat(200)}\r\n\r\n`,
    expect: 'HEADERS_TOO_LARGE',
    limits: { maxHeaderBytes: 128 },
  },
];
