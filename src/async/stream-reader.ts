/**
 * `StreamReader`: the reading half of a stream connection, with awaitable reads (asyncio's
 * `StreamReader`, Tornado's `IOStream.read_*`). A {@link StreamProtocol} feeds it what the
 * transport delivers.
 *
 * ## Rules
 * - **One read at a time.** A read started while another waits rejects with
 *   `BusyResourceError` (asyncio raises RuntimeError; trio's `BusyResourceError`).
 * - **Nothing is lost.** A read consumes bytes only when it succeeds: an aborted
 *   `readExactly`, or a `readUntil` that overran its limit, leaves the buffer as it was.
 * - **Bytes before errors.** A connection error (`BrokenResourceError`) surfaces in the read
 *   that would otherwise wait, after the bytes that arrived before it were read.
 * - **Backpressure.** When the buffer holds more than `limit` bytes the reader calls
 *   `transport.pauseReading()`, so the kernel buffers fill and the peer's writes block; once
 *   reads bring it to `limit` or below it calls `resumeReading()`. A read that needs more bytes
 *   than are buffered resumes reading while it waits (so `readExactly(n)` works for n > limit,
 *   as in asyncio), and while it waits its own size (`n`, or `readUntil`'s `limit`) is the
 *   pause threshold.
 * - **Linear searches.** `readUntil` resumes its search where the last one stopped and never
 *   joins the buffered chunks to search them: each byte is examined a bounded number of times
 *   (`stats().scannedBytes` counts them), whatever limit the caller raised.
 *
 * @module
 */
import {
  BusyResourceError,
  ClosedResourceError,
  IncompleteReadError,
  InvalidArgumentError,
  LimitOverrunError,
} from '../errors.ts';
import type { Transport } from '../net/transport.ts';
import { ByteBuffer } from './byte-buffer.ts';
import { abortedError, cancellable, type SignalOptions } from './cancellable.ts';
import type { ReadUntilOptions, StreamReaderOptions, StreamReaderStats } from './stream-reader-types.ts';

export type { ReadUntilOptions, StreamReaderOptions, StreamReaderStats } from './stream-reader-types.ts';

/** The default buffer limit of a reader: 64 KiB (asyncio's). */
export const DEFAULT_STREAM_LIMIT = 64 * 1024;

/** The reading half of a stream; see the module comment. */
export class StreamReader implements AsyncIterable<Buffer> {
  /** The buffer limit in bytes. */
  readonly limit: number;
  readonly #buffer = new ByteBuffer();
  #transport: Transport | null = null;
  #paused = false;
  #eof = false;
  #error: Error | null = null;
  #busy: string | null = null;
  /** Bytes the waiting read may buffer (readUntil's limit, readExactly's n); 0 when none waits. */
  #need = 0;
  #wake: (() => void) | null = null;
  /**
   * A plain `read()` (no signal) waiting: `feedData`/`feedEof`/`setException` settle its promise
   * themselves, with the bytes, so the reader wakes one promise hop after the data arrived
   * (no async function resuming in between). `#pendingMax`: its `max`; `#pendingAsResult`: the
   * async iterator's read, resolved as an iterator result.
   */
  #pendingResolve: ((value: never) => void) | null = null;
  #pendingReject: ((error: unknown) => void) | null = null;
  #pendingMax = 0;
  #pendingAsResult = false;

  /** @throws InvalidArgumentError for a limit that is not a whole number ≥ 1 */
  constructor(options: StreamReaderOptions = {}) {
    this.limit = checkStreamLimit(options.limit);
  }

  // ── fed by the protocol ───────────────────────────────────────────────────────────────

  /** Attaches the transport the reader pauses and resumes (the protocol calls this). */
  setTransport(transport: Transport): void {
    this.#transport = transport;
    this.#updateFlow();
  }

