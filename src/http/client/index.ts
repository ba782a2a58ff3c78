/**
 * nbio's HTTP/1.1 client: `fetch(loop, url, init)`, the {@link HttpClient} pool and its
 * lower-level `request()`, the fetch-shaped {@link ClientResponse}, and the client's errors.
 * See docs/http-client.md.
 *
 * @module
 */
export { BODY_HIGH_WATER_MARK } from './body-queue.ts';
export {
  ConnectionResetError,
  MalformedResponseError,
  RedirectError,
  RequestTimeoutError,
  type RequestTimeoutPhase,
  TooManyRedirectsError,
} from './client-errors.ts';
export { ClientResponse } from './client-response.ts';
export { defaultClient, type FetchInit, fetch } from './fetch.ts';
export {
  HttpClient,
  type HttpClientOptions,
  type HttpClientStats,
  type RequestOptions,
} from './http-client.ts';
export type { OriginPoolStats } from './origin-pool.ts';
export type { HeadersLike, RequestBody } from './request-head.ts';
export { ResponseHeaders } from './response-headers.ts';
