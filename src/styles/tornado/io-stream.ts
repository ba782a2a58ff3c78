/**
 * `IOStream`: Tornado's buffered stream (`tornado.iostream.IOStream`) over an nbio
 * {@link Transport}: `readUntil`, `readBytes`, `readUntilClose` and `write`, each returning a
 * Promise.
 *
 * ## Backpressure instead of greedy reading
 * Tornado reads everything the socket has into its buffer whether or not anyone reads it, and
 * fails with `StreamBufferFullError` when the buffer passes `max_buffer_size` (100 MB by
 * default): a slow consumer costs memory, then the connection. Here the buffer is bounded by
 * flow control: when it holds `maxBufferSize` bytes the transport stops reading
 * (`pauseReading()`, so the kernel's buffers fill and TCP slows the peer down), and reading
 * resumes when a read needs more bytes or the buffer drops to half. A read can therefore
 * never need more than `maxBufferSize` buffered bytes: `readBytes(n)` with a larger `n` is
 * refused, and `readUntil`/`readUntilClose` that outgrow it fail as below.
 *
 * ## Writes
 * `write(data)` hands the bytes to the transport at once and returns a Promise resolved when
 * they have been **flushed to the socket**: the transport's write buffer is empty (the kernel
 * took everything written so far). The stream sets the transport's water marks to 0/0 to be
 * told exactly then, so several pending writes resolve together, when the last byte leaves.
 * A connection lost first rejects them.
 *
 * ## Faults (Tornado's, typed)
 * - A read while another is pending: `BusyResourceError` (Tornado: "Already reading").
 * - `readUntil` whose delimiter is not within `maxBytes` (or `maxBufferSize`):
 *   `LimitOverrunError`, and the stream closes (Tornado's `UnsatisfiableReadError`).
 * - The peer closed before a read was satisfied: `IncompleteReadError` with the bytes that
 *   did arrive; the connection broke: the `BrokenResourceError`; the stream was closed here:
 *   `ClosedResourceError` (Tornado's `StreamClosedError` in every case). A read that the
 *   buffer can satisfy still succeeds after the close, as in Tornado.
 *
 * @module
 */

import { ByteBuffer } from '../../async/byte-buffer.ts';
import {
  BusyResourceError,
  ClosedResourceError,
  IncompleteReadError,
  InvalidArgumentError,
  LimitOverrunError,
} from '../../errors.ts';
import type { Protocol } from '../../net/protocol.ts';
import type { Transport } from '../../net/transport.ts';

/** Default `maxBufferSize`: 1 MiB (Tornado's is 100 MB; with backpressure a large buffer buys nothing). */
export const DEFAULT_MAX_BUFFER_SIZE = 1024 * 1024;

/** Options of {@link IOStream}. */
export interface IOStreamOptions {
  /** Most bytes buffered from the socket before reading pauses; default (also when `undefined`) 1 MiB. */
  maxBufferSize?: number | undefined;
}

type ReadRequest =
  | { kind: 'until'; name: string; delimiter: Buffer; limit: number; maxBytesGiven: boolean }
  | { kind: 'bytes'; name: string; n: number; partial: boolean }
  | { kind: 'close'; name: string };

interface PendingRead {
  request: ReadRequest;
  resolve: (data: Buffer) => void;
  reject: (error: unknown) => void;
}

/** A buffered stream over a transport; see the module comment. */
export class IOStream {
  /** The transport underneath. */
  readonly transport: Transport;
  readonly #maxBufferSize: number;
  /** Received, not yet read: the chunks as they came (joined only when a read takes them). */
  readonly #buffer = new ByteBuffer();
  /** Bytes at the start of #buffer already searched for the pending delimiter. */
  #searched = 0;
  #read: PendingRead | null = null;
  #readingPaused = false;
  #eof = false;
  #closing = false;
  #lost = false;
  #error: Error | null = null;
  #closeCallback: (() => void) | null = null;
  #writeWaiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];

  /**
   * Takes over `transport`: the stream becomes its protocol (`setProtocol`) and sets its write
   * water marks to 0/0 (see "Writes"). Data the transport delivered before goes to the old
   * protocol: wrap transports from `connectionMade` (as {@link streamProtocol} does).
   * @throws InvalidArgumentError for a bad maxBufferSize
   */
  constructor(transport: Transport, options: IOStreamOptions = {}) {
    const max = options.maxBufferSize ?? DEFAULT_MAX_BUFFER_SIZE;
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new InvalidArgumentError(
        `Invalid maxBufferSize ${String(max)}: use a whole number of bytes ≥ 1.`,
      );
    }
    this.#maxBufferSize = max;
    this.transport = transport;
    transport.setWriteBufferLimits(0, 0);
    transport.setProtocol(this.#protocol);
    if (transport.isClosing) this.#closing = true;
  }

