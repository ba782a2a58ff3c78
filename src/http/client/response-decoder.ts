/**
 * `ResponseDecoder`: the client's side of the shared HTTP/1.1 parser (src/http/parser/,
 * `HttpParser` in `'response'` mode): one response per request, on a keep-alive connection.
 * The parser does the bytes — status line, fields, the framing of RFC 9112 §6.3, chunked
 * coding, limits, strictness; this adapter adds what a client needs around it:
 *
 * - it knows the request's method, so a response to HEAD has no body;
 * - interim 1xx responses (100 Continue, 103 Early Hints) are skipped: the final head follows;
 * - bytes that arrive when no response is expected, or behind a complete response in the same
 *   read, are never taken as the next request's answer: the first is an error, the second makes
 *   the connection not reusable (`onEnd(false)`);
 * - parse errors become {@link MalformedResponseError} (`NBIO_HTTP_MALFORMED_RESPONSE`) with
 *   the parser's `HttpParseError` (and its `reason`) as `cause`;
 * - responses have no body limit (the parser's `maxBodyBytes` is a server's guard).
 *
 * @module
 */
import type { HeaderList } from '../parser/header-list.ts';
import type { HttpParseError } from '../parser/http-parse-error.ts';
import { HttpParser, type HttpParserHandler } from '../parser/http-parser.ts';
import type { MessageHead } from '../parser/message-head.ts';
import { MalformedResponseError } from './client-errors.ts';

/** The head of a final response. */
export interface ResponseHead {
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  readonly minorVersion: number;
  /** The status code (interim 1xx codes are never reported here, except 101). */
  readonly status: number;
  /** The reason phrase, possibly empty. */
  readonly statusText: string;
  /** Field names and values, alternating, as sent (names keep their case). */
  readonly rawHeaders: string[];
  /** The body is framed by chunked coding, a length, or the close of the connection; or absent. */
  readonly framing: 'none' | 'length' | 'chunked' | 'close';
  /** The announced Content-Length, or -1. */
  readonly contentLength: number;
  /** The connection may carry another request after this response (keep-alive). */
  readonly keepAlive: boolean;
  /** The server's `Keep-Alive: timeout=<s>` hint in ms (how long it keeps the connection idle), or -1. */
  readonly keepAliveHintMs: number;
}

/** What a {@link ResponseDecoder} reports, in order: one head, body chunks, one end. */
export interface ResponseEvents {
  /** The final head arrived. */
  onHead(head: ResponseHead): void;
  /** A piece of the body (a slice of the fed buffer: keep it, it is not reused). */
  onBody(chunk: Buffer): void;
  /**
   * The trailer fields of a chunked body (names and values alternating, as received), just
   * before `onEnd`; not called when the body had none.
   */
  onTrailers?(rawTrailers: string[]): void;
  /** The response is complete. `reusable`: the connection may carry the next request. */
  onEnd(reusable: boolean): void;
}

/** Limits of a {@link ResponseDecoder}. */
export interface ResponseDecoderLimits {
  /** The largest head (status line and fields), and trailer section, in bytes. Default 64 KiB. */
  maxHeaderBytes?: number;
  /** The most fields in a head or a trailer section. Default 256. */
  maxHeaderCount?: number;
}

/** See the module comment. */
export class ResponseDecoder implements HttpParserHandler {
  readonly #events: ResponseEvents;
  readonly #parser: HttpParser;
  #method = '';
  #busy = false;
  #started = false;
  #interim = false;
  #ended = false;
  #keepAlive = false;
  #error: HttpParseError | null = null;

