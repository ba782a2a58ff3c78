/**
 * `HttpParseError`: what the HTTP/1.1 parser found wrong, with the status a server answers
 * with (400, 413, 414, 431, 505) and a stable `reason` naming the rule that was broken.
 *
 * @module
 */
import { NbioError } from '../../errors.ts';

/** The rule a message broke; stable, for programs and tests to compare. */
export type HttpParseErrorReason =
  | 'INVALID_METHOD'
  | 'INVALID_TARGET'
  | 'INVALID_VERSION'
  | 'UNSUPPORTED_VERSION'
  | 'INVALID_STATUS_LINE'
  | 'INVALID_HEADER_NAME'
  | 'INVALID_HEADER_VALUE'
  | 'WHITESPACE_BEFORE_COLON'
  | 'OBS_FOLD'
  | 'BARE_CR'
  | 'BARE_LF'
  | 'CONTENT_LENGTH_AND_TRANSFER_ENCODING'
  | 'INVALID_CONTENT_LENGTH'
  | 'CONFLICTING_CONTENT_LENGTH'
  | 'INVALID_TRANSFER_ENCODING'
  | 'TRANSFER_ENCODING_IN_HTTP10'
  | 'MISSING_HOST'
  | 'DUPLICATE_HOST'
  | 'INVALID_CHUNK_SIZE'
  | 'CHUNK_SIZE_OVERFLOW'
  | 'INVALID_CHUNK_EXTENSION'
  | 'MISSING_CHUNK_CRLF'
  | 'REQUEST_LINE_TOO_LONG'
  | 'HEADERS_TOO_LARGE'
  | 'TOO_MANY_HEADERS'
  | 'BODY_TOO_LARGE'
  | 'INCOMPLETE_MESSAGE';

/** The status a server sends for each reason (everything not listed is 400). */
const STATUS: Partial<Record<HttpParseErrorReason, number>> = {
  UNSUPPORTED_VERSION: 505,
  REQUEST_LINE_TOO_LONG: 414,
  HEADERS_TOO_LARGE: 431,
  TOO_MANY_HEADERS: 431,
  BODY_TOO_LARGE: 413,
};

/** A message the parser rejected. The connection it came on must be closed after the answer. */
export class HttpParseError extends NbioError {
  /** Which rule was broken. */
  readonly reason: HttpParseErrorReason;
  /** The status code a server answers with (400, 413, 414, 431 or 505). */
  readonly status: number;

  /**
   * @param reason the rule that was broken
   * @param detail what was seen, and what to send instead
   */
  constructor(reason: HttpParseErrorReason, detail: string) {
    super('NBIO_HTTP_PARSE', `Malformed HTTP message (${reason}): ${detail}`);
    this.reason = reason;
    this.status = STATUS[reason] ?? 400;
  }
}
