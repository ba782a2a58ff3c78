/**
 * Twisted's `Agent` (twisted.web.client) as a thin face over nbio's HTTP client:
 * `agent.request(method, uri, headers, bodyProducer)` returns a Deferred that fires with an
 * {@link AgentResponse} once the response head arrived; its body is delivered to a protocol
 * with `deliverBody(protocol)`, or read whole with {@link readBody}.
 *
 * | Twisted | here |
 * |---|---|
 * | `Agent(reactor, pool=HTTPConnectionPool(reactor, persistent=True))` | `new Agent(loop, { maxPersistentPerHost })` (keep-alive always) |
 * | `Headers({b'user-agent': [b'x']})`, `getRawHeaders`, `hasHeader`, `addRawHeader` | {@link Headers}, same methods (strings) |
 * | `FileBodyProducer(BytesIO(data))` | {@link FileBodyProducer}`(data)`; any `{ length, startProducing(consumer) }` works |
 * | `response.code`, `phrase`, `version`, `headers`, `length`, `deliverBody(protocol)` | same; `length` is {@link UNKNOWN_LENGTH} when not announced |
 * | `readBody(response)` | {@link readBody} |
 * | `d.cancel()` | aborts the request (its connection is closed) |
 *
 * As everywhere in nbio's Twisted style, the protocol's `connectionLost(reason)` gets
 * `undefined` when the body ended cleanly (Twisted passes `Failure(ResponseDone)`), and the
 * error otherwise; request failures are nbio's own errors with their `NBIO_*` codes (Twisted
 * wraps them in `ResponseNeverReceived`). Redirects are not followed (as `Agent`; Twisted's
 * `RedirectAgent` is not provided).
 *
 * @module
 */
import { InvalidArgumentError } from '../../errors.ts';
import type { ClientResponse } from '../../http/client/client-response.ts';
import { HttpClient } from '../../http/client/http-client.ts';
import type { EventLoop } from '../../loop/event-loop.ts';
import { Deferred } from './deferred.ts';
import { Protocol } from './protocol.ts';

/** `length` of a body whose size is not known in advance (Twisted's `UNKNOWN_LENGTH`). */
export const UNKNOWN_LENGTH = 'UNKNOWN_LENGTH' as const;

/** Twisted's `http_headers.Headers`: names case-insensitive, each with a list of raw values. */
export class Headers {
  readonly #map = new Map<string, { name: string; values: string[] }>();

  /** @param raw names to lists of values (Twisted's constructor argument) */
  constructor(raw: Record<string, readonly string[]> = {}) {
    for (const [name, values] of Object.entries(raw)) this.setRawHeaders(name, values);
  }

  /** The values of `name`, or `defaultValue` (undefined) when it is absent. */
  getRawHeaders<D = undefined>(name: string, defaultValue?: D): string[] | D {
    const e = this.#map.get(name.toLowerCase());
    return e === undefined ? (defaultValue as D) : [...e.values];
  }

  /** True when `name` has values. */
  hasHeader(name: string): boolean {
    return this.#map.has(name.toLowerCase());
  }

  /** Replaces the values of `name`. */
  setRawHeaders(name: string, values: readonly string[]): void {
    this.#map.set(name.toLowerCase(), { name, values: [...values] });
  }

  /** Adds one value to `name`. */
  addRawHeader(name: string, value: string): void {
    const e = this.#map.get(name.toLowerCase());
    if (e === undefined) this.#map.set(name.toLowerCase(), { name, values: [value] });
    else e.values.push(value);
  }

  /** Removes `name`. */
  removeHeader(name: string): void {
    this.#map.delete(name.toLowerCase());
  }

