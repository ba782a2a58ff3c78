/**
 * Writing what a fetch-shaped handler returned — a WHATWG `Response` (or anything shaped like
 * one: `status`, `headers`, `body` stream) or a {@link PlainResponse} — through a
 * ResponseWriter, with backpressure. A streamed body of a single chunk is sent with a
 * Content-Length; longer ones are chunked. A PlainResponse or LightResponse made with
 * `trailers` in its init ends with them (see response-trailers.ts).
 *
 * @module
 */
import { InvalidArgumentError } from '../../errors.ts';
import { type LightResponse, lightParts, lightTrailers, sendUnbuiltLight } from './light-response.ts';
import { PlainResponse } from './plain-response.ts';
import { endWithTrailers, type ResponseTrailers } from './response-trailers.ts';
import type { ResponseWriter } from './response-writer.ts';

/** What a fetch-shaped handler may return. */
export type HandlerResult = Response | PlainResponse | LightResponse;

/**
 * Sends `result` on `writer`. A PlainResponse, or a Response whose string or bytes body is
 * untouched, is written at once (undefined is returned: no promise made); a body stream is read
 * with backpressure, and the promise resolves when its last byte was handed to the transport.
 * @param http10 the request was HTTP/1.0 (its client gets no trailers)
 * @param given the response's trailers (found on `result` when not given)
 * @throws InvalidArgumentError when `result` is not a response
 */
export function sendResponse(
  writer: ResponseWriter,
  result: unknown,
  isHead: boolean,
  http10 = false,
  given?: ResponseTrailers,
): Promise<void> | undefined {
  // The default: an unbuilt LightResponse (serve() makes it the global Response).
  const light = sendUnbuiltLight(result, writer, http10, given);
  if (light !== false) return light;
  const trailers = given ?? trailersOf(result);
  if (result instanceof PlainResponse) {
    writer.writeHead(result.status, result.headers);
    if (trailers !== undefined) return endWithTrailers(writer, result.body ?? undefined, trailers, http10);
    writer.end(result.body ?? undefined);
    return undefined;
  }
  const parts = lightParts(result);
  // A LightResponse that became a real Response (something read its body): send that one.
  if (parts !== null && !('light' in parts)) return sendResponse(writer, parts, isHead, http10, trailers);
  if (!isResponseLike(result)) {
    throw new InvalidArgumentError(
      `The handler returned ${describe(result)}: return a Response (or an nbio PlainResponse).`,
    );
  }
  writer.writeHead(result.status, result.headers);
  const source = bodySource(result);
  if (source !== null) {
    // The body is a string or bytes nobody has read: send it as it is, skipping the stream.
    if (trailers !== undefined) return endWithTrailers(writer, isHead ? undefined : source, trailers, http10);
    writer.end(isHead ? undefined : source);
    return undefined;
  }
  const body = result.body;
  if (body === null) {
    if (trailers !== undefined) return endWithTrailers(writer, undefined, trailers, http10);
    writer.end();
    return undefined;
  }
  const noBody = isHead || result.status === 204 || result.status === 304;
  if (trailers !== undefined && typeof (trailers as { then?: unknown }).then !== 'function') {
    // Known now: announced in the head, sent after the last chunk.
    if (!http10) writer.addTrailers(trailers as Exclude<ResponseTrailers, Promise<unknown>>);
    return sendStream(writer, body, noBody);
  }
  const sent = sendStream(writer, body, noBody, trailers !== undefined);
  return trailers === undefined
    ? sent
    : sent.then(() => endWithTrailers(writer, undefined, trailers, http10));
}

/** The trailers a PlainResponse or LightResponse was made with. */
function trailersOf(result: unknown): ResponseTrailers | undefined {
  return result instanceof PlainResponse ? result.trailers : lightTrailers(result);
}

/**
 * Reads `body` into `writer` (a single chunk with a Content-Length, more chunked). With
 * `leaveOpen` (trailers follow) it writes every chunk and does not end the response.
 */
async function sendStream(
  writer: ResponseWriter,
  body: ReadableStream<Uint8Array>,
  noBody: boolean,
  leaveOpen = false,
): Promise<void> {
  const reader = body.getReader();
  if (noBody) {
    await reader.cancel();
    if (!leaveOpen) writer.end();
    return;
  }
  try {
    const first = await reader.read();
    if (first.done) {
      if (!leaveOpen) writer.end();
      return;
    }
    const second = await reader.read();
    if (second.done) {
      if (leaveOpen) writer.write(first.value);
      else writer.end(first.value);
      return;
    }
    writer.write(first.value);
    let next: Awaited<ReturnType<typeof reader.read>> = second;
    while (!next.done) {
      if (writer.finished) break; // the connection broke
      if (!writer.write(next.value)) await writer.drain();
      next = await reader.read();
    }
    if (!leaveOpen) writer.end();
  } finally {
    reader.releaseLock();
  }
}

/** Per Response class: the symbol of undici's internal state, or null when it has none. */
const stateSymbols = new WeakMap<object, symbol | null>();

/**
 * The string or bytes a WHATWG `Response` was made from, when its body stream is untouched;
 * else null. Node's `Response` (undici) keeps them in its internal state (`body.source`) beside
 * the stream it built from them. This is an optimisation only: anything unexpected there —
 * another implementation, another undici — gives null, and the stream is read instead.
 */
function bodySource(res: ResponseLike): string | Uint8Array | null {
  const proto = Object.getPrototypeOf(res) as object | null;
  if (proto === null) return null;
  let sym = stateSymbols.get(proto);
  if (sym === undefined) {
    sym = Object.getOwnPropertySymbols(res).find((s) => s.description === 'state') ?? null;
    stateSymbols.set(proto, sym);
  }
  if (sym === null) return null;
  const body = (
    res as unknown as Record<symbol, { body?: { source?: unknown; stream?: unknown } } | undefined>
  )[sym]?.body;
  const src = body?.source;
  if (typeof src !== 'string' && !(src instanceof Uint8Array)) return null;
  const stream = body?.stream;
  if (!(stream instanceof ReadableStream) || stream !== res.body || stream.locked || res.bodyUsed === true)
    return null;
  return src;
}

interface ResponseLike {
  status: number;
  headers: Headers;
  body: ReadableStream<Uint8Array> | null;
  bodyUsed?: boolean;
}

function isResponseLike(x: unknown): x is ResponseLike {
  if (typeof x !== 'object' || x === null) return false;
  const r = x as Partial<ResponseLike>;
  return typeof r.status === 'number' && typeof r.headers?.forEach === 'function' && 'body' in r;
}

function describe(x: unknown): string {
  if (x === null || x === undefined) return String(x);
  if (typeof x === 'object') return `an object (${(x as object).constructor?.name ?? 'no class'})`;
  return `a ${typeof x}`;
}