  /** Most bytes buffered before reading pauses. */
  get maxBufferSize(): number {
    return this.#maxBufferSize;
  }

  /** Bytes received and not yet read. */
  get bufferedAmount(): number {
    return this.#buffer.length;
  }

  /** The error that closed the stream, if one did (Tornado's `stream.error`). */
  get error(): Error | null {
    return this.#error;
  }

  /**
   * Reads up to and including `delimiter`.
   * @param options `maxBytes`: fail (and close) when the delimiter is not within that many bytes
   */
  readUntil(delimiter: string | Uint8Array, options: { maxBytes?: number } = {}): Promise<Buffer> {
    const d = Buffer.from(delimiter);
    if (d.length === 0) return this.#refuse('readUntil needs a non-empty delimiter.');
    const { maxBytes } = options;
    if (maxBytes !== undefined && (!Number.isSafeInteger(maxBytes) || maxBytes < 1)) {
      return this.#refuse(`Invalid maxBytes ${String(maxBytes)}: use a whole number of bytes ≥ 1.`);
    }
    const limit = Math.min(maxBytes ?? Number.POSITIVE_INFINITY, this.#maxBufferSize);
    return this.#start({
      kind: 'until',
      name: 'readUntil',
      delimiter: d,
      limit,
      maxBytesGiven: limit === maxBytes,
    });
  }

  /**
   * Reads `n` bytes; with `partial`, resolves as soon as any bytes (at most `n`) are there.
   * `n` may not exceed `maxBufferSize`.
   */
  readBytes(n: number, options: { partial?: boolean } = {}): Promise<Buffer> {
    if (!Number.isSafeInteger(n) || n < 0) {
      return this.#refuse(`Invalid byte count ${String(n)}: use a whole number ≥ 0.`);
    }
    if (n > this.#maxBufferSize) {
      return this.#refuse(
        `Cannot readBytes(${n}): more than maxBufferSize (${this.#maxBufferSize}). Raise maxBufferSize, or read in parts with { partial: true }.`,
      );
    }
    return this.#start({ kind: 'bytes', name: 'readBytes', n, partial: options.partial === true });
  }

  /** Reads everything until the peer closes (at most `maxBufferSize` bytes). */
  readUntilClose(): Promise<Buffer> {
    return this.#start({ kind: 'close', name: 'readUntilClose' });
  }

  /** True while a read is pending. */
  reading(): boolean {
    return this.#read !== null;
  }

  /**
   * Sends `data`.
   * @returns a Promise resolved once it was flushed to the socket (see "Writes")
   */
  write(data: string | Uint8Array): Promise<void> {
    if (this.closed()) return Promise.reject(this.#closedError('write'));
    try {
      this.transport.write(data);
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.transport.bufferedAmount === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => this.#writeWaiters.push({ resolve, reject }));
  }

  /** True while written bytes wait in the transport's buffer. */
  writing(): boolean {
    return this.transport.bufferedAmount > 0;
  }

  /** Calls `callback()` once the stream is closed, whoever closed it (null removes it). */
  setCloseCallback(callback: (() => void) | null): void {
    this.#closeCallback = callback;
  }

  /** True once `close()` was called or the connection ended. */
  closed(): boolean {
    return this.#closing || this.#lost;
  }

  /** Closes: pending writes are flushed first; a pending read fails unless the buffer satisfies it. */
  close(): void {
    if (this.closed()) return;
    this.#shutDown();
    this.#tryRead(); // nothing more will arrive: a pending read settles now
  }

  #shutDown(): void {
    this.#closing = true;
    this.transport.close();
  }

  /** Sets TCP_NODELAY. */
  setNodelay(on: boolean): void {
    this.transport.setNoDelay(on);
  }

  // ── reads ─────────────────────────────────────────────────────────────────────────────

  #refuse(message: string): Promise<Buffer> {
    return Promise.reject(new InvalidArgumentError(message));
  }

  #start(request: ReadRequest): Promise<Buffer> {
    if (this.#read !== null) {
      return Promise.reject(
        new BusyResourceError(
          `Cannot ${request.name}: already reading (a ${this.#read.request.name} is pending). Await it before the next read.`,
        ),
      );
    }
    return new Promise<Buffer>((resolve, reject) => {
      this.#read = { request, resolve, reject };
      this.#searched = 0;
      this.#tryRead();
    });
  }

  /** Satisfies or fails the pending read from the buffer and state, then sets reading on or off. */
  #tryRead(): void {
    const read = this.#read;
    if (read !== null) {
      const outcome = this.#attempt(read.request);
      if (outcome !== null) {
        this.#read = null;
        if (outcome instanceof Buffer) read.resolve(outcome);
        else read.reject(outcome);
      }
    }
    this.#updateReading();
  }

  /** The bytes for `r`, an error, or null when more bytes are needed. */
  #attempt(r: ReadRequest): Buffer | Error | null {
    const buf = this.#buffer;
    const ended = this.#eof || this.#lost || this.#closing;
    switch (r.kind) {
      case 'until': {
        const i = buf.indexOf(r.delimiter, this.#searched);
        if (i >= 0) {
          const end = i + r.delimiter.length;
          if (end <= r.limit) return this.#take(end);
          return this.#overrun(r, end);
        }
        this.#searched = Math.max(0, buf.length - r.delimiter.length + 1);
        // The earliest a delimiter could now end is one byte past the buffer.
        if (buf.length >= r.limit) return this.#overrun(r, buf.length);
        break;
      }
      case 'bytes':
        if (buf.length >= r.n) return this.#take(r.n);
        if (r.partial && buf.length > 0) return this.#take(buf.length);
        break;
      case 'close':
        if (ended && this.#error === null) return this.#take(buf.length);
        if (buf.length >= this.#maxBufferSize) {
          this.#shutDown();
          return new LimitOverrunError(this.#maxBufferSize, buf.length);
        }
        break;
    }
    if (!ended) return null;
    if (this.#error !== null) return this.#error;
    if (this.#eof) return new IncompleteReadError(buf.copyAll(), r.kind === 'bytes' ? r.n : null);
    return this.#closedError(r.name);
  }

  #overrun(r: ReadRequest & { kind: 'until' }, consumed: number): Error {
    this.#shutDown(); // as Tornado: an unsatisfiable read closes the stream
    return new LimitOverrunError(r.limit, consumed);
  }

  #take(n: number): Buffer {
    this.#searched = 0;
    return this.#buffer.take(n);
  }

  /** Pauses reading when the buffer is full; resumes when a read needs bytes or it is half empty. */
  #updateReading(): void {
    if (this.#lost || this.#closing || this.#eof) return;
    const buffered = this.#buffer.length;
    if (buffered >= this.#maxBufferSize) {
      if (!this.#readingPaused) {
        this.#readingPaused = true;
        this.transport.pauseReading();
      }
    } else if (this.#readingPaused && (this.#read !== null || buffered <= this.#maxBufferSize / 2)) {
      this.#readingPaused = false;
      this.transport.resumeReading();
    }
  }

  #closedError(what: string): Error {
    return this.#error ?? new ClosedResourceError(`Cannot ${what}: the IOStream is closed.`);
  }

  // ── the transport's events ────────────────────────────────────────────────────────────

  #protocol: Protocol = {
    dataReceived: (data: Buffer) => {
      this.#buffer.push(data);
      this.#tryRead();
    },
    eofReceived: () => {
      this.#eof = true;
      this.#tryRead();
      return false; // close, as Tornado does on EOF
    },
    connectionLost: (error?: Error) => {
      this.#lost = true;
      if (error !== undefined) this.#error = error;
      const waiters = this.#writeWaiters;
      this.#writeWaiters = [];
      for (const w of waiters) {
        w.reject(error ?? new ClosedResourceError('The IOStream closed before the written data was sent.'));
      }
      this.#tryRead();
      const cb = this.#closeCallback;
      this.#closeCallback = null;
      cb?.();
    },
    pauseWriting: () => {},
    resumeWriting: () => {
      // the write buffer is empty (low water mark 0): everything written so far was flushed
      const waiters = this.#writeWaiters;
      this.#writeWaiters = [];
      for (const w of waiters) w.resolve();
    },
  };
}

/**
 * A protocol factory for `createServer`/`createConnection` whose connections arrive as
 * IOStreams: `onStream(stream)` is called from `connectionMade`.
 */
export function streamProtocol(
  onStream: (stream: IOStream) => void,
  options: IOStreamOptions = {},
): () => Protocol {
  return () => ({
    connectionMade(transport: Transport) {
      onStream(new IOStream(transport, options));
    },
    dataReceived() {
      // never called: the IOStream replaced this protocol in connectionMade
    },
  });
}
