/**
 * The framing part of the request case table: Content-Length and Transfer-Encoding (request
 * smuggling: CL.TE, TE.CL, TE.TE), chunked bodies, and more hostile inputs from what Go's
 * net/http, h11, llhttp (strict) and hyper reject. Spread into REQUEST_CASES.
 *
 * @module
 */
import type { RequestCase } from './request-cases.ts';

const H = 'Host: a\r\n';

/** The framing and smuggling cases. */
export const SMUGGLING_CASES: readonly RequestCase[] = [
  // Framing and smuggling (RFC 9112 §6).
  {
    name: 'CL and TE (CL.TE)',
    input: `POST / HTTP/1.1\r\n${H}Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG`,
    expect: 'CONTENT_LENGTH_AND_TRANSFER_ENCODING',
  },
  {
    name: 'TE and CL (TE.CL)',
    input: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n`,
    expect: 'CONTENT_LENGTH_AND_TRANSFER_ENCODING',
  },
  {
    name: 'two different Content-Lengths',
    input: `POST / HTTP/1.1\r\n${H}Content-Length: 1\r\nContent-Length: 2\r\n\r\nab`,
    expect: 'CONFLICTING_CONTENT_LENGTH',
  },
  {
    name: 'different values in one Content-Length',
    input: `POST / HTTP/1.1\r\n${H}Content-Length: 1, 2\r\n\r\nab`,
    expect: 'CONFLICTING_CONTENT_LENGTH',
  },
  {
    name: 'Content-Length with a sign',
    input: `POST / HTTP/1.1\r\n${H}Content-Length: +1\r\n\r\na`,
    expect: 'INVALID_CONTENT_LENGTH',
  },
  {
    name: 'negative Content-Length',
    input: `POST / HTTP/1.1\r\n${H}Content-Length: -1\r\n\r\n`,
    expect: 'INVALID_CONTENT_LENGTH',
  },
  {
    name: 'hex Content-Length',
    input: `POST / HTTP/1.1\r\n${H}Content-Length: 0x10\r\n\r\n`,
    expect: 'INVALID_CONTENT_LENGTH',
  },
  {
    name: 'Content-Length with junk',
    input: `POST / HTTP/1.1\r\n${H}Content-Length: 1 2\r\n\r\n`,
    expect: 'INVALID_CONTENT_LENGTH',
  },
  {
    name: 'empty Content-Length',
    input: `POST / HTTP/1.1\r\n${H}Content-Length:\r\n\r\n`,
    expect: 'INVALID_CONTENT_LENGTH',
  },
  {
    name: 'huge Content-Length',
    input: `POST / HTTP/1.1\r\n${H}Content-Length: 99999999999999999999\r\n\r\n`,
    expect: 'INVALID_CONTENT_LENGTH',
  },
  {
    name: 'TE not ending in chunked',
    input: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked, gzip\r\n\r\n`,
    expect: 'INVALID_TRANSFER_ENCODING',
  },
  {
    name: 'TE gzip only',
    input: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: gzip\r\n\r\n`,
    expect: 'INVALID_TRANSFER_ENCODING',
  },
  {
    name: 'unknown coding',
    input: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: xchunked\r\n\r\n`,
    expect: 'INVALID_TRANSFER_ENCODING',
  },
  {
    name: 'quoted chunked',
    input: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: "chunked"\r\n\r\n`,
    expect: 'INVALID_TRANSFER_ENCODING',
  },
  {
    name: 'chunked twice',
    input: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n`,
    expect: 'INVALID_TRANSFER_ENCODING',
  },
  {
    name: 'empty TE',
    input: `POST / HTTP/1.1\r\n${H}Transfer-Encoding:\r\n\r\n`,
    expect: 'INVALID_TRANSFER_ENCODING',
  },
  {
    name: 'TE in HTTP/1.0',
    input: 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    expect: 'TRANSFER_ENCODING_IN_HTTP10',
  },
  // Chunked body.
  {
    name: 'chunk size with junk',
    input: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5x\r\nhello\r\n0\r\n\r\n`,
    expect: 'INVALID_CHUNK_SIZE',
  },
  {
    name: 'chunk size with space then junk',
    input: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5 x\r\nhello\r\n0\r\n\r\n`,
    expect: 'INVALID_CHUNK_SIZE',
  },
  {
    name: 'chunk size 0x prefix',
    input: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n`,
    expect: 'INVALID_CHUNK_SIZE',
  },
  {
    name: 'empty chunk size',
    input: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n\r\nhello\r\n0\r\n\r\n`,
    expect: 'INVALID_CHUNK_SIZE',
  },
  {
    name: 'negative chunk size',
    input: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n-1\r\n\r\n`,
    expect: 'INVALID_CHUNK_SIZE',
  },
  {
    name: 'chunk size overflow',
    input: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFF1\r\nx\r\n0\r\n\r\n`,
    expect: 'CHUNK_SIZE_OVERFLOW',
  },
  {
    name: 'chunk size line with bare LF',
    input: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n`,
    expect: 'INVALID_CHUNK_SIZE',
  },
  {
    name: 'chunk size line with bare CR',
    input: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\rhello\r\n0\r\n\r\n`,
    expect: 'MISSING_CHUNK_CRLF',
  },
  {
    name: 'chunk data longer than its size',
    input: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n`,
    expect: 'MISSING_CHUNK_CRLF',
  },
  {
    name: 'chunk data without CRLF',
    input: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\r\nhello0\r\n\r\n`,
    expect: 'MISSING_CHUNK_CRLF',
  },
  {
    name: 'chunk data ended by LF only',
    input: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\n0\r\n\r\n`,
    expect: 'MISSING_CHUNK_CRLF',
  },
  {
    name: 'control byte in chunk extension',
    input: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5;a\0\r\nhello\r\n0\r\n\r\n`,
    expect: 'INVALID_CHUNK_EXTENSION',
  },
  {
    name: 'LF in chunk extension',
    input: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5;a\nb\r\nhello\r\n0\r\n\r\n`,
    expect: 'INVALID_CHUNK_EXTENSION',
  },
  {
    name: 'obs-fold in trailers',
    input: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n0\r\nX: a\r\n b\r\n\r\n`,
    expect: 'OBS_FOLD',
  },
  {
    name: 'bare LF ending trailers',
    input: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n0\r\n\n`,
    expect: 'BARE_LF',
  },
  // More hostile inputs (Go net/http, h11, llhttp strict mode, hyper).
  {
    name: 'TE identity',
    input: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: identity\r\n\r\n`,
    expect: 'INVALID_TRANSFER_ENCODING',
  },
  {
    name: 'TE chunked with a parameter',
    input: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked;q=1\r\n\r\n0\r\n\r\n`,
    expect: 'INVALID_TRANSFER_ENCODING',
  },
  {
    name: 'TE chunked then gzip on two lines',
    input: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n`,
    expect: 'INVALID_TRANSFER_ENCODING',
  },
  {
    name: 'TE with mixed case is chunked',
    input: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: cHuNkEd\r\n\r\n1\r\nx\r\n0\r\n\r\n`,
    expect: 'ok',
    messages: 1,
  },
  {
    name: 'whitespace before the first field line',
    input: `GET / HTTP/1.1\r\n ${H}\r\n`,
    expect: 'OBS_FOLD',
  },
  {
    name: 'vertical tab in a value',
    input: `GET / HTTP/1.1\r\n${H}X: a\x0bb\r\n\r\n`,
    expect: 'INVALID_HEADER_VALUE',
  },
  {
    name: 'form feed in a name',
    input: `GET / HTTP/1.1\r\n${H}X\x0cY: a\r\n\r\n`,
    expect: 'INVALID_HEADER_NAME',
  },
  { name: 'NUL in the method', input: `G\0T / HTTP/1.1\r\n${H}\r\n`, expect: 'INVALID_METHOD' },
  { name: 'leading space before the method', input: ` GET / HTTP/1.1\r\n${H}\r\n`, expect: 'INVALID_METHOD' },
  {
    name: 'Content-Length with a trailing comma',
    input: `POST / HTTP/1.1\r\n${H}Content-Length: 1,\r\n\r\nx`,
    expect: 'INVALID_CONTENT_LENGTH',
  },
  {
    name: 'Content-Length of 16 digits',
    input: `POST / HTTP/1.1\r\n${H}Content-Length: 1000000000000000\r\n\r\n`,
    expect: 'INVALID_CONTENT_LENGTH',
  },
  {
    name: 'Content-Length with leading zeros',
    input: `POST / HTTP/1.1\r\n${H}Content-Length: 003\r\n\r\nabc`,
    expect: 'ok',
    messages: 1,
  },
  {
    name: 'chunk size with leading space',
    input: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n 5\r\nhello\r\n0\r\n\r\n`,
    expect: 'INVALID_CHUNK_SIZE',
  },
  {
    name: 'chunk size, tab, extension',
    input: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\t;x=y\r\nhello\r\n0\r\n\r\n`,
    expect: 'ok',
    messages: 1,
  },
  {
    name: 'Content-Length in trailers does not reframe',
    input: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\nContent-Length: 50\r\n\r\nGET /2 HTTP/1.1\r\n${H}\r\n`,
    expect: 'ok',
    messages: 2,
  },
  { name: 'LF CR instead of CR LF', input: `GET / HTTP/1.1\n\r${H}\r\n`, expect: 'BARE_LF' },
  {
    name: 'GET with a body by Content-Length, then another request',
    input: `GET / HTTP/1.1\r\n${H}Content-Length: 4\r\n\r\nbodyGET /2 HTTP/1.1\r\n${H}\r\n`,
    expect: 'ok',
    messages: 2,
  },
];