  /**
   * Appends bytes that arrived (the protocol calls this; the reader keeps `data`).
   * @throws ClosedResourceError after `feedEof()`
   */
  feedData(data: Buffer): void {
    if (this.#eof) throw new ClosedResourceError('Cannot feed data to a StreamReader after its EOF.');
    if (data.length === 0) return;
    this.#buffer.push(data);
    if (this.#pendingResolve !== null || this.#wake !== null) this.#wakeReader();
    else this.#updateFlow();
  }

  /** Marks the end of the stream: reads return what is left, then EOF. */
  feedEof(): void {
    this.#eof = true;
    this.#wakeReader();
  }

  /** Records a connection error: it fails the next read that would wait. Implies EOF. */
  setException(error: Error): void {
    this.#error = error;
    this.#eof = true;
    this.#wakeReader();
  }

  // ── reads ─────────────────────────────────────────────────────────────────────────────

  /** True once the stream ended and every byte was read. */
  atEof(): boolean {
    return this.#eof && this.#buffer.length === 0;
  }

  /** Bytes buffered, not yet read. */
  get bufferedAmount(): number {
    return this.#buffer.length;
  }

  /**
   * Reads up to `max` bytes: whatever is buffered, waiting only when nothing is.
   * @param max the most bytes to return (default: the reader's limit); 0 returns at once
   * @returns the bytes; an empty Buffer at EOF
   * @throws (rejects) BusyResourceError, AbortedError, the connection's error
   */
  read(max: number = this.limit, options: SignalOptions = {}): Promise<Buffer> {
    return this.#readDirect(max, options, false) as Promise<Buffer>;
  }

  /**
   * `read()` without an async function when it can: bytes buffered are returned in a settled
   * promise, a wait with no signal is settled by `feedData` itself (see `#pendingResolve`); any
   * other case (a signal, a read already waiting, a bad `max`) takes the general path.
   * `asResult`: resolve with an iterator result (`{ value, done }`) instead of the bytes.
   */
  #readDirect(
    max: number,
    options: SignalOptions,
    asResult: boolean,
  ): Promise<Buffer | IteratorResult<Buffer>> {
    if (this.#busy !== null || options.signal !== undefined || !Number.isSafeInteger(max) || max < 1) {
      const p = this.#read(max, options);
      return asResult ? p.then(toResult) : p;
    }
    if (this.#buffer.length > 0) {
      const out = this.#buffer.take(Math.min(max, this.#buffer.length));
      this.#updateFlow();
      return Promise.resolve(asResult ? toResult(out) : out);
    }
    if (this.#error !== null) return Promise.reject(this.#error);
    if (this.#eof) return Promise.resolve(asResult ? toResult(Buffer.alloc(0)) : Buffer.alloc(0));
    this.#busy = 'read';
    if (this.#paused) {
      this.#paused = false;
      this.#transport?.resumeReading();
    }
    return new Promise((resolve, reject) => {
      this.#pendingResolve = resolve as (value: never) => void;
      this.#pendingReject = reject;
      this.#pendingMax = max;
      this.#pendingAsResult = asResult;
    });
  }

  /** Settles the waiting plain `read()`: bytes first, then the error, then EOF. */
  #settlePending(): void {
    const resolve = this.#pendingResolve as ((value: Buffer | IteratorResult<Buffer>) => void) | null;
    const reject = this.#pendingReject;
    if (resolve === null || reject === null) return;
    this.#pendingResolve = null;
    this.#pendingReject = null;
    this.#busy = null;
    const buffered = this.#buffer.length;
    if (buffered === 0 && this.#error !== null) reject(this.#error);
    else {
      const out = this.#buffer.take(Math.min(this.#pendingMax, buffered));
      resolve(this.#pendingAsResult ? toResult(out) : out);
    }
    this.#updateFlow();
  }

  async #read(max: number, options: SignalOptions): Promise<Buffer> {
    checkCount('read', max);
    this.#enter('read', options.signal);
    try {
      while (this.#buffer.length === 0 && max > 0) {
        if (this.#error !== null) throw this.#error;
        if (this.#eof) break;
        await this.#waitForData('read', options.signal);
      }
      return this.#buffer.take(Math.min(max, this.#buffer.length));
    } finally {
      this.#leave();
    }
  }

  /**
   * Reads exactly `n` bytes.
   * @throws (rejects) IncompleteReadError (with `.partial`, which is consumed) when the stream
   *   ends first; BusyResourceError; AbortedError (nothing consumed); the connection's error
   */
  async readExactly(n: number, options: SignalOptions = {}): Promise<Buffer> {
    checkCount('readExactly', n);
    this.#enter('readExactly', options.signal);
    this.#need = n;
    try {
      while (this.#buffer.length < n) {
        if (this.#error !== null) throw this.#error;
        if (this.#eof) throw new IncompleteReadError(this.#buffer.takeAll(), n);
        await this.#waitForData('readExactly', options.signal);
      }
      return this.#buffer.take(n);
    } finally {
      this.#leave();
    }
  }

  /**
   * Reads up to and including `delimiter`.
   * @param delimiter bytes or text (UTF-8), not empty; default `'\n'`
   * @throws (rejects) LimitOverrunError when no delimiter ends within `options.limit` bytes
   *   (nothing consumed: read the data with `read()` or raise the limit); IncompleteReadError
   *   (`.partial`: everything left, consumed) when the stream ends first; BusyResourceError;
   *   AbortedError (nothing consumed); the connection's error
   */
  async readUntil(delimiter: Uint8Array | string = '\n', options: ReadUntilOptions = {}): Promise<Buffer> {
    const sep = typeof delimiter === 'string' ? Buffer.from(delimiter, 'utf8') : delimiter;
    if (sep.length === 0) {
      throw new InvalidArgumentError(
        'Cannot readUntil an empty delimiter: pass at least one byte, such as "\\n".',
      );
    }
    const limit = options.limit ?? this.limit;
    checkCount('readUntil limit', limit);
    this.#enter('readUntil', options.signal);
    this.#need = limit;
    try {
      let from = 0;
      for (;;) {
        const at = this.#buffer.indexOf(sep, from);
        if (at >= 0) {
          const end = at + sep.length;
          if (end > limit) throw new LimitOverrunError(limit, this.#buffer.length);
          return this.#buffer.take(end);
        }
        // The next search starts where a delimiter could still begin; past the limit, none fits.
        from = Math.max(0, this.#buffer.length - sep.length + 1);
        if (from + sep.length > limit) throw new LimitOverrunError(limit, this.#buffer.length);
        if (this.#error !== null) throw this.#error;
        if (this.#eof) throw new IncompleteReadError(this.#buffer.takeAll(), null);
        await this.#waitForData('readUntil', options.signal);
      }
    } finally {
      this.#leave();
    }
  }

  /**
   * Reads one line, `'\n'` included. At EOF returns what is left without a newline, then
   * empty Buffers (asyncio's `readline`).
   * @throws (rejects) LimitOverrunError when the line is longer than the reader's limit
   *   (nothing consumed); BusyResourceError; AbortedError; the connection's error
   */
  async readLine(options: SignalOptions = {}): Promise<Buffer> {
    try {
      return await this.readUntil('\n', options);
    } catch (error) {
      if (error instanceof IncompleteReadError) return error.partial;
      throw error;
    }
  }

  /**
   * Yields chunks (`read()`) until EOF. Breaking out of the loop leaves the rest buffered. Each
   * `next()` is one `read()` resolved as an iterator result (no async generator in between);
   * a `next()` while another waits rejects with BusyResourceError, as a second `read()` does.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<Buffer> {
    const iterator: AsyncIterableIterator<Buffer> = {
      next: () => this.#readDirect(this.limit, NO_OPTIONS, true) as Promise<IteratorResult<Buffer>>,
      return: () => Promise.resolve({ value: undefined, done: true }),
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /** Counters, as a frozen plain object. */
  stats(): StreamReaderStats {
    return Object.freeze({
      buffered: this.#buffer.length,
      limit: this.limit,
      paused: this.#paused,
      eof: this.#eof,
      reading: this.#busy,
      scannedBytes: this.#buffer.bytesScanned,
    });
  }

  // ── internals ─────────────────────────────────────────────────────────────────────────

  #enter(what: string, signal: AbortSignal | undefined): void {
    if (signal?.aborted) throw abortedError(`StreamReader.${what}()`, signal);
    if (this.#busy !== null) {
      throw new BusyResourceError(
        `Cannot ${what}: a ${this.#busy}() is already waiting on this stream. Read from one task at a time.`,
      );
    }
    this.#busy = what;
  }

  #leave(): void {
    this.#busy = null;
    this.#need = 0;
    this.#updateFlow();
  }

  #waitForData(what: string, signal: AbortSignal | undefined): Promise<void> {
    if (this.#paused) {
      // The buffer is over the limit, yet this read needs more: let bytes in while it waits.
      this.#paused = false;
      this.#transport?.resumeReading();
    }
    return cancellable<void>(`StreamReader.${what}()`, signal, (settle) => {
      this.#wake = () => settle.resolve();
      return () => {
        this.#wake = null;
      };
    });
  }

  /** Wakes the waiting read: a plain `read()` is settled here, any other resumes. */
  #wakeReader(): void {
    if (this.#pendingResolve !== null) {
      this.#settlePending();
      return;
    }
    const wake = this.#wake;
    if (wake === null) return;
    this.#wake = null;
    wake();
  }

  /**
   * Pauses the transport above the limit, resumes it at or below. While a read that may buffer
   * more waits (readUntil with a raised limit, readExactly(n) with n over the limit), its size
   * is the threshold: pausing at the smaller limit would only stop and restart reading after
   * nearly every chunk of a long line.
   */
  #updateFlow(): void {
    const t = this.#transport;
    if (t === null || this.#eof) return;
    const over = this.#buffer.length > Math.max(this.limit, this.#need);
    if (over && !this.#paused) {
      this.#paused = true;
      t.pauseReading();
    } else if (!over && this.#paused) {
      this.#paused = false;
      t.resumeReading();
    }
  }
}

const NO_OPTIONS: SignalOptions = Object.freeze({});

/** A chunk as the async iterator's result: an empty one (EOF) ends the iteration. */
function toResult(chunk: Buffer): IteratorResult<Buffer> {
  return chunk.length === 0 ? { value: undefined, done: true } : { value: chunk, done: false };
}

/**
 * Checks a reader's buffer limit.
 * @returns the limit, or the default for undefined
 * @throws InvalidArgumentError for a limit that is not a whole number ≥ 1
 */
export function checkStreamLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_STREAM_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new InvalidArgumentError(`Invalid stream limit ${limit}: pass a whole number of bytes ≥ 1.`);
  }
  return limit;
}

function checkCount(what: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new InvalidArgumentError(`Invalid ${what} size ${n}: pass a whole number of bytes ≥ 0.`);
  }
}
