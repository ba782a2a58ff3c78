/**
 * `HttpClient`: nbio's HTTP/1.1 client — a keep-alive connection pool per origin (see
 * origin-pool.ts) and the lower-level request API under {@link fetch}: `request()` sends one
 * request, follows no redirect, and resolves with a {@link ClientResponse} as soon as the
 * response head arrived; the body then streams, with backpressure, as it is read.
 *
 * Plain `http:` only: this client has no TLS. Names are resolved with nbio's own resolver
 * (getaddrinfo in the offload pool), never Node's `dns`.
 *
 * @example
 * const client = new HttpClient(loop, { maxSocketsPerOrigin: 8 });
 * const res = await client.request('http://127.0.0.1:8080/items', { method: 'POST', body: '{"a":1}' });
 * console.log(res.status, await res.json());
 * client.close();
 *
 * @module
 */
import { ClosedResourceError, checkDelay, InvalidArgumentError } from '../../errors.ts';
import type { EventLoop } from '../../loop/event-loop.ts';
import { BODY_HIGH_WATER_MARK } from './body-queue.ts';
import type { ClientResponse } from './client-response.ts';
import { Exchange } from './exchange.ts';
import { OriginPool, type OriginPoolStats } from './origin-pool.ts';
import {
  checkMethod,
  checkUrl,
  classifyBody,
  findField,
  flattenHeaders,
  type HeadersLike,
  type RequestBody,
  serializeHead,
} from './request-head.ts';

/** Options of an {@link HttpClient}; every one has a default. */
export interface HttpClientOptions {
  /** Connections open or opening per origin at once; more requests wait. Default 64. */
  maxSocketsPerOrigin?: number;
  /** Idle keep-alive connections kept per origin. Default: `maxSocketsPerOrigin`. */
  maxIdlePerOrigin?: number;
  /** An idle connection is closed after this long. Default 4000 ms. */
  idleTimeoutMs?: number;
  /** Default connect deadline (name resolution included). Default 10 000 ms. */
  connectTimeoutMs?: number;
  /** Default deadline from sending a request to its response head. Default 300 000 ms (undici's). */
  headersTimeoutMs?: number;
  /** Default whole-request deadline (until the body's end); 0 for none. Default 0. */
  timeoutMs?: number;
  /** The largest response head accepted. Default 64 KiB. */
  maxHeaderBytes?: number;
  /** Unread body bytes held before the socket stops being read. Default 64 KiB. */
  bodyHighWaterMark?: number;
}

/** Options of one request. */
export interface RequestOptions {
  /** Default `'GET'`. */
  method?: string;
  /** Fields to send: an object, [name, value] pairs, or a `Headers`. */
  headers?: HeadersLike;
  /** Bytes are sent with Content-Length; a stream or (async) iterable with chunked coding, unless `headers` give a Content-Length. */
  body?: RequestBody | null;
  /** Aborting it ends the request with `AbortedError`, wherever it is. */
  signal?: AbortSignal;
  /** Overrides the client's connect deadline for this request. */
  connectTimeoutMs?: number;
  /** Overrides the client's headers deadline. */
  headersTimeoutMs?: number;
  /** Overrides the client's whole-request deadline (0: none). */
  timeoutMs?: number;
  /** @internal set by fetch on the requests of a redirect chain */
  redirected?: boolean;
}

/** Counters of an {@link HttpClient}: the sum over its origins, and per origin. */
export interface HttpClientStats extends OriginPoolStats {
  readonly origins: Readonly<Record<string, OriginPoolStats>>;
}

/** Origins kept before pools that hold nothing are swept (see `#poolFor`). */
const MAX_EMPTY_POOLS = 64;

const DEFAULTS = {
  maxSocketsPerOrigin: 64,
  idleTimeoutMs: 4000,
  connectTimeoutMs: 10_000,
  headersTimeoutMs: 300_000,
  timeoutMs: 0,
  maxHeaderBytes: 64 * 1024,
  bodyHighWaterMark: BODY_HIGH_WATER_MARK,
};

/** See the module comment. */
export class HttpClient {
  readonly #loop: EventLoop;
  readonly #options: Required<HttpClientOptions>;
  readonly #pools = new Map<string, OriginPool>();
  readonly #unhook: () => void;
  #closed = false;

