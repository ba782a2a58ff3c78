/**
 * The response case table of the parser suites (the client side): framing by status, by
 * Content-Length, chunked and by close, and what is rejected.
 *
 * @module
 */
import type { HttpParseErrorReason } from './http-parse-error.ts';

/** One response case; `eof` signals the end of input after it. */
export interface ResponseCase {
  readonly name: string;
  readonly input: string;
  readonly expect: 'ok' | HttpParseErrorReason;
  readonly messages?: number;
  readonly eof?: boolean;
}

/** Every response case. */
export const RESPONSE_CASES: readonly ResponseCase[] = [
  {
    name: 'Content-Length body',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi',
    expect: 'ok',
    messages: 1,
  },
  {
    name: 'chunked body with trailers',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nX-T: 1\r\n\r\n',
    expect: 'ok',
    messages: 1,
  },
  {
    name: 'body until close',
    input: 'HTTP/1.1 200 OK\r\n\r\nall of it',
    expect: 'ok',
    messages: 1,
    eof: true,
  },
  {
    name: 'gzip TE: body until close',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzz',
    expect: 'ok',
    messages: 1,
    eof: true,
  },
  {
    name: '204 and 304 have no body',
    input: 'HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nHTTP/1.1 304 Not Modified\r\n\r\n',
    expect: 'ok',
    messages: 2,
  },
  {
    name: '100 Continue, then the response',
    input: 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx',
    expect: 'ok',
    messages: 2,
  },
  { name: 'no reason phrase', input: 'HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n', expect: 'ok', messages: 1 },
  {
    name: 'empty reason phrase',
    input: 'HTTP/1.0 500 \r\nContent-Length: 0\r\n\r\n',
    expect: 'ok',
    messages: 1,
  },
  {
    name: 'truncated body',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhi',
    expect: 'INCOMPLETE_MESSAGE',
    eof: true,
  },
  { name: 'truncated head', input: 'HTTP/1.1 200 OK\r\nContent-', expect: 'INCOMPLETE_MESSAGE', eof: true },
  { name: 'two-digit status', input: 'HTTP/1.1 20 OK\r\n\r\n', expect: 'INVALID_STATUS_LINE' },
  { name: 'status with a letter', input: 'HTTP/1.1 2x0 OK\r\n\r\n', expect: 'INVALID_STATUS_LINE' },
  { name: 'HTTP/2 status line', input: 'HTTP/2.0 200 OK\r\n\r\n', expect: 'UNSUPPORTED_VERSION' },
  { name: 'not HTTP', input: 'SSH-2.0-OpenSSH\r\n\r\n', expect: 'INVALID_VERSION' },
  {
    name: 'CL and TE in a response',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    expect: 'CONTENT_LENGTH_AND_TRANSFER_ENCODING',
  },
  {
    name: 'NUL in a response field',
    input: 'HTTP/1.1 200 OK\r\nX: a\0\r\n\r\n',
    expect: 'INVALID_HEADER_VALUE',
  },
  {
    name: 'bad chunk in a response',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    expect: 'INVALID_CHUNK_SIZE',
  },
];
