/**
 * `serve()` and `serveRaw()`: an HTTP/1.1 server on nbio's own listener and transports.
 *
 * - `serve(loop, handler, options)`: the handler takes a fetch-shaped {@link ServerRequest}
 *   and returns (or resolves to) a `Response` or a {@link PlainResponse} — the shape of
 *   `Deno.serve`, `Bun.serve` and Hono's `app.fetch`.
 * - `serveRaw(loop, handler, options)`: the low-level, fastest path: the handler gets the
 *   {@link Exchange} (head, body reader, response writer) and writes with backpressure.
 *
 * A handler that throws (or rejects) gets a 500 (if nothing was sent yet; else the connection
 * is aborted) and a report through the loop's exception handler; the server goes on.
 * `close()` shuts down gracefully: stop accepting, let in-flight requests finish (their
 * responses carry `Connection: close`), close idle connections, then resolve.
 *
 * @module
 */
import { checkDelay, InvalidArgumentError } from '../../errors.ts';
import type { EventLoop } from '../../loop/event-loop.ts';
import { createServer, type Server, type ServerOptions } from '../../net/listener.ts';
import type { SocketAddress } from '../../sys/sockaddr.ts';
import { DEFAULT_LIMITS, type HttpLimits } from '../parser/message-head.ts';
import { type ConnectionConfig, type Exchange, HttpConnection } from './http-connection.ts';
import { installLightResponse, type LightResponse } from './light-response.ts';
import type { PlainResponse } from './plain-response.ts';
import { sendResponse } from './send-response.ts';
import { ServerRequest } from './server-request.ts';

/** Options of {@link serve} and {@link serveRaw}: where to listen, limits, timeouts. */
export interface HttpServerOptions extends ServerOptions, HttpLimits {
  /** From a request's first byte until its head is complete (slowloris). Default 20 000 ms. */
  readonly headersTimeoutMs?: number;
  /** Idle time allowed between requests on a keep-alive connection. Default 5 000 ms. */
  readonly keepAliveTimeoutMs?: number;
  /** From a request's first byte until its body is complete. Default 300 000 ms. */
  readonly requestTimeoutMs?: number;
}

/** Options of {@link serve}: those of {@link serveRaw}, and whether to replace the global `Response`. */
export interface ServeOptions extends HttpServerOptions {
  /**
   * Make {@link LightResponse} the global `Response` while this server runs (default true; the
   * name and default of `@hono/node-server`'s option). Only `Response` is replaced — the
   * `Request` a handler gets is nbio's own either way. The install is counted: the global is put
   * back when the last server that installed it has closed (not while the user's own
   * `installLightResponse()` still holds it). `false` leaves the global alone: handlers that
   * build Node's own `Response` then pay for its stream.
   */
  readonly overrideGlobalObjects?: boolean;
}

/** A fetch-shaped handler. */
export type FetchHandler = (
  request: ServerRequest,
) => Response | PlainResponse | Promise<Response | PlainResponse>;

/** A low-level handler: answer `exchange.response` (it may return a promise). */
export type RawHandler = (exchange: Exchange) => void | Promise<void>;

/** Counters of an {@link HttpServer}, as a frozen plain object. */
export interface HttpServerStats {
  readonly connections: number;
  readonly requests: number;
  readonly handlerErrors: number;
}

/**
 * Starts a fetch-shaped server; see the module comment. Unless `overrideGlobalObjects` is
 * false, the global `Response` is {@link LightResponse} until the server has closed.
 */
export function serve(loop: EventLoop, handler: FetchHandler, options: ServeOptions = {}): HttpServer {
  if (typeof handler !== 'function')
    throw new InvalidArgumentError('serve() needs a handler: (request) => Response.');
  const override = options.overrideGlobalObjects ?? true;
  if (typeof override !== 'boolean') {
    throw new InvalidArgumentError(
      `Invalid overrideGlobalObjects ${String(override)}: use true (the default) or false.`,
    );
  }
  const server = new HttpServer(loop, options, (ex) => {
    let result: unknown;
    try {
      result = handler(new ServerRequest(ex, server.hostForUrls));
    } catch (err) {
      server.handlerFailed(ex, err);
      return;
    }
    if (isPromise(result))
      result.then(
        (r) => answer(server, ex, r),
        (e: unknown) => server.handlerFailed(ex, e),
      );
    else answer(server, ex, result);
  });
  // After the listener exists (a failed listen installs nothing).
  if (override) server.releaseOnClose(installLightResponse());
  return server;
}

/** Starts a low-level server; see the module comment. */
export function serveRaw(loop: EventLoop, handler: RawHandler, options: HttpServerOptions = {}): HttpServer {
  if (typeof handler !== 'function')
    throw new InvalidArgumentError('serveRaw() needs a handler: (exchange) => void.');
  const server = new HttpServer(loop, options, (ex) => {
    let result: unknown;
    try {
      result = handler(ex);
    } catch (err) {
      server.handlerFailed(ex, err);
      return;
    }
    if (isPromise(result)) result.then(undefined, (e: unknown) => server.handlerFailed(ex, e));
  });
  return server;
}