  /** @param events the receiver of the events; @param limits see {@link ResponseDecoderLimits} */
  constructor(events: ResponseEvents, limits: ResponseDecoderLimits = {}) {
    this.#events = events;
    this.#parser = new HttpParser('response', this, {
      maxHeaderBytes: limits.maxHeaderBytes ?? 64 * 1024,
      maxHeaderCount: limits.maxHeaderCount ?? 256,
      maxBodyBytes: Number.MAX_SAFE_INTEGER,
    });
  }

  /** True between {@link expect} and the end of that response. */
  get isBusy(): boolean {
    return this.#busy;
  }

  /** True once any byte of the expected response arrived (a retry is then unsafe). */
  get hasStarted(): boolean {
    return this.#started;
  }

  /** Prepares for the response to a request with `method` (a HEAD response has no body). */
  expect(method: string): void {
    this.#method = method;
    this.#busy = true;
    this.#started = false;
    this.#parser.resume(); // paused at the end of the previous response, with nothing behind it
  }

  /**
   * Decodes `data`. Events run synchronously, inside this call.
   * @throws MalformedResponseError when the bytes are not a valid response, or arrive when no
   *   response is expected (the connection must then be closed)
   */
  feed(data: Buffer): void {
    if (!this.#busy)
      throw new MalformedResponseError(`${data.length} bytes arrived when no response was expected`);
    if (data.length > 0) this.#started = true;
    this.#parser.execute(data);
    this.#afterParse();
  }

  /**
   * The server closed its side. Returns true when that ended the response cleanly (a body
   * framed by the close) or no response was expected; false when a response was cut short.
   * @throws MalformedResponseError when the bytes so far were not a valid response
   */
  eof(): boolean {
    if (!this.#busy) return true;
    this.#parser.finish();
    if (this.#error?.reason === 'INCOMPLETE_MESSAGE') return false;
    const ended = this.#ended;
    this.#afterParse();
    return ended;
  }

  #afterParse(): void {
    const error = this.#error;
    if (error !== null) {
      this.#busy = false;
      throw new MalformedResponseError(error.message.replace(/^Malformed HTTP message /, ''), {
        cause: error,
      });
    }
    if (this.#ended) {
      this.#ended = false;
      this.#busy = false;
      // Bytes behind a complete response, before the next request, are never read as its
      // answer: the connection is not reused, and they are dropped with it.
      this.#events.onEnd(this.#keepAlive && this.#parser.pendingBytes === 0);
    }
  }

  // ── HttpParserHandler ─────────────────────────────────────────────────────────────────

  /** @inheritDoc */
  onHead(head: MessageHead): boolean {
    if (head.status < 200 && head.status !== 101) {
      this.#interim = true; // RFC 9110 §15.2: the final response follows
      return true;
    }
    this.#keepAlive = head.keepAlive && head.status !== 101;
    const noBody = this.#method === 'HEAD';
    const h = head.headers;
    const rawHeaders: string[] = [];
    for (let i = 0; i < h.size; i++) rawHeaders.push(h.name(i), h.value(i));
    this.#events.onHead({
      minorVersion: head.versionMinor,
      status: head.status,
      statusText: head.reason,
      rawHeaders,
      framing: noBody ? 'none' : head.framing,
      contentLength: head.contentLength,
      keepAlive: this.#keepAlive,
      keepAliveHintMs: this.#keepAlive ? keepAliveHint(h.get('keep-alive')) : -1,
    });
    return noBody;
  }

  /** @inheritDoc */
  onBody(chunk: Buffer): void {
    this.#events.onBody(chunk);
  }

  /** @inheritDoc */
  onTrailers(trailers: HeaderList): void {
    if (trailers.size === 0 || this.#events.onTrailers === undefined) return;
    const raw: string[] = [];
    for (let i = 0; i < trailers.size; i++) raw.push(trailers.name(i), trailers.value(i));
    this.#events.onTrailers(raw);
  }

  /** @inheritDoc */
  onMessageComplete(): void {
    if (this.#interim) {
      this.#interim = false;
      return;
    }
    this.#ended = true;
    this.#parser.pause(); // what follows in this read is not this exchange's
  }

  /** @inheritDoc */
  onError(error: HttpParseError): void {
    this.#error = error;
  }
}

/** The `timeout` parameter of a `Keep-Alive` field (RFC 2068 §19.7.1.1), in ms, or -1. */
function keepAliveHint(value: string | null): number {
  if (value === null) return -1;
  const m = /(?:^|[,;\s])timeout\s*=\s*(\d{1,9})/i.exec(value);
  return m === null ? -1 : Number(m[1]) * 1000;
}
