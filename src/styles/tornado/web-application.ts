/**
 * Tornado's `tornado.web.Application` and `RequestHandler` as a thin face over nbio's low-level
 * HTTP server (`serveRaw`): routes are `[pattern, HandlerClass]` pairs (a string pattern is
 * anchored, `^…$`, as Tornado's); the handler's `get`/`post`/… run with the pattern's groups
 * as arguments, after `prepare()`; `write()` buffers (an object is written as JSON),
 * `finish()` sends, and a method that returns without finishing is finished for it.
 *
 * ```ts
 * class Hello extends RequestHandler {
 *   override get(name: string) { this.write(`hello ${name}`); }
 * }
 * const app = new Application([['/hello/(\\w+)', Hello]]);
 * const server = app.listen(loop, 8888);
 * ```
 *
 * As in Tornado (without `stream_request_body`), the whole body is read before the handler
 * runs. An exception gives a 500 (`writeError`), reported to the loop. Differences: the loop is
 * passed to `listen`; `listen(port)` binds 127.0.0.1 unless a host is given; there are no
 * templates, cookies, XSRF or static files.
 *
 * @module
 */
import { InvalidArgumentError } from '../../errors.ts';
import type { Exchange } from '../../http/server/http-connection.ts';
import { type HttpServer, type HttpServerOptions, serveRaw } from '../../http/server/http-server.ts';
import { statusText } from '../../http/server/status-text.ts';
import type { EventLoop } from '../../loop/event-loop.ts';

/** What a handler's `request` holds (Tornado's `HTTPServerRequest`). */
export interface HTTPServerRequest {
  readonly method: string;
  /** The target as sent: path and query. */
  readonly uri: string;
  readonly path: string;
  readonly query: string;
  readonly version: string;
  /** Fields, by case-insensitive name (`get`), as nbio's HeaderList. */
  readonly headers: Exchange['head']['headers'];
  /** The whole body. */
  readonly body: Buffer;
  /** The client's IP address, or '' for a Unix socket. */
  readonly remoteIp: string;
}

/** A RequestHandler subclass. */
export type RequestHandlerClass = new (
  application: Application,
  request: HTTPServerRequest,
) => RequestHandler;

const METHODS = ['get', 'post', 'put', 'delete', 'patch', 'head', 'options'] as const;

/** Handles one request; subclass and define `get`, `post` … (see the module comment). */
export class RequestHandler {
  /** The application. */
  readonly application: Application;
  /** The request. */
  readonly request: HTTPServerRequest;
  #status = 200;
  #headers: [string, string][] = [['content-type', 'text/html; charset=UTF-8']];
  #chunks: Buffer[] = [];
  #finished = false;
  /** @internal set by the Application */
  exchange: Exchange | null = null;

  /** @param application the app; @param request the request (the Application makes both) */
  constructor(application: Application, request: HTTPServerRequest) {
    this.application = application;
    this.request = request;
  }

  /** Called before the method; may finish the request itself. */
  prepare(): unknown {
    return undefined;
  }

  /** Called after the response was sent. */
  onFinish(): void {}

  /** Sets the status (Tornado's `set_status`). */
  setStatus(status: number): void {
    this.#status = status;
  }

  /** The status set so far. */
  getStatus(): number {
    return this.#status;
  }

  /** Replaces a response field. */
  setHeader(name: string, value: string | number): void {
    const lower = name.toLowerCase();
    this.#headers = this.#headers.filter(([k]) => k.toLowerCase() !== lower);
    this.#headers.push([name, String(value)]);
  }

  /** Adds a response field (one more line, for fields that repeat). */
  addHeader(name: string, value: string | number): void {
    this.#headers.push([name, String(value)]);
  }

  /** The first query argument named `name`, or `dflt` (Tornado's `get_query_argument`). */
  getQueryArgument(name: string, dflt?: string): string | undefined {
    return new URLSearchParams(this.request.query).get(name) ?? dflt;
  }

