/**
 * `LightResponse`: a WHATWG `Response` that makes no stream until someone asks for one.
 *
 * On Node 20, `new Response('hello')` costs more than the whole rest of a request served by
 * nbio: undici's constructor builds a `ReadableStream` for the body, and that constructor calls
 * `makeTransferable` (measured here: ~15–30 µs per stream, most of it in the garbage collector
 * afterwards). A server that sends the string it was given never needs that stream.
 *
 * A `LightResponse` keeps the body (string, bytes or none), the status and a snapshot of the
 * fields, and builds the real `Response` (the one `globalThis.Response` was when this module
 * loaded) only when something needs it: `body`, `text()`, `clone()` … — after that,
 * every member answers from the real one. `headers` (a `Headers` made from the snapshot),
 * `status`, `ok`, `statusText`, `type`, `url`, `redirected` and `bodyUsed` answer without
 * building it. The server ({@link serve}) sends an
 * unbuilt one directly, head and body in one write.
 *
 * It is a `Response` for the code that handles it: `instanceof Response` holds (its prototype
 * chain runs through `Response.prototype`), its statics (`json`, `error`, `redirect`) are
 * there, and whatever the fast path does not handle exactly — a body of another type (stream,
 * Blob, FormData …), a `statusText`, odd header input, anything invalid — is handed to the
 * real constructor at once, so the errors are the native ones (`RangeError` for a status outside
 * 200..599, `TypeError` for a bad field or a body on a 204 …). A bytes body (`Uint8Array`,
 * `Buffer`, `ArrayBuffer`) is kept by reference, not copied as the native constructor copies it
 * (as `@hono/node-server`'s response keeps it, and as nbio's `write()` keeps unsent bytes): do
 * not change the buffer until the response is sent; the real `Response`, once built, holds a
 * copy.
 *
 * Use it by name (`import { LightResponse as Response } from 'nbio/http'`), or, for code that
 * says `new Response(...)` itself (Hono, code written for `Deno.serve`), make it the global one
 * with {@link installLightResponse} — a process-wide change, undone by the function it returns.
 * {@link serve} does that by default while a server runs (option `overrideGlobalObjects`).
 *
 * @module
 */
import { type LightFields, snapshotFields } from './light-fields.ts';
import { endWithTrailers, type ResponseTrailers, trailersOfInit } from './response-trailers.ts';
import type { ResponseWriter } from './response-writer.ts';

/** The platform's `Response`, captured when this module loads. */
const NativeResponse: typeof Response = globalThis.Response;
/** The platform's `Headers` (Node's global is a getter: read once, not per response). */
const NativeHeaders: typeof Headers = globalThis.Headers;

/** What the server needs to send an unbuilt LightResponse. */
export interface LightParts {
  /** Tells these parts from a `Response`. */
  readonly light: true;
  readonly status: number;
  /** The fields, as given (names not lowercased), with the default content-type added. */
  readonly headers: readonly (readonly [string, string])[] | Headers;
  readonly body: string | Uint8Array | null;
}

/** The fields of a response made without any. */
const NO_FIELDS: LightFields = Object.freeze([]);
/** Statuses that may not carry a body (fetch's "null body status"). */
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

let partsOf: (r: object) => LightParts | Response | null;
let trailersOf: (r: object) => ResponseTrailers | undefined;
let sendUnbuilt: (
  r: object,
  writer: ResponseWriter,
  http10: boolean,
  trailers: ResponseTrailers | undefined,
) => Promise<void> | undefined | false;

/**
 * Sends `r` on `writer` when it is an unbuilt LightResponse — head and body at once, from its
 * own state (no {@link LightParts} made), with `trailers` (default: its own, if any) — and returns what
 * `sendResponse` returns (undefined, or a promise while trailers are awaited). False, and
 * nothing sent, for anything else (a built one: send its real `Response`, see {@link lightParts}).
 */
export function sendUnbuiltLight(
  r: unknown,
  writer: ResponseWriter,
  http10: boolean,
  trailers?: ResponseTrailers,
): Promise<void> | undefined | false {
  return typeof r === 'object' && r !== null ? sendUnbuilt(r, writer, http10, trailers) : false;
}

/**
 * The `trailers` given in the init of LightResponse `r` (kept whether or not it was built: Node's
 * own `Response` drops the member), or undefined.
 */
export function lightTrailers(r: unknown): ResponseTrailers | undefined {
  return typeof r === 'object' && r !== null ? trailersOf(r) : undefined;
}