  /**
   * @param loop the loop every connection of this client runs on; closing the loop closes the client
   * @throws InvalidArgumentError for an option out of range
   */
  constructor(loop: EventLoop, options: HttpClientOptions = {}) {
    this.#loop = loop;
    const o = { ...DEFAULTS, ...stripUndefined(options) };
    const maxSockets = count(o.maxSocketsPerOrigin, 'maxSocketsPerOrigin', 1);
    this.#options = {
      maxSocketsPerOrigin: maxSockets,
      maxIdlePerOrigin: count(o.maxIdlePerOrigin ?? maxSockets, 'maxIdlePerOrigin', 0),
      idleTimeoutMs: ms(o.idleTimeoutMs, 'idleTimeoutMs', false),
      connectTimeoutMs: ms(o.connectTimeoutMs, 'connectTimeoutMs', true),
      headersTimeoutMs: ms(o.headersTimeoutMs, 'headersTimeoutMs', true),
      timeoutMs: ms(o.timeoutMs, 'timeoutMs', true),
      maxHeaderBytes: count(o.maxHeaderBytes, 'maxHeaderBytes', 256),
      bodyHighWaterMark: count(o.bodyHighWaterMark, 'bodyHighWaterMark', 1),
    };
    this.#unhook = loop.onClose(() => this.close());
  }

  /** True once {@link close} was called. */
  get isClosed(): boolean {
    return this.#closed;
  }

  /**
   * Sends one request; resolves with the response once its head arrived.
   * @throws InvalidArgumentError (synchronously) for a bad URL, method, header, body or option
   */
  request(url: string | URL, options: RequestOptions = {}): Promise<ClientResponse> {
    if (this.#closed) {
      return Promise.reject(new ClosedResourceError('Cannot send a request: the HTTP client was closed.'));
    }
    const target = checkUrl(url);
    const method = checkMethod(options.method ?? 'GET');
    const fields = flattenHeaders(options.headers);
    const body = classifyBody(options.body);
    if (body.kind !== 'none' && (method === 'GET' || method === 'HEAD')) {
      throw new InvalidArgumentError(
        `A ${method} request cannot have a body: use POST or PUT, or leave the body out.`,
      );
    }
    if (findField(fields, 'transfer-encoding') >= 0) {
      throw new InvalidArgumentError(
        'Do not set Transfer-Encoding: nbio frames the body itself (chunked for streams).',
      );
    }
    let contentLength: number | null = null;
    let chunked = false;
    if (body.kind === 'bytes') contentLength = body.bytes.length;
    else if (body.kind === 'stream') {
      const i = findField(fields, 'content-length');
      const given = i >= 0 ? (fields[i + 1] as string) : '';
      if (i >= 0 && !/^\d{1,15}$/.test(given)) {
        throw new InvalidArgumentError(
          `Invalid Content-Length ${JSON.stringify(given)}: pass a number of bytes.`,
        );
      }
      contentLength = i >= 0 ? Number(given) : -1;
      chunked = i < 0;
    } else if (method === 'POST' || method === 'PUT' || method === 'PATCH') contentLength = 0;
    const connIdx = findField(fields, 'connection');
    const closeAfter = connIdx >= 0 && /(^|,)\s*close\s*(,|$)/i.test(fields[connIdx + 1] as string);
    const head = serializeHead({
      method,
      url: target,
      fields,
      contentLength,
      defaultContentType: body.kind === 'bytes' ? body.contentType : null,
    });
    const o = this.#options;
    const pool = this.#poolFor(target, options.connectTimeoutMs);
    const exchange = new Exchange(this.#loop, pool, {
      method,
      url: target.href,
      head,
      body,
      chunked,
      closeAfter,
      headersTimeoutMs: ms(options.headersTimeoutMs ?? o.headersTimeoutMs, 'headersTimeoutMs', true),
      timeoutMs: ms(options.timeoutMs ?? o.timeoutMs, 'timeoutMs', true),
      signal: checkSignal(options.signal),
      redirected: options.redirected === true,
      bodyHighWaterMark: o.bodyHighWaterMark,
    });
    return exchange.promise;
  }

  /** Closes every connection and fails every request in flight with ClosedResourceError. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unhook();
    const error = new ClosedResourceError('The HTTP client was closed while the request was in flight.');
    for (const pool of this.#pools.values()) pool.close(error);
    this.#pools.clear();
  }

  /**
   * Counters, summed and per origin (`host:port`). Past 64 origins, the pools of origins that
   * hold nothing are dropped, and their counters with them.
   */
  stats(): HttpClientStats {
    const origins: Record<string, OriginPoolStats> = {};
    const sum = { active: 0, idle: 0, connecting: 0, waiting: 0, connected: 0, reused: 0 };
    for (const [key, pool] of this.#pools) {
      const s = pool.stats();
      origins[key] = s;
      for (const k of Object.keys(sum) as (keyof typeof sum)[]) sum[k] += s[k];
    }
    return Object.freeze({ ...sum, origins: Object.freeze(origins) });
  }

  #poolFor(url: URL, connectTimeoutMs: number | undefined): OriginPool {
    const o = this.#options;
    const port = url.port === '' ? 80 : Number(url.port);
    const connectMs = ms(connectTimeoutMs ?? o.connectTimeoutMs, 'connectTimeoutMs', true);
    // One pool per origin and connect deadline (a rare per-request override gets its own).
    const key = connectMs === o.connectTimeoutMs ? url.host : `${url.host}#${connectMs}`;
    let pool = this.#pools.get(key);
    if (pool === undefined) {
      // A client that talks to many origins would keep a pool for each forever: past this many,
      // pools that hold nothing (no connection, no waiter) are dropped, counters and all.
      if (this.#pools.size >= MAX_EMPTY_POOLS) {
        for (const [k, p] of this.#pools) if (p.size === 0) this.#pools.delete(k);
      }
      const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
      pool = new OriginPool(this.#loop, host, port, {
        maxSockets: o.maxSocketsPerOrigin,
        maxIdle: o.maxIdlePerOrigin,
        idleTimeoutMs: o.idleTimeoutMs,
        connectTimeoutMs: connectMs,
        decoderLimits: { maxHeaderBytes: o.maxHeaderBytes },
      });
      this.#pools.set(key, pool);
    }
    return pool;
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function count(v: unknown, what: string, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new InvalidArgumentError(`Invalid ${what} ${JSON.stringify(v)}: pass an integer ≥ ${min}.`);
  }
  return v;
}

function ms(v: unknown, what: string, zeroIsNone: boolean): number {
  return checkDelay(v, zeroIsNone ? `${what} (0 for none)` : what, {
    positive: !zeroIsNone,
    max: 2 ** 31 - 1,
  });
}

function checkSignal(signal: unknown): AbortSignal | undefined {
  if (signal === undefined || signal === null) return undefined;
  if (!(signal instanceof AbortSignal)) {
    throw new InvalidArgumentError('Invalid signal: pass an AbortSignal (from an AbortController).');
  }
  return signal;
}