  /** Every [name, values] pair. */
  *getAllRawHeaders(): IterableIterator<[string, string[]]> {
    for (const { name, values } of this.#map.values()) yield [name, [...values]];
  }

  /** [name, value] pairs, one per value, for the client. */
  toPairs(): [string, string][] {
    const out: [string, string][] = [];
    for (const { name, values } of this.#map.values()) for (const v of values) out.push([name, v]);
    return out;
  }
}

/** What a body producer writes to (Twisted's `IConsumer`). */
export interface BodyConsumer {
  /** Sends `data` as the next part of the body. */
  write(data: Uint8Array | string): void;
}

/** Twisted's `IBodyProducer`: a known `length` (or UNKNOWN_LENGTH: sent chunked) and `startProducing`. */
export interface BodyProducer {
  readonly length: number | typeof UNKNOWN_LENGTH;
  /** Writes the body to `consumer`; the returned Deferred (or Promise) fires when it is all written. */
  startProducing(consumer: BodyConsumer): PromiseLike<unknown> | { asPromise(): PromiseLike<unknown> };
  /** Called when the request is abandoned while producing. */
  stopProducing?(): void;
}

/** A producer of bytes held in memory (Twisted's `FileBodyProducer` over a `BytesIO`). */
export class FileBodyProducer implements BodyProducer {
  /** The body's size in bytes. */
  readonly length: number;
  readonly #data: Buffer;
  /** @param data the body */
  constructor(data: Uint8Array | string) {
    this.#data =
      typeof data === 'string'
        ? Buffer.from(data)
        : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    this.length = this.#data.length;
  }
  /** @inheritDoc */
  startProducing(consumer: BodyConsumer): Deferred<undefined> {
    consumer.write(this.#data);
    const d = new Deferred<undefined>();
    d.callback(undefined);
    return d;
  }
}

/** A response whose head arrived (Twisted's `IResponse`). */
export class AgentResponse {
  /** The status code. */
  readonly code: number;
  /** The reason phrase. */
  readonly phrase: string;
  /** `['HTTP', 1, minor]`. */
  readonly version: readonly [string, number, number];
  /** The fields. */
  readonly headers: Headers;
  /** The Content-Length, or UNKNOWN_LENGTH. */
  readonly length: number | typeof UNKNOWN_LENGTH;
  readonly #res: ClientResponse;
  #delivered = false;

  /** @internal made by {@link Agent.request} */
  constructor(res: ClientResponse) {
    this.#res = res;
    this.code = res.status;
    this.phrase = res.statusText;
    this.version = ['HTTP', 1, res.httpVersion === '1.1' ? 1 : 0];
    this.headers = new Headers();
    const raw = res.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) this.headers.addRawHeader(raw[i] as string, raw[i + 1] as string);
    this.length = res.contentLength >= 0 ? res.contentLength : UNKNOWN_LENGTH;
  }

  /**
   * Delivers the body to `protocol`: `connectionMade()`, `dataReceived(chunk)` per chunk, then
   * `connectionLost(undefined)` at the end or `connectionLost(error)` when it broke. Once only.
   * @throws InvalidArgumentError when the body was already delivered
   */
  deliverBody(protocol: Protocol): void {
    if (this.#delivered) throw new InvalidArgumentError('Cannot deliver a response body twice.');
    this.#delivered = true;
    protocol.connected = true;
    protocol.connectionMade();
    void (async () => {
      let reason: Error | undefined;
      try {
        for await (const chunk of this.#res) protocol.dataReceived(chunk);
      } catch (err) {
        reason = err as Error;
      }
      protocol.connected = false;
      protocol.connectionLost(reason);
    })();
  }
}

/** Collects a body for {@link readBody}. */
class BodyCollector extends Protocol {
  /** The chunks so far. */
  readonly parts: Buffer[] = [];
  /** Fires with the whole body, or the error that broke it. */
  readonly done = new Deferred<Buffer>();
  override dataReceived(data: Buffer): void {
    this.parts.push(data);
  }
  override connectionLost(reason?: Error): void {
    if (reason === undefined) this.done.callback(Buffer.concat(this.parts));
    else this.done.errback(reason);
  }
}

/** Reads the whole body of `response` (Twisted's `readBody`). */
export function readBody(response: AgentResponse): Deferred<Buffer> {
  const collector = new BodyCollector();
  response.deliverBody(collector);
  return collector.done;
}

/** Twisted's `Agent` on an nbio loop; see the module comment. */
export class Agent {
  readonly #client: HttpClient;

  /**
   * @param loop the loop (Twisted's reactor)
   * @param options `maxPersistentPerHost`: connections per origin (default 2, Twisted's pool default);
   *   `connectTimeout`: seconds (default 30, as Twisted's `Agent`)
   */
  constructor(loop: EventLoop, options: { maxPersistentPerHost?: number; connectTimeout?: number } = {}) {
    this.#client = new HttpClient(loop, {
      maxSocketsPerOrigin: options.maxPersistentPerHost ?? 2,
      connectTimeoutMs: (options.connectTimeout ?? 30) * 1000,
    });
  }

  /**
   * Sends a request; the Deferred fires with the response once its head arrived.
   * `cancel()` on it aborts the request.
   */
  request(
    method: string,
    uri: string,
    headers: Headers | null = null,
    bodyProducer: BodyProducer | null = null,
  ): Deferred<AgentResponse> {
    const controller = new AbortController();
    const d = new Deferred<AgentResponse>(() => {
      bodyProducer?.stopProducing?.();
      controller.abort();
    });
    let fields: [string, string][] = headers?.toPairs() ?? [];
    let body: AsyncIterable<Uint8Array | string> | null = null;
    if (bodyProducer !== null) {
      if (bodyProducer.length !== UNKNOWN_LENGTH) {
        fields = fields.filter(([n]) => n.toLowerCase() !== 'content-length');
        fields.push(['content-length', String(bodyProducer.length)]);
      }
      body = produce(bodyProducer);
    }
    let sent: Promise<ClientResponse>;
    try {
      sent = this.#client.request(uri, { method, headers: fields, body, signal: controller.signal });
    } catch (err) {
      sent = Promise.reject(err);
    }
    sent.then(
      (res) => {
        if (d.called)
          res.cancel(); // cancelled meanwhile: nobody will read it
        else d.callback(new AgentResponse(res));
      },
      (err: unknown) => {
        if (!d.called) d.errback(err); // after cancel(), the AbortedError is expected
      },
    );
    return d;
  }

  /** Closes every connection (Twisted's `pool.closeCachedConnections()`). */
  closeCachedConnections(): void {
    this.#client.close();
  }
}

/** Turns a push producer into the pull stream the client reads, chunk by chunk. */
async function* produce(producer: BodyProducer): AsyncGenerator<Uint8Array | string> {
  const chunks: (Uint8Array | string)[] = [];
  let wake: (() => void) | null = null;
  let finished = false;
  let failure: unknown = null;
  const poke = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const started = producer.startProducing({
    write(data) {
      chunks.push(data);
      poke();
    },
  });
  const done = Promise.resolve('asPromise' in started ? started.asPromise() : started);
  done.then(
    () => {
      finished = true;
      poke();
    },
    (err: unknown) => {
      failure = err ?? new Error('the body producer failed');
      poke();
    },
  );
  for (;;) {
    while (chunks.length > 0) yield chunks.shift() as Uint8Array | string;
    if (failure !== null) throw failure;
    if (finished) return;
    await new Promise<void>((resolve) => {
      wake = resolve;
    });
  }
}