/**
 * What the server sends for `r`: its parts while it is an unbuilt LightResponse, the real
 * `Response` it became once built (send that one as any `Response`), or null when `r` is not a
 * LightResponse (`instanceof` cannot tell: it answers as `Response`'s does).
 */
export function lightParts(r: unknown): LightParts | Response | null {
  return typeof r === 'object' && r !== null ? partsOf(r) : null;
}

/** A `Response` that builds its stream only when asked; see the module comment. */
export class LightResponse {
  #status = 200;
  #fields: LightFields = NO_FIELDS;
  /** The fields as `Headers`, once asked for (then the ones sent, changes included). */
  #headers: Headers | null = null;
  #body: string | Uint8Array | null = null;
  #real: Response | null = null;
  #trailers: ResponseTrailers | undefined = undefined;

  static {
    trailersOf = (r) => (#trailers in r ? r.#trailers : undefined);
    sendUnbuilt = (r, writer, http10, given) => {
      if (!(#real in r) || r.#real !== null) return false;
      // Its fields were validated when it was made (a snapshot), or are a Headers.
      writer.writeHeadChecked(r.#status, r.#headers ?? r.#fields, true);
      const trailers = given ?? r.#trailers;
      if (trailers !== undefined) return endWithTrailers(writer, r.#body ?? undefined, trailers, http10);
      writer.end(r.#body ?? undefined);
      return undefined;
    };
    partsOf = (r) => {
      if (!(#real in r)) return null;
      if (r.#real !== null) return r.#real;
      return { light: true, status: r.#status, headers: r.#headers ?? r.#fields, body: r.#body };
    };
  }

  /**
   * Takes the arguments of `new Response(body, init)`.
   * @throws RangeError, TypeError as the native `Response` does, for the same inputs
   */
  constructor(body?: ConstructorParameters<typeof Response>[0], init?: ResponseInit) {
    this.#trailers = trailersOfInit(init);
    if (!this.#fast(body, init)) this.#real = new NativeResponse(body, init);
  }

  /** Takes the common cases; false leaves everything to the native constructor. */
  #fast(body: unknown, init: unknown, contentType = 'text/plain;charset=UTF-8'): boolean {
    let status = 200;
    let headers: unknown;
    if (init !== undefined && init !== null) {
      if (typeof init !== 'object') return false;
      const i = init as { status?: unknown; statusText?: unknown; headers?: unknown };
      if (i.statusText !== undefined) return false;
      if (i.status !== undefined) {
        if (typeof i.status !== 'number' || !Number.isInteger(i.status) || i.status < 200 || i.status > 599)
          return false;
        status = i.status;
      }
      headers = i.headers;
      if (headers === null) return false;
    }
    let bytes: string | Uint8Array | null;
    if (body === undefined || body === null) bytes = null;
    else if (typeof body === 'string') bytes = body;
    else if (body instanceof Uint8Array)
      bytes = body; // by reference (module doc): a 100 KiB copy per response was most of its cost
    else if (body instanceof ArrayBuffer) bytes = new Uint8Array(body);
    else return false;
    if (bytes !== null && NULL_BODY_STATUS.has(status)) return false;
    const fields = snapshotFields(headers, typeof bytes === 'string' ? contentType : null);
    if (fields === null) return false;
    this.#status = status;
    this.#fields = fields;
    this.#body = bytes;
    return true;
  }

  /** The real `Response` (built now if it was not). */
  #built(): Response {
    // Built from the snapshot of the fields, not from the caller's objects (they may have
    // changed since); the native constructor copies the bytes as they are now.
    this.#real ??= new NativeResponse(this.#body as ConstructorParameters<typeof Response>[0], {
      status: this.#status,
      headers: this.#headers ?? (this.#fields as [string, string][]),
    });
    return this.#real;
  }

  /**
   * True for every `Response`, Node's own included: with LightResponse installed as the global
   * `Response`, `fetch()`'s answers must still be `instanceof Response`.
   */
  static [Symbol.hasInstance](x: unknown): boolean {
    return x instanceof NativeResponse;
  }

  /** A network error, as `Response.error()` (a native one: it has no body to save). */
  static error(): Response {
    return NativeResponse.error();
  }

  /** A redirect, as `Response.redirect()` (a native one: it has no body to save). */
  static redirect(url: string | URL, status: Parameters<typeof Response.redirect>[1] = 302): Response {
    return NativeResponse.redirect(url, status);
  }

  /** @inheritDoc */
  get status(): number {
    return this.#real === null ? this.#status : this.#real.status;
  }

  /** @inheritDoc */
  get ok(): boolean {
    const s = this.status;
    return s >= 200 && s <= 299;
  }

  /** @inheritDoc */
  get statusText(): string {
    return this.#real === null ? '' : this.#real.statusText;
  }

  /** @inheritDoc */
  get type(): Response['type'] {
    return this.#real === null ? 'default' : this.#real.type;
  }

  /** @inheritDoc */
  get url(): string {
    return this.#real === null ? '' : this.#real.url;
  }

  /** @inheritDoc */
  get redirected(): boolean {
    return this.#real === null ? false : this.#real.redirected;
  }

  /** @inheritDoc */
  get bodyUsed(): boolean {
    return this.#real === null ? false : this.#real.bodyUsed;
  }

  /**
   * The fields, as a `Headers` made on first access without building the real `Response`
   * (middleware that adds a field keeps the fast path); changes to it are what the server sends
   * and what a real `Response` built later starts from. Once built, the real one's `Headers`.
   */
  get headers(): Headers {
    if (this.#real !== null) return this.#real.headers;
    this.#headers ??= new NativeHeaders(this.#fields as [string, string][]); // copied: the snapshot is shared
    return this.#headers;
  }

  /** The body stream (builds the real `Response`). */
  get body(): Response['body'] {
    return this.#built().body;
  }

  /** @inheritDoc */
  clone(): Response {
    return this.#built().clone();
  }

  /** @inheritDoc */
  text(): Promise<string> {
    return this.#built().text();
  }

  /** A JSON response, like `Response.json()` (a default `content-type: application/json`). */
  static json(data: unknown, init?: ResponseInit): Response {
    const text = JSON.stringify(data) as string | undefined;
    if (text === undefined) return NativeResponse.json(data, init); // throws the native TypeError
    const r = new LightResponse();
    r.#trailers = trailersOfInit(init);
    return (r.#fast(text, init, 'application/json') ? r : NativeResponse.json(data, init)) as Response;
  }

  /** @inheritDoc */
  json(): Promise<unknown> {
    return this.#built().json();
  }

  /** @inheritDoc */
  arrayBuffer(): Promise<ArrayBuffer> {
    return this.#built().arrayBuffer();
  }

  /** @inheritDoc */
  blob(): Promise<Blob> {
    return this.#built().blob();
  }

  /** @inheritDoc */
  formData(): Promise<FormData> {
    return this.#built().formData();
  }

  /** The body as bytes (Node's `Response.bytes()` where it has one; read from `arrayBuffer()` otherwise). */
  async bytes(): Promise<Uint8Array> {
    const real = this.#built() as Response & { bytes?: () => Promise<Uint8Array> };
    if (typeof real.bytes === 'function') return real.bytes();
    return new Uint8Array(await real.arrayBuffer());
  }
}

// `instanceof Response`, `Response.error()`, `Response.redirect()`: through the native ones.
Object.setPrototypeOf(LightResponse.prototype, NativeResponse.prototype);
Object.setPrototypeOf(LightResponse, NativeResponse);

/** Holders of the global install (servers and `installLightResponse()` calls not yet undone). */
let holders = 0;
/** The global `Response` before the first holder installed LightResponse. */
let replaced: unknown = null;

/**
 * Makes {@link LightResponse} the global `Response` (process-wide: every `new Response(...)`
 * from then on, in any module, makes one), and returns the function that releases it. Installs
 * are counted — {@link serve} makes one per server unless told not to — and the `Response` that
 * was there before the first one is put back when the last is released. Each returned function
 * releases once; calling it again does nothing. When the global is already LightResponse but no
 * install holds it (someone set it by hand), this changes nothing and its undo does nothing.
 */
export function installLightResponse(): () => void {
  if (holders === 0) {
    if (globalThis.Response === (LightResponse as unknown)) return () => {};
    replaced = globalThis.Response;
    setGlobalResponse(LightResponse);
  }
  holders++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    holders--;
    if (holders === 0) {
      // Put back only what this module replaced (leave a global someone else set since).
      if (globalThis.Response === (LightResponse as unknown)) setGlobalResponse(replaced);
      replaced = null;
    }
  };
}

function setGlobalResponse(value: unknown): void {
  Object.defineProperty(globalThis, 'Response', {
    value,
    writable: true,
    configurable: true,
    enumerable: false,
  });
}
