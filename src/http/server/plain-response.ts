/**
 * `PlainResponse`: a cheap stand-in for WHATWG `Response` that a fetch-shaped handler may
 * return: same constructor shape (`new PlainResponse(body, { status, headers })`), but no
 * stream is made — the server writes a string or bytes body with the head in one write.
 *
 * @module
 */
import type { HeaderInput } from './response-head.ts';
import type { ResponseTrailers, TrailersInit } from './response-trailers.ts';

/** Options of {@link PlainResponse}, as in `ResponseInit` (and `trailers`: see response-trailers.ts). */
export interface PlainResponseInit extends TrailersInit {
  /** Default 200. */
  readonly status?: number;
  /** Response fields. */
  readonly headers?: HeaderInput;
}

/** A response with a string or bytes body; see the module comment. */
export class PlainResponse {
  /** The body (null: none). */
  readonly body: string | Uint8Array | null;
  /** The status code. */
  readonly status: number;
  /** The fields. */
  readonly headers: HeaderInput | undefined;
  /** Trailer fields (or a promise of them), sent after a chunked body. */
  readonly trailers: ResponseTrailers | undefined;

  /**
   * @param body text (sent as UTF-8), bytes, or null
   * @param init status and fields
   */
  constructor(body: string | Uint8Array | null = null, init: PlainResponseInit = {}) {
    this.body = body;
    this.status = init.status ?? 200;
    this.headers = init.headers;
    this.trailers = init.trailers;
  }

  /** A JSON response (`Content-Type: application/json`), like `Response.json()`. */
  static json(data: unknown, init: PlainResponseInit = {}): PlainResponse {
    const headers: [string, string][] = [['content-type', 'application/json']];
    return new PlainResponse(JSON.stringify(data), {
      status: init.status ?? 200,
      headers: init.headers ?? headers,
    });
  }
}
