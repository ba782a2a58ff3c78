/**
 * Trailer fields given with a fetch-shaped response: `trailers` in the init of a
 * {@link PlainResponse} or a {@link LightResponse} (the global `Response` under {@link serve}'s
 * default) — the fields, or a promise of them that the server awaits after the last body byte
 * (so they can depend on the body: a checksum of a streamed body, a status reached at its end).
 * The shape follows the `ResponseInit.trailers` discussed for the fetch standard
 * (whatwg/fetch#981); Node's own `Response` drops the member, so its responses carry none.
 *
 * @module
 */
import type { HeaderInput } from './response-head.ts';
import type { ResponseWriter } from './response-writer.ts';

/** Trailer fields, or a promise of them (resolved after the body). */
export type ResponseTrailers = HeaderInput | Promise<HeaderInput>;

/** Options that carry trailers (`{ trailers }` in a response's init). */
export interface TrailersInit {
  /** Sent after the body, which is then chunked; dropped for an HTTP/1.0 client. */
  readonly trailers?: ResponseTrailers;
}

/** `init.trailers` when `init` is an object that has them, else undefined. */
export function trailersOfInit(init: unknown): ResponseTrailers | undefined {
  if (typeof init !== 'object' || init === null) return undefined;
  return (init as TrailersInit).trailers ?? undefined;
}

/**
 * Ends `writer` after `body` with `trailers`: fields given as they are announced in the head;
 * a promise is awaited after the body went out. An HTTP/1.0 client (no chunked encoding) gets
 * the body without them.
 * @throws InvalidArgumentError (as `ResponseWriter.addTrailers`) for a Content-Length response
 *   or a field that cannot be a trailer
 */
export function endWithTrailers(
  writer: ResponseWriter,
  body: string | Uint8Array | undefined,
  trailers: ResponseTrailers,
  http10: boolean,
): Promise<void> | undefined {
  if (!isPromise(trailers)) {
    if (!http10) writer.addTrailers(trailers);
    writer.end(body);
    return undefined;
  }
  if (body !== undefined && body.length > 0) writer.write(body);
  return trailers.then((fields) => {
    if (!http10 && !writer.finished) writer.addTrailers(fields);
    writer.end();
  });
}

function isPromise(x: unknown): x is Promise<HeaderInput> {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}