  /** Buffers output: text, bytes, or an object (as JSON, with a JSON content type). */
  write(chunk: string | Uint8Array | object): void {
    if (this.#finished) throw new InvalidArgumentError('write() after finish(): a response is sent once.');
    if (typeof chunk === 'string') this.#chunks.push(Buffer.from(chunk));
    else if (chunk instanceof Uint8Array) this.#chunks.push(Buffer.from(chunk));
    else {
      this.setHeader('content-type', 'application/json; charset=UTF-8');
      this.#chunks.push(Buffer.from(JSON.stringify(chunk)));
    }
  }

  /** Sends the response (with a last chunk). Idempotent. */
  finish(chunk?: string | Uint8Array | object): void {
    if (this.#finished) return;
    if (chunk !== undefined) this.write(chunk);
    this.#finished = true;
    const res = this.exchange?.response;
    if (res === undefined || res.finished) return;
    res.writeHead(this.#status, this.#headers);
    res.end(Buffer.concat(this.#chunks));
    this.onFinish();
  }

  /** Redirects (302 by default, 301 when `permanent`). */
  redirect(url: string, permanent = false): void {
    this.setStatus(permanent ? 301 : 302);
    this.setHeader('location', url);
    this.finish();
  }

  /** Sends an error page for `status` (Tornado's `send_error`); drops buffered output. */
  sendError(status = 500): void {
    this.#chunks = [];
    this.setStatus(status);
    this.setHeader('content-type', 'text/plain; charset=UTF-8');
    this.finish(`${status}: ${statusText(status)}\n`);
  }

  /** True once the response was sent. */
  get finished(): boolean {
    return this.#finished;
  }
}

/** Routes requests to RequestHandler classes; see the module comment. */
export class Application {
  readonly #routes: { pattern: RegExp; handler: RequestHandlerClass }[];
  #loop: EventLoop | null = null;

  /** @param handlers `[pattern, HandlerClass]` pairs, tried in order */
  constructor(handlers: readonly (readonly [string | RegExp, RequestHandlerClass])[]) {
    this.#routes = handlers.map(([p, handler]) => {
      if (typeof handler !== 'function')
        throw new InvalidArgumentError(`The handler of route ${String(p)} is not a RequestHandler class.`);
      return { pattern: typeof p === 'string' ? new RegExp(`^${p}$`) : p, handler };
    });
  }

  /** Starts an HTTP server for this app on `loop` (127.0.0.1 unless `host` is given). */
  listen(loop: EventLoop, port: number, host = '127.0.0.1', options: HttpServerOptions = {}): HttpServer {
    this.#loop = loop;
    return serveRaw(loop, (ex) => this.handle(ex), { ...options, host, port });
  }

  /** Handles one exchange of nbio's low-level server (for use with `serveRaw` directly). */
  async handle(exchange: Exchange): Promise<void> {
    const { head } = exchange;
    const q = head.target.indexOf('?');
    const path = q < 0 ? head.target : head.target.slice(0, q);
    const route = this.#routes.find((r) => r.pattern.test(path));
    const peer = exchange.connection.transport.getExtraInfo('peername');
    const request: HTTPServerRequest = {
      method: head.method,
      uri: head.target,
      path,
      query: q < 0 ? '' : head.target.slice(q + 1),
      version: `HTTP/1.${head.versionMinor}`,
      headers: head.headers,
      body: await exchange.body.readAll(),
      remoteIp: peer === null || peer.family === 'unix' ? '' : peer.address,
    };
    const Handler = route?.handler ?? RequestHandler;
    const handler = new Handler(this, request);
    handler.exchange = exchange;
    if (route === undefined) {
      handler.sendError(404);
      return;
    }
    const args = (route.pattern.exec(path) ?? [])
      .slice(1)
      .map((a) => (a === undefined ? '' : decodeURIComponent(a)));
    try {
      await handler.prepare();
      if (handler.finished) return;
      const name = head.method.toLowerCase() as (typeof METHODS)[number];
      const method = METHODS.includes(name)
        ? (handler as unknown as Record<string, unknown>)[name]
        : undefined;
      if (typeof method !== 'function') {
        handler.sendError(405);
        return;
      }
      await (method as (...a: string[]) => unknown).apply(handler, args);
      handler.finish();
    } catch (err) {
      this.#loop?.reportException(err, `Tornado-style RequestHandler for ${head.method} ${head.target}`);
      if (!handler.finished) handler.sendError(500);
    }
  }
}