/** A running HTTP server. */
export class HttpServer {
  readonly #loop: EventLoop;
  readonly #listener: Server;
  readonly #connections = new Set<HttpConnection>();
  readonly #config: ConnectionConfig;
  #closing = false;
  #closed: Promise<void> | null = null;
  #whenEmpty: (() => void) | null = null;
  /** Run once the server has closed (releasing the global LightResponse install). */
  #onClosed: (() => void) | null = null;
  #requests = 0;
  #handlerErrors = 0;
  /** `host:port` for request URLs when a request has no Host (HTTP/1.0). */
  readonly hostForUrls: string;

  /** @internal use {@link serve} or {@link serveRaw} */
  constructor(loop: EventLoop, options: HttpServerOptions, dispatch: (ex: Exchange) => void) {
    this.#loop = loop;
    const timeout = (name: string, v: number | undefined, dflt: number): number => {
      if (v === undefined) return dflt;
      return checkDelay(v, name, { positive: true });
    };
    const limits: Record<string, number> = {};
    for (const k of Object.keys(DEFAULT_LIMITS) as (keyof HttpLimits)[]) {
      const v = options[k];
      if (v === undefined) continue;
      if (!Number.isInteger(v) || v <= 0)
        throw new InvalidArgumentError(`Invalid ${k} ${String(v)}: use an integer > 0.`);
      limits[k] = v;
    }
    this.#config = {
      loop,
      limits,
      headersTimeoutMs: timeout('headersTimeoutMs', options.headersTimeoutMs, 20_000),
      keepAliveTimeoutMs: timeout('keepAliveTimeoutMs', options.keepAliveTimeoutMs, 5_000),
      requestTimeoutMs: timeout('requestTimeoutMs', options.requestTimeoutMs, 300_000),
      dispatch: (ex) => {
        this.#requests++;
        dispatch(ex);
      },
      isClosing: () => this.#closing,
      forget: (c) => {
        this.#connections.delete(c);
        if (this.#connections.size === 0) this.#whenEmpty?.();
      },
    };
    this.#listener = createServer(
      loop,
      () => {
        const c = new HttpConnection(this.#config);
        this.#connections.add(c);
        return c;
      },
      options,
    );
    const a = this.#listener.address();
    this.hostForUrls =
      a.family === 'ipv6'
        ? `[${a.address}]:${a.port}`
        : a.family === 'ipv4'
          ? `${a.address}:${a.port}`
          : 'localhost';
  }

  /** The address listened on (the real port when 0 was asked for). */
  address(): SocketAddress {
    return this.#listener.address();
  }

  /** The TCP port (0 for a Unix socket). */
  get port(): number {
    const a = this.#listener.address();
    return a.family === 'unix' ? 0 : a.port;
  }

  /** Counters. */
  stats(): HttpServerStats {
    return Object.freeze({
      connections: this.#connections.size,
      requests: this.#requests,
      handlerErrors: this.#handlerErrors,
    });
  }

  /**
   * Graceful shutdown: stops accepting, closes idle connections, lets in-flight requests
   * finish (their responses say `Connection: close`), and resolves once every connection is
   * closed. After `timeoutMs` (if given) the remaining connections are aborted.
   */
  close(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.#closed !== null) return this.#closed;
    this.#closing = true;
    this.#listener.close();
    this.#closed = new Promise<void>((resolve) => {
      const timer =
        options.timeoutMs === undefined
          ? null
          : this.#loop.callLater(options.timeoutMs, () => this.#listener.closeConnections(true));
      this.#whenEmpty = () => {
        timer?.cancel();
        const onClosed = this.#onClosed;
        this.#onClosed = null;
        onClosed?.();
        resolve();
      };
      if (this.#connections.size === 0) this.#whenEmpty();
      for (const c of [...this.#connections]) c.closeIfIdle();
    });
    return this.#closed;
  }

  /** @internal `release` runs once the server has closed (after its last connection) */
  releaseOnClose(release: () => void): void {
    this.#onClosed = release;
  }

  /** @internal a handler threw or rejected: 500 if nothing was sent, else abort; report it */
  handlerFailed(ex: Exchange, error: unknown): void {
    this.#handlerErrors++;
    this.#loop.reportException(error, `HTTP handler for ${ex.head.method} ${ex.head.target}`);
    const w = ex.response;
    if (w.finished) return;
    if (!w.headersSent) {
      try {
        w.writeHead(500, [['content-type', 'text/plain; charset=utf-8']]);
        w.end('500 Internal Server Error\n');
      } catch {
        ex.connection.transport.abort();
      }
    } else ex.connection.transport.abort();
  }
}

/** Sends what the handler gave; a string or bytes body goes out at once, without a promise. */
function answer(server: HttpServer, ex: Exchange, result: unknown): void {
  try {
    const pending = sendResponse(ex.response, result, ex.head.method === 'HEAD', ex.head.versionMinor === 0);
    if (pending !== undefined) pending.catch((e: unknown) => server.handlerFailed(ex, e));
  } catch (err) {
    server.handlerFailed(ex, err);
  }
}

function isPromise(x: unknown): x is Promise<unknown> {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}
