/**
 * `ClientResponse`: what `fetch` and `HttpClient.request` resolve with, in the shape of the
 * WHATWG `Response` (`status`, `ok`, `headers`, `body`, `text()`, `json()`, `arrayBuffer()`,
 * `bytes()`, `blob()`, `bodyUsed`, `url`, `redirected`) so fetch code reads it unchanged.
 *
 * It is not a WHATWG `Response` itself (`toResponse()` makes one): the body is a
 * {@link BodyQueue} fed by the connection, `body` builds a `ReadableStream` over it only when
 * asked, and `for await (const chunk of response)` reads the chunks without one. The body must
 * be read to its end (or `cancel()`ed) for the connection to go back to the pool — undici's rule.
 *
 * @module
 */
import { InvalidArgumentError } from '../../errors.ts';
import type { BodyQueue } from './body-queue.ts';
import type { ResponseHead } from './response-decoder.ts';
import { ResponseHeaders } from './response-headers.ts';

/** See the module comment. */
export class ClientResponse implements AsyncIterable<Buffer> {
  /** The status code. */
  readonly status: number;
  /** The reason phrase the server sent. */
  readonly statusText: string;
  /** The URL this response answers (after redirects). */
  readonly url: string;
  /** True when redirects were followed to get here. */
  readonly redirected: boolean;
  /** Always `'basic'` (there is no CORS here). */
  readonly type = 'basic' as const;
  /** `'1.0'` or `'1.1'`. */
  readonly httpVersion: string;
  readonly #head: ResponseHead;
  readonly #body: BodyQueue;
  #headers: ResponseHeaders | null = null;
  #stream: ReadableStream<Uint8Array> | null = null;
  #trailers: ResponseHeaders | null = null;
  #used = false;

  /** @internal made by the client: the decoded head, the body queue, the URL */
  constructor(head: ResponseHead, body: BodyQueue, url: string, redirected: boolean) {
    this.status = head.status;
    this.statusText = head.statusText;
    this.httpVersion = head.minorVersion === 1 ? '1.1' : '1.0';
    this.url = url;
    this.redirected = redirected;
    this.#head = head;
    this.#body = body;
  }

  /** True for a 2xx status. */
  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  /** The fields, read-only, with `Headers`' reading methods. */
  get headers(): ResponseHeaders {
    if (this.#headers === null) this.#headers = new ResponseHeaders(this.#head.rawHeaders);
    return this.#headers;
  }

  /** Names and values alternating, as received. */
  get rawHeaders(): readonly string[] {
    return this.#head.rawHeaders;
  }

  /**
   * The trailer fields of a chunked body (RFC 9112 §7.1.2), read-only like {@link headers},
   * once the whole body has arrived: read it to its end first (`await res.text()`, the stream's
   * or the iterator's last chunk). Null before that, and when the body had none.
   */
  get trailers(): ResponseHeaders | null {
    const raw = this.#body.trailers;
    if (raw === null) return null;
    this.#trailers ??= new ResponseHeaders(raw);
    return this.#trailers;
  }

  /** The Content-Length the server announced, or -1. */
  get contentLength(): number {
    return this.#head.contentLength;
  }

  /** Body bytes received and not read yet (at most about the high water mark plus one socket read). */
  get bufferedBytes(): number {
    return this.#body.bufferedBytes;
  }

  /** True once the body was read (or is being read) by any of the means below. */
  get bodyUsed(): boolean {
    return this.#used;
  }

  /** The body as a WHATWG ReadableStream (pulling from the socket as it is read), or null when there is none. */
  get body(): ReadableStream<Uint8Array> | null {
    if (this.#head.framing === 'none') return null;
    if (this.#stream === null) {
      const queue = this.#body;
      this.#stream = new ReadableStream<Uint8Array>({
        pull: async (controller) => {
          this.#used = true;
          const chunk = await queue.next();
          if (chunk === null) controller.close();
          else controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        },
        cancel: (reason) => queue.cancel(reason),
      });
    }
    return this.#stream;
  }

  /** The whole body as one Buffer. */
  async buffer(): Promise<Buffer> {
    this.#claim('buffer');
    return this.#body.readAll();
  }

  /** The whole body as an ArrayBuffer. */
  async arrayBuffer(): Promise<ArrayBuffer> {
    const b = await this.buffer();
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  }

  /** The whole body as a Uint8Array. */
  async bytes(): Promise<Uint8Array> {
    const b = await this.buffer();
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  }

  /** The whole body decoded as UTF-8. */
  async text(): Promise<string> {
    return (await this.buffer()).toString('utf8');
  }

  /** The whole body parsed as JSON. */
  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  /** The whole body as a Blob (typed by Content-Type). */
  async blob(): Promise<Blob> {
    const b = await this.buffer();
    return new Blob([b], { type: this.headers.get('content-type') ?? '' });
  }

  /** The body chunk by chunk, as it arrives; the fastest way to stream it. */
  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    this.#claim('iterate');
    let done = false;
    try {
      for (let c = await this.#body.next(); c !== null; c = await this.#body.next()) yield c;
      done = true;
    } finally {
      if (!done) this.#body.cancel();
    }
  }

  /** Gives up on the body: its connection is closed unless the whole body had arrived. Idempotent. */
  cancel(reason?: unknown): void {
    this.#used = true;
    this.#body.cancel(reason);
  }

  /** A WHATWG `Response` with this status, headers and (streamed) body. */
  toResponse(): Response {
    const nullBody = this.status === 204 || this.status === 304 || this.#head.framing === 'none';
    const init = {
      status: this.status < 200 ? 200 : this.status,
      statusText: this.statusText,
      headers: this.headers.toHeaders(),
    };
    return new Response(nullBody ? null : this.body, init);
  }

  #claim(how: string): void {
    if (this.#used) {
      throw new InvalidArgumentError(
        `Cannot ${how} the body: it was already read. Read a response body once.`,
      );
    }
    this.#used = true;
  }
}
