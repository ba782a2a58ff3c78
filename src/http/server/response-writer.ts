/**
 * `ResponseWriter`: the low-level way to answer one request: `writeHead()`, then `write()` as
 * often as needed (it returns false above the transport's high-water mark: await `drain()`),
 * then `end()`. The framing is chosen when the head goes out: the caller's Content-Length,
 * else the length of the body given to `end()` when nothing was written before, else chunked
 * (HTTP/1.1) or delimited by closing the connection (HTTP/1.0).
 *
 * HEAD requests and 1xx/204/304 responses get no body bytes, whatever is written.
 *
 * Trailers (RFC 9112 §7.1.2): `addTrailers()` before `end()` makes the body chunked (a
 * `Trailer` field announces the names when the head has not gone out yet) and sends the fields
 * after the last chunk. A response with a Content-Length, or to an HTTP/1.0 client, cannot carry
 * them: `addTrailers()` throws an InvalidArgumentError.
 *
 * @module
 */
import { BrokenResourceError, ClosedResourceError, InvalidArgumentError } from '../../errors.ts';
import type { Transport } from '../../net/transport.ts';
import type { MessageHead } from '../parser/message-head.ts';
import { responseBytes } from './response-bytes.ts';
import {
  type HeaderInput,
  headString,
  type SerializedFields,
  serializeFields,
  serializeTrailers,
} from './response-head.ts';

/** What a ResponseWriter needs from its connection. */
export interface ResponseSink {
  readonly transport: Transport;
  /** True while the transport's buffer is above its high-water mark. */
  readonly writePaused: boolean;
  /** Sends bytes (held with other responses while the connection parses a batch of requests). */
  send(data: Uint8Array | string): void;
  /** Sends several pieces as one write. */
  sendLines(chunks: readonly (Uint8Array | string)[]): void;
  /** Resolves when the transport's buffer drained (at once if it is not paused). */
  drain(): Promise<void>;
  /** The Date field's value for a response sent now (see http-date.ts). */
  readonly date: string;
  /** False once the connection must close after this response (server closing, request said so). */
  canKeepAlive(): boolean;
  /** Every byte of the response was handed to the transport. */
  responseEnded(keepAlive: boolean): void;
}

type Framing = 'length' | 'chunked' | 'close' | 'none';

/** Answers one request; see the module comment. */
export class ResponseWriter {
  readonly #sink: ResponseSink;
  readonly #request: MessageHead;
  #status = 200;
  #fields: SerializedFields | null = null;
  #headSent = false;
  #ended = false;
  #framing: Framing = 'none';
  #keepAlive = true;
  #noBody: boolean;
  #bytesLeft = 0;
  #continueSent = false;
  #abandoned = false;
  /** Serialized trailer fields (`Name: value\r\n` lines) and their names, once added. */
  #trailers: { lines: string; names: string[] } | null = null;

  /** @internal made by the connection */
  constructor(sink: ResponseSink, request: MessageHead) {
    this.#sink = sink;
    this.#request = request;
    this.#noBody = request.method === 'HEAD';
  }

  /** True once the head went out. */
  get headersSent(): boolean {
    return this.#headSent;
  }

  /** True once `end()` was called (or the connection broke). */
  get finished(): boolean {
    return this.#ended;
  }

  /** The status set (200 until `writeHead`). */
  get status(): number {
    return this.#status;
  }

  /**
   * Sets the status and fields; they go out with the first `write()` or `end()`.
   * @throws InvalidArgumentError for a status outside 200..999 or a bad field;
   *   ClosedResourceError once the head was sent
   */
  writeHead(status: number, headers?: HeaderInput): this {
    return this.writeHeadChecked(status, headers, false);
  }

