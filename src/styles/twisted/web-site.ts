/**
 * Twisted's `twisted.web.resource.Resource` and `twisted.web.server.Site` as a thin face over
 * nbio's low-level HTTP server (`serveRaw`). A request walks the resource tree segment by
 * segment (`getChildWithDefault`: children put with `putChild`, else `getChild`, which is a
 * 404 `NoResource` unless overridden) until a leaf (`isLeaf`) or the last segment; then
 * `render(request)` calls `render_GET`, `render_POST` … (405 when there is none). A render
 * returns the body (text or bytes), or {@link NOT_DONE_YET} and later calls `request.write()`
 * and `request.finish()` — written straight to the connection, with backpressure underneath.
 *
 * ```ts
 * class Hello extends Resource {
 *   override isLeaf = true;
 *   render_GET(request: Request) { return `hello ${request.args.get('name')?.[0] ?? 'world'}`; }
 * }
 * const server = new Site(new Hello()).listen(loop, 8080);
 * ```
 *
 * As in Twisted, `request.content` holds the whole body before rendering. Differences: the
 * loop is passed to `listen` (there is no reactor), which binds 127.0.0.1 unless told
 * otherwise; names are bytes in Twisted and strings here.
 *
 * @module
 */
import type { Exchange } from '../../http/server/http-connection.ts';
import { type HttpServer, type HttpServerOptions, serveRaw } from '../../http/server/http-server.ts';
import type { EventLoop } from '../../loop/event-loop.ts';

/** Returned by a render method that will write and finish the request later. */
export const NOT_DONE_YET = Symbol('NOT_DONE_YET');

/** What a render method returns. */
export type RenderResult = string | Uint8Array | typeof NOT_DONE_YET;

/** One request (Twisted's `twisted.web.server.Request`), strings instead of bytes. */
export class Request {
  readonly method: string;
  /** The target as sent. */
  readonly uri: string;
  /** The path without the query. */
  readonly path: string;
  /** Query arguments: name → every value. */
  readonly args: Map<string, string[]>;
  /** The whole body. */
  readonly content: Buffer;
  /** Segments already walked. */
  readonly prepath: string[] = [];
  /** Segments still to walk. */
  readonly postpath: string[];
  readonly #exchange: Exchange;
  #code = 200;
  #headers: [string, string][] = [['content-type', 'text/html']];
  #started = false;
  #finished = false;

  /** @internal made by the Site */
  constructor(exchange: Exchange, content: Buffer) {
    const { head } = exchange;
    this.#exchange = exchange;
    this.method = head.method;
    this.uri = head.target;
    const q = head.target.indexOf('?');
    this.path = q < 0 ? head.target : head.target.slice(0, q);
    this.args = new Map();
    for (const [k, v] of new URLSearchParams(q < 0 ? '' : head.target.slice(q + 1))) {
      const list = this.args.get(k);
      if (list === undefined) this.args.set(k, [v]);
      else list.push(v);
    }
    this.content = content;
    this.postpath = this.path.split('/').slice(1).map(decodeURIComponent);
  }

  /** A request field, or null. */
  getHeader(name: string): string | null {
    return this.#exchange.head.headers.get(name);
  }

  /** Sets the status code. */
  setResponseCode(code: number): void {
    this.#code = code;
  }

  /** Replaces a response field. */
  setHeader(name: string, value: string): void {
    const lower = name.toLowerCase();
    this.#headers = this.#headers.filter(([k]) => k.toLowerCase() !== lower);
    this.#headers.push([name, value]);
  }

  /** Writes body bytes (the head first); returns false when the client is behind (await `drain`). */
  write(data: string | Uint8Array): boolean {
    const res = this.#exchange.response;
    if (this.#finished || res.finished) return false;
    if (!this.#started) {
      this.#started = true;
      res.writeHead(this.#code, this.#headers);
    }
    return res.write(data);
  }

  /** Resolves when the connection can take more. */
  drain(): Promise<void> {
    return this.#exchange.response.drain();
  }

  /** Ends the response. Idempotent. */
  finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    const res = this.#exchange.response;
    if (res.finished) return;
    if (!this.#started) res.writeHead(this.#code, this.#headers);
    res.end();
  }

  /** Sends `body` with its length and finishes (what a render's return value becomes). */
  finishWith(body: string | Uint8Array): void {
    if (this.#finished || this.#started) {
      this.write(body);
      this.finish();
      return;
    }
    this.#finished = true;
    const res = this.#exchange.response;
    if (res.finished) return;
    res.writeHead(this.#code, this.#headers);
    res.end(body);
  }

  /** True once finished. */
  get finished(): boolean {
    return this.#finished;
  }
}

/** A node of the resource tree; see the module comment. */
export class Resource {
  /** A leaf renders whatever segments are left. */
  isLeaf = false;
  readonly #children = new Map<string, Resource>();

  /** Adds a child at `path` (one segment). */
  putChild(path: string, child: Resource): void {
    this.#children.set(path, child);
  }

  /** The child for `path` when none was put (default: 404). */
  getChild(_path: string, _request: Request): Resource {
    return new NoResource();
  }

  /** The child put at `path`, else `getChild(path, request)`. */
  getChildWithDefault(path: string, request: Request): Resource {
    return this.#children.get(path) ?? this.getChild(path, request);
  }

  /** Calls `render_<METHOD>`, or answers 405. */
  render(request: Request): RenderResult | Promise<RenderResult> {
    const m = (this as unknown as Record<string, unknown>)[`render_${request.method}`];
    if (typeof m !== 'function') {
      request.setResponseCode(405);
      request.setHeader('content-type', 'text/plain');
      return `405 Method Not Allowed\n`;
    }
    return (m as (r: Request) => RenderResult | Promise<RenderResult>).call(this, request);
  }
}

/** The 404 resource. */
export class NoResource extends Resource {
  override isLeaf = true;
  override render(request: Request): RenderResult {
    request.setResponseCode(404);
    request.setHeader('content-type', 'text/plain');
    return '404 No Such Resource\n';
  }
}

/** Serves a resource tree over HTTP (Twisted's `Site`); see the module comment. */
export class Site {
  /** The root resource. */
  readonly resource: Resource;

  /** @param resource the root of the tree */
  constructor(resource: Resource) {
    this.resource = resource;
  }

  /** Starts an HTTP server for this site on `loop` (127.0.0.1 unless `host` is given). */
  listen(loop: EventLoop, port: number, host = '127.0.0.1', options: HttpServerOptions = {}): HttpServer {
    return serveRaw(loop, (ex) => this.handle(ex, loop), { ...options, host, port });
  }

  /** Handles one exchange of nbio's low-level server. */
  async handle(exchange: Exchange, loop: EventLoop): Promise<void> {
    const request = new Request(exchange, await exchange.body.readAll());
    let node = this.resource;
    try {
      while (!node.isLeaf && request.postpath.length > 0) {
        const seg = request.postpath.shift() ?? '';
        request.prepath.push(seg);
        node = node.getChildWithDefault(seg, request);
      }
      const result = await node.render(request);
      if (result !== NOT_DONE_YET) request.finishWith(result);
    } catch (err) {
      loop.reportException(err, `Twisted-style resource for ${request.method} ${request.uri}`);
      if (!exchange.response.headersSent) {
        request.setResponseCode(500);
        request.setHeader('content-type', 'text/plain');
        request.finishWith('500 Internal Server Error\n');
      } else exchange.connection.transport.abort();
    }
  }
}
