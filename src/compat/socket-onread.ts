/**
 * `OnRead`: `net`'s `onread` socket option — received bytes go into the caller's buffer and to
 * `callback(nread, buffer)` instead of `'data'` events.
 *
 * Node's libuv reads straight into the user's buffer. nbio's transport reads into its own
 * shared buffer and hands the protocol a copy, so here the received bytes are **copied** once
 * more, into the user's buffer, at most `buffer.length` bytes per callback (a chunk larger than
 * the buffer is delivered in several calls, as libuv's reads into a small buffer would be).
 * As `net`: a `buffer` that is a function is called once when the connection is made and again
 * after each callback (a result that is not a Uint8Array keeps the previous buffer); a callback
 * that returns `false` stops reading until `resume()` (or `read()`); the bytes of the current
 * chunk not yet delivered are kept and delivered first when reading resumes.
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.ts';

/** `net`'s `onread` option: `{ buffer, callback }`. */
export interface OnReadOptions {
  /** The reusable buffer received bytes are copied into, or a function returning one. */
  buffer: Uint8Array | (() => Uint8Array);
  /** Called per chunk with the byte count and the buffer; `false` pauses reading. */
  callback: (nread: number, buffer: Uint8Array) => unknown;
}

/**
 * The `onread` option of one socket, or null when `option` is not a valid `{ buffer, callback }`
 * (Node ignores it then, without an error).
 */
export function onReadFrom(option: unknown): OnRead | null {
  if (option === null || typeof option !== 'object') return null;
  const { buffer, callback } = option as Partial<OnReadOptions>;
  if (typeof callback !== 'function') return null;
  if (typeof buffer !== 'function' && !(buffer instanceof Uint8Array)) return null;
  return new OnRead(buffer, callback);
}

/** Delivers a socket's received bytes into the user's buffer; see the module comment. */
export class OnRead {
  readonly #make: (() => Uint8Array) | null;
  readonly #callback: OnReadOptions['callback'];
  #buffer: Uint8Array | null;
  /** Bytes received but not yet delivered (a callback returned false mid-chunk). */
  #rest: Uint8Array | null = null;

  /**
   * @param buffer the user's buffer, or the function that returns one
   * @param callback the user's callback
   */
  constructor(buffer: OnReadOptions['buffer'], callback: OnReadOptions['callback']) {
    this.#make = typeof buffer === 'function' ? buffer : null;
    this.#buffer = typeof buffer === 'function' ? null : buffer;
    this.#callback = callback;
  }

  /** The connection is made: a `buffer` function is asked for the first buffer (as `net`). */
  connected(): void {
    this.#next();
  }

  /** True while bytes of an earlier chunk wait for the reading to resume. */
  get hasPending(): boolean {
    return this.#rest !== null;
  }

  /** Keeps `data` for later, after any bytes already pending (reading is paused). */
  keep(data: Uint8Array): void {
    const rest = this.#rest;
    this.#rest = rest === null ? data : Buffer.concat([rest, data]);
  }

  /**
   * Copies the pending bytes, then `data`, into the user's buffer, one callback per
   * buffer-full, until `destroyed()` (a callback may destroy the socket: no more callbacks
   * then, as `net`). Returns true when all went out, false when a callback returned false (the
   * rest is kept), or an InvalidArgumentError when there is no buffer to copy into (an empty
   * one, or a function that never gave a Uint8Array): the socket is to be destroyed with it.
   */
  deliver(data: Uint8Array | null, destroyed: () => boolean = () => false): boolean | InvalidArgumentError {
    if (data !== null && data.length > 0) this.keep(data);
    let rest = this.#rest;
    this.#rest = null;
    while (rest !== null && rest.length > 0 && !destroyed()) {
      const buffer = this.#buffer ?? this.#next();
      if (buffer === null || buffer.length === 0) {
        return new InvalidArgumentError(
          'onread.buffer is empty (or its function returned no Uint8Array): pass a buffer of at least one byte to receive into.',
        );
      }
      const n = Math.min(buffer.length, rest.length);
      buffer.set(rest.subarray(0, n));
      rest = n === rest.length ? null : rest.subarray(n);
      const go = this.#callback.call(undefined, n, buffer) !== false;
      if (this.#make !== null) this.#next();
      if (!go) {
        this.#rest = rest;
        return false;
      }
    }
    return true;
  }

  #next(): Uint8Array | null {
    if (this.#make === null) return this.#buffer;
    const next = this.#make();
    if (next instanceof Uint8Array) this.#buffer = next;
    return this.#buffer;
  }
}