  /**
   * @internal `writeHead`, told whether the fields were validated already (`checked`: a
   * LightResponse's snapshot; see `serializeFields`)
   */
  writeHeadChecked(status: number, headers: HeaderInput | undefined, checked: boolean): this {
    if (this.#headSent || this.#ended)
      throw new ClosedResourceError('writeHead() after the head was sent: set status and fields first.');
    if (!Number.isInteger(status) || status < 200 || status > 999) {
      throw new InvalidArgumentError(
        `Invalid status ${String(status)}: use an integer from 200 to 999 (1xx are sent by the server).`,
      );
    }
    this.#status = status;
    this.#fields = serializeFields(headers, checked);
    return this;
  }

  /**
   * Sends body bytes (the head first, if not sent yet).
   * @returns false when the transport's buffer is full: `await drain()` before writing more
   * @throws ClosedResourceError after `end()`; BrokenResourceError once the client is gone
   */
  write(chunk: Uint8Array | string): boolean {
    if (this.#abandoned) {
      throw new BrokenResourceError(
        'The client connection is gone (or the request was rejected): stop writing.',
      );
    }
    if (this.#ended) throw new ClosedResourceError('write() after end(): a response is written once.');
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (!this.#headSent) this.#sendHead(-1, null);
    if (bytes.length === 0 || this.#noBody || this.#sink.transport.isClosing) return !this.#sink.writePaused;
    const sink = this.#sink;
    if (this.#framing === 'chunked') sink.sendLines([`${bytes.length.toString(16)}\r\n`, bytes, '\r\n']);
    else if (this.#framing === 'length') {
      if (bytes.length > this.#bytesLeft) {
        throw new InvalidArgumentError(
          `The body is longer than its Content-Length (${this.#bytesLeft} bytes left, ${bytes.length} written).`,
        );
      }
      this.#bytesLeft -= bytes.length;
      sink.send(bytes);
    } else sink.send(bytes);
    return !this.#sink.writePaused;
  }

  /**
   * Adds trailer fields, sent after the last chunk of the body (call before `end()`; more than
   * once adds more). The body is sent chunked; if the head has not gone out yet, it announces
   * the names in a `Trailer` field (unless the caller set one).
   * @throws InvalidArgumentError when the response has a Content-Length (set by the caller, or
   *   the head already went out with one), the client speaks HTTP/1.0 (no chunked encoding), a
   *   field is bad, or names a framing or routing field (Content-Length, Transfer-Encoding,
   *   Trailer, Host, Connection …); ClosedResourceError after `end()`
   */
  addTrailers(fields: HeaderInput): this {
    if (this.#ended) throw new ClosedResourceError('addTrailers() after end(): add trailers before end().');
    if (this.#request.versionMinor === 0) {
      throw new InvalidArgumentError(
        'Trailers need a chunked body, which an HTTP/1.0 client cannot read: send these fields in the head.',
      );
    }
    const length = this.#headSent
      ? this.#framing === 'length'
        ? 0
        : -1
      : (this.#fields?.contentLength ?? -1);
    if (length >= 0) {
      throw new InvalidArgumentError(
        'Trailers need a chunked body, and this response has a Content-Length: leave Content-Length out to send trailers.',
      );
    }
    const t = serializeTrailers(fields);
    this.#trailers =
      this.#trailers === null
        ? t
        : { lines: this.#trailers.lines + t.lines, names: [...this.#trailers.names, ...t.names] };
    return this;
  }

  /** Resolves when more may be written (the transport's buffer drained). */
  drain(): Promise<void> {
    return this.#sink.drain();
  }

  /**
   * Ends the response, with a last piece of body. Without earlier writes, the body's length
   * becomes the Content-Length and head and body leave in one write.
   */
  end(chunk?: Uint8Array | string): void {
    if (this.#ended) return;
    if (this.#trailers !== null) {
      this.#endWithTrailers(chunk);
      return;
    }
    if (!this.#headSent) {
      if (chunk === undefined || chunk.length === 0) this.#sendHead(0, null);
      else this.#sendHead(typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length, chunk);
    } else if (chunk !== undefined && chunk.length > 0) this.write(chunk);
    else if (this.#framing === 'chunked' && !this.#noBody && !this.#sink.transport.isClosing)
      this.#sink.send('0\r\n\r\n');
    this.#finish();
  }

  /** True when the client asked for `100 Continue` and never got it (it may not send its body). */
  get continueWithheld(): boolean {
    return this.#request.expectContinue && !this.#continueSent;
  }

  /** @internal sends `100 Continue` if the client waits for it and no response started */
  sendContinue(): void {
    if (
      this.#continueSent ||
      this.#headSent ||
      !this.#request.expectContinue ||
      this.#sink.transport.isClosing
    )
      return;
    this.#continueSent = true;
    this.#sink.send('HTTP/1.1 100 Continue\r\n\r\n');
  }

  /** @internal the connection broke: nothing more can be written */
  abandon(): void {
    this.#abandoned = true;
    this.#ended = true;
    this.#headSent = true;
  }

  /** end() of a response with trailers: chunked, the last chunk followed by the fields. */
  #endWithTrailers(chunk: Uint8Array | string | undefined): void {
    if (!this.#headSent) this.#sendHead(-1, null);
    if (chunk !== undefined && chunk.length > 0) this.write(chunk);
    if (this.#framing === 'chunked' && !this.#noBody && !this.#sink.transport.isClosing)
      this.#sink.send(`0\r\n${this.#trailers?.lines ?? ''}\r\n`);
    this.#finish();
  }

  #finish(): void {
    this.#ended = true;
    if (this.#framing === 'length' && this.#bytesLeft > 0 && !this.#noBody) {
      // Fewer bytes than announced: the client would wait forever; close so it sees the truncation.
      this.#keepAlive = false;
    }
    this.#sink.responseEnded(this.#keepAlive && this.#framing !== 'close');
  }

  /** Sends the head; with `body` (end() before any write), head and body in one write. */
  #sendHead(bodyLength: number, body: Uint8Array | string | null): void {
    const fields = this.#fields ?? serializeFields(undefined);
    if (this.#trailers !== null && fields.contentLength >= 0) {
      throw new InvalidArgumentError(
        'Trailers need a chunked body, and this response has a Content-Length: leave Content-Length out to send trailers.',
      );
    }
    if (
      fields.contentLength >= 0 &&
      bodyLength > fields.contentLength &&
      this.#status !== 204 &&
      this.#status !== 304
    ) {
      throw new InvalidArgumentError(
        `The body (${bodyLength} bytes) is longer than its Content-Length (${fields.contentLength}).`,
      );
    }
    this.#headSent = true;
    const status = this.#status;
    const req = this.#request;
    if (status === 204 || status === 304) this.#noBody = true;
    let keepAlive = req.keepAlive && !fields.close && this.#sink.canKeepAlive();
    let framing: Framing;
    let length = fields.contentLength;
    if (status === 204 || status === 304) framing = 'none';
    else if (length >= 0) framing = 'length';
    else if (bodyLength >= 0) {
      framing = 'length';
      length = bodyLength;
    } else if (req.versionMinor === 1) framing = 'chunked';
    else {
      framing = 'close';
      keepAlive = false;
    }
    this.#framing = framing;
    this.#keepAlive = keepAlive;
    this.#bytesLeft = length;
    const sink = this.#sink;
    const date = fields.hasDate ? '' : sink.date;
    if (this.#trailers === null && (body === null || this.#noBody || typeof body === 'string')) {
      // Head and string body in one piece: the same bytes as the last response, if they are.
      if (sink.transport.isClosing) return;
      const text = body === null || this.#noBody ? null : (body as string);
      if (text !== null) this.#bytesLeft -= bodyLength;
      sink.send(responseBytes(status, fields, framing, length, keepAlive, req.versionMinor, date, text));
      return;
    }
    const trailerNames = this.#trailers === null || fields.hasTrailer ? null : this.#trailers.names;
    const head = headString(status, fields, framing, length, keepAlive, req.versionMinor, trailerNames, date);
    if (sink.transport.isClosing) return;
    if (body === null || this.#noBody) sink.send(head);
    else if (typeof body === 'string') {
      this.#bytesLeft -= bodyLength;
      sink.send(head + body);
    } else {
      this.#bytesLeft -= body.length;
      sink.sendLines([head, body]);
    }
  }
}
