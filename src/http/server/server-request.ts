/**
 * `ServerRequest`: the request a fetch-shaped handler receives — `method`, `url`, `headers`,
 * `body` (a `ReadableStream`), `text()`/`json()`/`arrayBuffer()`/`bytes()`/`blob()`/
 * `formData()`, `signal` — built lazily: the URL string, the `Headers` and the stream are made
 * only when first asked for, and a WHATWG `Request` only by `toRequest()` (or `formData()`).
 *
 * @module
 */
import type { SocketAddress } from '../../sys/sockaddr.ts';
import type { HeaderList } from '../parser/header-list.ts';
import type { MessageHead } from '../parser/message-head.ts';
import type { BodyReader } from './body-reader.ts';
import type { Exchange } from './http-connection.ts';

/** A request as a fetch-shaped handler sees it; see the module comment. */
export class ServerRequest {
  readonly #ex: Exchange;
  readonly #fallbackHost: string;
  #url: string | null = null;
  #headers: Headers | null = null;
  #trailers: Headers | null = null;
  #stream: ReadableStream<Uint8Array> | null = null;
  #used = false;

  /** @internal made by the server */
  constructor(exchange: Exchange, fallbackHost: string) {
    this.#ex = exchange;
    this.#fallbackHost = fallbackHost;
  }

  /** The method, as sent (`GET`, `POST` …). */
  get method(): string {
    return this.#ex.head.method;
  }

