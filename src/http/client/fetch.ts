/**
 * `fetch(loop, url, init)`: the WHATWG fetch call on nbio's client. It sends the request through
 * an {@link HttpClient} (the loop's default one unless `init.client` is given), follows redirects
 * as fetch does, and resolves with a {@link ClientResponse} (`status`, `headers`, `body`,
 * `text()`, `json()` …) once the final response head arrived.
 *
 * ## Redirects (`redirect`, default `'follow'`)
 * - `'follow'`: 301, 302, 303, 307 and 308 with a `Location` are followed, at most
 *   `maxRedirects` (default 20, fetch's limit) times, else {@link TooManyRedirectsError}.
 *   303 (and 301/302 after a POST) continue as GET without the body and its `Content-*`
 *   fields; 307/308 repeat the method and body — a stream body cannot be sent twice, so that
 *   fails with {@link RedirectError}. `Authorization` is dropped when the origin changes. The
 *   redirect responses' bodies are discarded.
 * - `'manual'`: the 3xx response itself is returned (fetch would return an opaque one; here
 *   `status` and `headers.get('location')` are readable).
 * - `'error'`: a redirect fails with {@link RedirectError}.
 *
 * `timeoutMs` bounds the whole chain; `signal` aborts wherever the chain is. Bad arguments reject
 * with `InvalidArgumentError` (fetch rejects with TypeError). No `Accept-Encoding` is sent and
 * bodies are never decompressed; no cookies, no cache, no TLS.
 *
 * @module
 */
import { InvalidArgumentError } from '../../errors.ts';
import type { EventLoop } from '../../loop/event-loop.ts';
import { RedirectError, TooManyRedirectsError } from './client-errors.ts';
import type { ClientResponse } from './client-response.ts';
import { HttpClient, type RequestOptions } from './http-client.ts';
import { checkUrl, findField, flattenHeaders } from './request-head.ts';

/** The second argument of {@link fetch}. */
export interface FetchInit extends Omit<RequestOptions, 'redirected'> {
  /** What to do with a redirect; default `'follow'`. */
  redirect?: 'follow' | 'manual' | 'error';
  /** The most redirects followed; default 20. */
  maxRedirects?: number;
  /** The client (pool) to use; default: one per loop, made on first use, closed with the loop. */
  client?: HttpClient;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const BODY_FIELDS = new Set([
  'content-type',
  'content-length',
  'content-encoding',
  'content-language',
  'content-location',
]);
const defaultClients = new WeakMap<EventLoop, HttpClient>();

/**
 * The loop's default client (made on first use; `loop.close()` closes it). Tune it by passing
 * your own `client` to fetch instead.
 */
export function defaultClient(loop: EventLoop): HttpClient {
  let client = defaultClients.get(loop);
  if (client === undefined || client.isClosed) {
    client = new HttpClient(loop);
    defaultClients.set(loop, client);
  }
  return client;
}

/**
 * Fetches `url` on `loop`; see the module comment.
 * @example
 * const res = await fetch(loop, 'http://127.0.0.1:8080/api', { method: 'POST', body: JSON.stringify(x),
 *   headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(5000) });
 * if (!res.ok) throw new Error(`HTTP ${res.status}`);
 * const data = await res.json();
 */
export async function fetch(
  loop: EventLoop,
  url: string | URL,
  init: FetchInit = {},
): Promise<ClientResponse> {
  const { redirect = 'follow', maxRedirects = 20, client = defaultClient(loop), ...options } = init;
  if (redirect !== 'follow' && redirect !== 'manual' && redirect !== 'error') {
    throw new InvalidArgumentError(
      `Invalid redirect ${JSON.stringify(redirect)}: use 'follow', 'manual' or 'error'.`,
    );
  }
  if (!Number.isInteger(maxRedirects) || maxRedirects < 0) {
    throw new InvalidArgumentError(
      `Invalid maxRedirects ${JSON.stringify(maxRedirects)}: pass an integer ≥ 0.`,
    );
  }
  if (!(client instanceof HttpClient)) throw new InvalidArgumentError('Invalid client: pass an HttpClient.');
  let current = checkUrl(url);
  const visited = [current.href];
  let request: RequestOptions = { ...options };
  const deadline =
    options.timeoutMs !== undefined && options.timeoutMs > 0 ? loop.time() + options.timeoutMs : 0;
  for (;;) {
    if (deadline > 0) request.timeoutMs = Math.max(1, deadline - loop.time());
    const response = await client.request(current, request);
    if (redirect === 'manual' || !REDIRECTS.has(response.status)) return response; // headers untouched: built lazily
    const location = response.headers.get('location');
    if (location === null) return response;
    const next = resolveLocation(location, current);
    response.cancel(); // the body of a redirect is not read; the connection is reused when it all arrived
    if (redirect === 'error') throw new RedirectError(response.status, next.href, current.href);
    if (visited.length > maxRedirects) throw new TooManyRedirectsError(maxRedirects, [...visited, next.href]);
    request = redirected(request, response.status, current, next);
    visited.push(next.href);
    current = next;
  }
}

function resolveLocation(location: string, base: URL): URL {
  try {
    return checkUrl(location, base);
  } catch (err) {
    throw new InvalidArgumentError(
      `Cannot follow a redirect from ${base.href} to ${JSON.stringify(location)}: ${(err as Error).message}`,
      (err as InvalidArgumentError).code,
    );
  }
}

/** The request options for the next hop of a redirect chain (fetch's "HTTP-redirect fetch"). */
function redirected(request: RequestOptions, status: number, from: URL, to: URL): RequestOptions {
  let fields = flattenHeaders(request.headers);
  let { method = 'GET', body } = request;
  const upper = method.toUpperCase();
  if (
    status === 303
      ? upper !== 'GET' && upper !== 'HEAD'
      : (status === 301 || status === 302) && upper === 'POST'
  ) {
    method = 'GET';
    body = null;
    fields = dropFields(fields, (lower) => BODY_FIELDS.has(lower));
  } else if (body !== undefined && body !== null && isStream(body)) {
    throw new RedirectError(
      status,
      to.href,
      from.href,
      "which repeats the body, but a stream body cannot be sent twice. Send the body as bytes, or use redirect: 'manual'",
    );
  }
  if (from.origin !== to.origin) {
    fields = dropFields(
      fields,
      (lower) => lower === 'authorization' || lower === 'proxy-authorization' || lower === 'cookie',
    );
  }
  if (findField(fields, 'host') >= 0) fields = dropFields(fields, (lower) => lower === 'host');
  const pairs: [string, string][] = [];
  for (let i = 0; i < fields.length; i += 2) pairs.push([fields[i] as string, fields[i + 1] as string]);
  const out: RequestOptions = { ...request, method, headers: pairs, redirected: true };
  if (body === undefined) delete out.body;
  else out.body = body;
  return out;
}

function dropFields(fields: string[], drop: (lower: string) => boolean): string[] {
  const out: string[] = [];
  for (let i = 0; i < fields.length; i += 2) {
    if (!drop((fields[i] as string).toLowerCase())) out.push(fields[i] as string, fields[i + 1] as string);
  }
  return out;
}

function isStream(body: unknown): boolean {
  return (
    typeof body === 'object' &&
    body !== null &&
    !(body instanceof Uint8Array) &&
    !ArrayBuffer.isView(body) &&
    !(body instanceof ArrayBuffer) &&
    !(body instanceof URLSearchParams) &&
    (Symbol.asyncIterator in body || Symbol.iterator in body)
  );
}
