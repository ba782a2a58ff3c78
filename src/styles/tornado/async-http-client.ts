/**
 * Tornado's `AsyncHTTPClient` (tornado.httpclient) as a thin face over nbio's HTTP client:
 * `fetch(url | HTTPRequest, options)` resolves with an {@link HTTPResponse} whose `body` is the
 * whole body as a Buffer, as Tornado's does.
 *
 * | Tornado | here |
 * |---|---|
 * | `AsyncHTTPClient(max_clients=10)` | `new AsyncHTTPClient(loop, { maxClients: 10 })` (connections per origin) |
 * | `fetch(request, raise_error=True, **kwargs)` | `fetch(request, { raiseError: true, … })` |
 * | `HTTPRequest(url, method, headers, body, connect_timeout, request_timeout, follow_redirects, max_redirects)` | same, camelCase, times in **seconds** |
 * | `HTTPResponse.code`, `reason`, `headers`, `body`, `effective_url`, `request_time`, `error`, `rethrow()` | `code`, `reason`, `headers`, `body`, `effectiveUrl`, `requestTime`, `error`, `rethrow()` |
 * | `HTTPClientError(code, message, response)` | {@link HTTPClientError}; `code` is the HTTP status, as in Tornado |
 *
 * Defaults are Tornado's: 20 s to connect, 20 s for the whole request, redirects followed up
 * to 5. Unlike Tornado, a failure that is not an HTTP status (refused, timeout, reset …) is
 * nbio's own error with its `NBIO_*` code (Tornado uses a fake status 599). There is no
 * `AsyncHTTPClient()` singleton: pass the loop (or the `IOLoop`) explicitly.
 *
 * @module
 */

import { fetch } from '../../http/client/fetch.ts';
import { HttpClient } from '../../http/client/http-client.ts';
import type { HeadersLike, RequestBody } from '../../http/client/request-head.ts';
import type { ResponseHeaders } from '../../http/client/response-headers.ts';
import type { EventLoop } from '../../loop/event-loop.ts';
import { IOLoop } from './io-loop.ts';

/** The options of an {@link HTTPRequest} (Tornado's keyword arguments, camelCase). */
export interface HTTPRequestOptions {
  /** Default `'GET'`. */
  method?: string;
  headers?: HeadersLike;
  body?: RequestBody | null;
  /** Seconds to connect; default 20. */
  connectTimeout?: number;
  /** Seconds for the whole request; default 20. */
  requestTimeout?: number;
  /** Default true. */
  followRedirects?: boolean;
  /** Default 5. */
  maxRedirects?: number;
}

/** A request (Tornado's `HTTPRequest`). */
export class HTTPRequest {
  /** The http: URL. */
  readonly url: string;
  /** The method. */
  readonly method: string;
  /** The fields to send. */
  readonly headers: HeadersLike | undefined;
  /** The body, or null. */
  readonly body: RequestBody | null;
  /** Seconds to connect. */
  readonly connectTimeout: number;
  /** Seconds for the whole request. */
  readonly requestTimeout: number;
  /** Follow 3xx redirects. */
  readonly followRedirects: boolean;
  /** The most redirects followed. */
  readonly maxRedirects: number;

  /** @param url an http: URL; @param options Tornado's keyword arguments */
  constructor(url: string, options: HTTPRequestOptions = {}) {
    this.url = url;
    this.method = options.method ?? 'GET';
    this.headers = options.headers;
    this.body = options.body ?? null;
    this.connectTimeout = options.connectTimeout ?? 20;
    this.requestTimeout = options.requestTimeout ?? 20;
    this.followRedirects = options.followRedirects ?? true;
    this.maxRedirects = options.maxRedirects ?? 5;
  }
}

/** A non-2xx response, raised when `raiseError` is true (Tornado's `HTTPClientError`). */
export class HTTPClientError extends Error {
  /** The HTTP status (Tornado's meaning of `code`). */
  readonly code: number;
  /** The response, body read. */
  readonly response: HTTPResponse;
  /** @param response the response that was not 2xx */
  constructor(response: HTTPResponse) {
    super(`HTTP ${response.code}: ${response.reason} (${response.effectiveUrl})`);
    this.name = 'HTTPClientError';
    this.code = response.code;
    this.response = response;
  }
}

/** A complete response (Tornado's `HTTPResponse`). */
export class HTTPResponse {
  /** The request this answers. */
  readonly request: HTTPRequest;
  /** The status code. */
  readonly code: number;
  /** The reason phrase. */
  readonly reason: string;
  /** The fields, with `get`/`has`/iteration. */
  readonly headers: ResponseHeaders;
  /** The whole body. */
  readonly body: Buffer;
  /** The URL after redirects. */
  readonly effectiveUrl: string;
  /** Seconds from the start of fetch to the end of the body. */
  readonly requestTime: number;

  /** @internal made by {@link AsyncHTTPClient.fetch} */
  constructor(
    request: HTTPRequest,
    code: number,
    reason: string,
    headers: ResponseHeaders,
    body: Buffer,
    effectiveUrl: string,
    requestTime: number,
  ) {
    this.request = request;
    this.code = code;
    this.reason = reason;
    this.headers = headers;
    this.body = body;
    this.effectiveUrl = effectiveUrl;
    this.requestTime = requestTime;
  }

  /** An {@link HTTPClientError} for a non-2xx status, else null. */
  get error(): HTTPClientError | null {
    return this.code >= 200 && this.code < 300 ? null : new HTTPClientError(this);
  }

  /** Throws {@link error} if there is one. */
  rethrow(): void {
    const e = this.error;
    if (e !== null) throw e;
  }
}

/** Tornado's `AsyncHTTPClient` on an nbio loop; see the module comment. */
export class AsyncHTTPClient {
  readonly #loop: EventLoop;
  readonly #client: HttpClient;

  /**
   * @param loop the loop (or Tornado `IOLoop` face) to run on
   * @param options `maxClients`: connections per origin at once (Tornado's `max_clients`, default 10)
   */
  constructor(loop: EventLoop | IOLoop, options: { maxClients?: number } = {}) {
    this.#loop = loop instanceof IOLoop ? loop.loop : loop;
    this.#client = new HttpClient(this.#loop, { maxSocketsPerOrigin: options.maxClients ?? 10 });
  }

  /**
   * Fetches `request` and reads its whole body.
   * @param options when `request` is a URL, the {@link HTTPRequestOptions}; `raiseError`
   *   (default true): reject with {@link HTTPClientError} for a non-2xx status
   */
  async fetch(
    request: string | HTTPRequest,
    options: HTTPRequestOptions & { raiseError?: boolean } = {},
  ): Promise<HTTPResponse> {
    const req = typeof request === 'string' ? new HTTPRequest(request, options) : request;
    const started = this.#loop.time();
    const res = await fetch(this.#loop, req.url, {
      client: this.#client,
      method: req.method,
      ...(req.headers === undefined ? {} : { headers: req.headers }),
      body: req.body,
      connectTimeoutMs: req.connectTimeout * 1000,
      timeoutMs: req.requestTimeout * 1000,
      redirect: req.followRedirects ? 'follow' : 'manual',
      maxRedirects: req.maxRedirects,
    });
    const body = await res.buffer();
    const response = new HTTPResponse(
      req,
      res.status,
      res.statusText,
      res.headers,
      body,
      res.url,
      (this.#loop.time() - started) / 1000,
    );
    if (options.raiseError ?? true) response.rethrow();
    return response;
  }

  /** Closes the client's connections (Tornado's `close()`). */
  close(): void {
    this.#client.close();
  }
}