  /** The absolute URL: `http://` + Host + target (or the target itself in absolute form). */
  get url(): string {
    if (this.#url === null) {
      const target = this.#ex.head.target;
      if (target.startsWith('http://') || target.startsWith('https://')) this.#url = target;
      else {
        const host = hostOf(this.#ex.head) ?? this.#fallbackHost;
        if (target !== lastUrlTarget || host !== lastUrlHost) {
          lastUrl = target === '*' ? `http://${host}/` : `http://${host}${target}`;
          lastUrlTarget = target;
          lastUrlHost = host;
        }
        this.#url = lastUrl;
      }
    }
    return this.#url;
  }

  /** The fields as a WHATWG `Headers` (made on first access). */
  get headers(): Headers {
    this.#headers ??= this.#ex.head.headers.toHeaders();
    return this.#headers;
  }

  /** The fields without building a `Headers`: offsets into the received bytes. */
  get headerList(): HeaderList {
    return this.#ex.head.headers;
  }

  /** The parsed head (version, framing, keep-alive …). */
  get head(): MessageHead {
    return this.#ex.head;
  }

  /** The body as a ReadableStream, or null when the request has none. */
  get body(): ReadableStream<Uint8Array> | null {
    if (this.#ex.head.framing === 'none') return null;
    if (this.#stream === null) {
      const reader = this.#take();
      this.#stream = new ReadableStream<Uint8Array>(
        {
          async pull(controller) {
            const chunk = await reader.read();
            if (chunk === null) controller.close();
            else controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
          },
        },
        { highWaterMark: 0 },
      );
    }
    return this.#stream;
  }

  /**
   * The trailer fields of a chunked request body, once the body was read to its end (after
   * `await req.text()`, or the stream's last chunk); null before that, and when there were none.
   */
  get trailers(): Headers | null {
    const list = this.#ex.body.trailers;
    if (list === null) return null;
    this.#trailers ??= list.toHeaders();
    return this.#trailers;
  }

  /** The trailer fields without building a `Headers` (null as for {@link trailers}). */
  get trailerList(): HeaderList | null {
    return this.#ex.body.trailers;
  }

  /** True once the body was read (or its stream taken). */
  get bodyUsed(): boolean {
    return this.#used;
  }

  /** Aborted when the client's connection is lost. */
  get signal(): AbortSignal {
    return this.#ex.connection.signal;
  }

  /** The client's address. */
  get remoteAddress(): SocketAddress | null {
    return this.#ex.connection.transport.getExtraInfo('peername');
  }

  /**
   * The body, whole, as bytes. Not copied again when the body's bytes fill a buffer of their own
   * (a body of several reads is joined into a new buffer once); copied out of a larger one.
   */
  async arrayBuffer(): Promise<ArrayBuffer> {
    return ownBuffer(await this.#readAll());
  }

  /** The body, whole, as a Uint8Array (over a buffer of its own, as {@link arrayBuffer}). */
  async bytes(): Promise<Uint8Array> {
    return new Uint8Array(ownBuffer(await this.#readAll()));
  }

  /** The body, whole, decoded as UTF-8. */
  async text(): Promise<string> {
    return (await this.#readAll()).toString('utf8');
  }

  /** The body, whole, parsed as JSON. */
  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  /** The body as a Blob, typed by Content-Type. */
  async blob(): Promise<Blob> {
    return new Blob([await this.bytes()], { type: this.#ex.head.headers.get('content-type') ?? '' });
  }

  /** The body parsed as form data (through a WHATWG Request). */
  async formData(): Promise<FormData> {
    return this.toRequest().formData();
  }

  /** A WHATWG `Request` with the same method, URL, fields and body (the body is taken). */
  toRequest(): Request {
    const body = this.body;
    if (body !== null) this.#used = true;
    return new Request(this.url, {
      method: this.method,
      headers: this.headers,
      body,
      signal: this.signal,
      ...(body === null ? {} : { duplex: 'half' }),
    } as RequestInit);
  }

  #take(): BodyReader {
    if (this.#used)
      throw new TypeError(
        'The request body was already read: read it once (text(), json(), arrayBuffer() or body).',
      );
    this.#used = true;
    return this.#ex.body;
  }

  /** The whole body (not an async function: one promise less per request; callers are). */
  #readAll(): Promise<Buffer> {
    if (this.#stream !== null) return readStream(this.#stream);
    if (this.#ex.head.framing === 'none') {
      this.#take();
      return Promise.resolve(Buffer.alloc(0));
    }
    return this.#take().readAll();
  }
}

/**
 * The last URL made and its parts: a server's requests mostly repeat both (the parser reuses the
 * target string while its bytes are the same, and {@link hostOf} the Host), so the compare is
 * of the same strings, and the URL, flattened by the first handler that searched it, is not
 * concatenated again.
 */
let lastUrl = '';
let lastUrlTarget = '';
let lastUrlHost = '';

/** The last Host value decoded (and its bytes): the requests of a server mostly name the same host. */
let lastHost = '';
let lastHostBytes: Uint8Array = new Uint8Array(0);

/**
 * The Host field's value (the last one again when the bytes are the same), or null. The parser
 * found it (`hostIndex`) and rejected a request with two.
 */
function hostOf(head: MessageHead): string | null {
  const i = head.hostIndex;
  if (i < 0) return null;
  const headers = head.headers;
  if (headers.valueBytesAre(i, lastHostBytes)) return lastHost;
  lastHost = headers.value(i);
  lastHostBytes = Buffer.from(lastHost, 'latin1');
  return lastHost;
}

/** A body stream someone took, read to its end. */
async function readStream(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  if (stream.locked) throw new TypeError('The request body stream is locked: read it once.');
  const parts: Uint8Array[] = [];
  for await (const c of stream) parts.push(c);
  return Buffer.concat(parts);
}

/**
 * An ArrayBuffer holding exactly `b`'s bytes: `b`'s own when `b` fills it (the body was joined
 * into a fresh buffer, or arrived as a read of its own), else a copy (a slice of a read that
 * also held the head, or of Node's shared pool for small reads: never hand those out).
 */
function ownBuffer(b: Buffer): ArrayBuffer {
  const ab = b.buffer as ArrayBuffer;
  if (b.byteOffset === 0 && b.length === ab.byteLength) return ab;
  return ab.slice(b.byteOffset, b.byteOffset + b.length);
}
