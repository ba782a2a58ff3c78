/**
 * `SocketWriter`: the write path of a compat {@link Socket} — what the Duplex's `_write`,
 * `_writev` and `_final` do with the bytes.
 *
 * - While connecting, one write (the Duplex sends one at a time) and an `end()` wait here and
 *   go out once connected ({@link SocketWriter.flushQueued}), after the `'connect'` listeners.
 * - Connected, the bytes go to the transport at once; the write's callback runs as soon as the
 *   transport's buffer is at or below its high water mark, else when it drains
 *   (`resumeWriting`). So `write()` returns false and `'drain'` comes when they should.
 * - `end()` shuts the write side down once the buffer is flushed; its callback (and so
 *   `'finish'`) waits for the buffer to empty.
 *
 * @module
 */
import { ClosedResourceError } from '../errors.ts';
import type { Transport } from '../net/transport.ts';
import { counters } from './compat-stats.ts';
import { NetError, type NetErrorTarget, toNetError } from './net-error.ts';

/** A Duplex write or final callback. */
export type Callback = (err?: Error | null) => void;

/** Where the socket's connection stands, as the writer needs to know it. */
export type WriterTarget = 'connecting' | 'unconnected' | 'closed' | Transport;

/** What the writer asks of its socket. */
export interface WriterHost {
  /** The connection's state, or the open transport. */
  target(): WriterTarget;
  /** Bytes moved: the idle timer counts it as activity. */
  touch(): void;
  /** Where the socket connects, for error fields. */
  errorTarget(): NetErrorTarget;
}

/** One socket's writes; see the module comment. */
export class SocketWriter {
  readonly #host: WriterHost;
  /** A write made while connecting, sent once connected. */
  #queuedWrite: { bufs: Buffer[]; cb: Callback } | null = null;
  /** An end() made while connecting. */
  #queuedFinal: Callback | null = null;
  /** The write whose callback waits for the transport's buffer to drain. */
  #writeCb: Callback | null = null;
  /** The final callback, waiting for the buffer to empty. */
  #finalCb: Callback | null = null;
  #paused = false;
  #finished = false;
  #bytesWritten = 0;

  /** @param host the socket whose writes these are */
  constructor(host: WriterHost) {
    this.#host = host;
  }

  /** True once `end()`'s shutdown went out with an empty buffer (a graceful close may follow). */
  get finished(): boolean {
    return this.#finished;
  }

  /** Bytes handed to the transport, plus those queued while connecting. */
  get bytesWritten(): number {
    let n = this.#bytesWritten;
    for (const b of this.#queuedWrite?.bufs ?? []) n += b.length;
    return n;
  }

  /** Hands `bufs` to the transport (or queues them while connecting); `cb` as described above. */
  send(bufs: Buffer[], cb: Callback): void {
    const t = this.#host.target();
    if (t === 'connecting') {
      this.#queuedWrite = { bufs, cb };
      return;
    }
    if (typeof t === 'string' || t.isClosing) {
      cb(closedError(t === 'unconnected' ? 'is not connected' : 'is closed'));
      return;
    }
    let n = 0;
    for (const b of bufs) n += b.length;
    try {
      if (bufs.length === 1 || t.writeLines === undefined) for (const b of bufs) t.write(b);
      else t.writeLines(bufs);
    } catch (err) {
      cb(toNetError(err, this.#host.errorTarget()));
      return;
    }
    this.#bytesWritten += n;
    counters.bytesWritten += n;
    this.#host.touch();
    if (this.#paused) this.#writeCb = cb;
    else cb();
  }

  /** `end()`: shuts the write side down once the buffer is flushed, then calls `cb`. */
  final(cb: Callback): void {
    const t = this.#host.target();
    if (t === 'connecting') {
      this.#queuedFinal = cb;
      return;
    }
    if (typeof t === 'string' || t.isClosing) {
      cb();
      return;
    }
    t.writeEof();
    if (t.bufferedAmount === 0) {
      this.#finished = true;
      cb();
      return;
    }
    // Nothing more will be written: a low mark of 0 makes resumeWriting mean "buffer empty".
    this.#finalCb = cb;
    t.setWriteBufferLimits(0, 0);
  }

  /** Connected: the write and the end() queued while connecting go out now. */
  flushQueued(): void {
    const write = this.#queuedWrite;
    this.#queuedWrite = null;
    if (write !== null) this.send(write.bufs, write.cb);
    const final = this.#queuedFinal;
    this.#queuedFinal = null;
    if (final !== null) this.final(final);
  }

  /**
   * Destroyed before the connection: the queued write fails with
   * `ERR_SOCKET_CLOSED_BEFORE_CONNECTION` (`cause`: the destroy error, if any).
   */
  dropQueued(err: Error | null): void {
    const write = this.#queuedWrite;
    this.#queuedWrite = null;
    write?.cb(
      new NetError(
        'ERR_SOCKET_CLOSED_BEFORE_CONNECTION',
        undefined,
        {},
        { message: 'Socket closed before the connection was established', cause: err ?? undefined },
      ),
    );
  }

  /** The transport's `pauseWriting`. */
  pause(): void {
    this.#paused = true;
  }

  /** The transport's `resumeWriting`: the waiting write (and a final on an empty buffer) go on. */
  resume(transport: Transport | null): void {
    this.#paused = false;
    const final = this.#finalCb;
    if (final !== null && (transport?.bufferedAmount ?? 0) === 0) {
      this.#finalCb = null;
      this.#finished = true;
      final();
    }
    const write = this.#writeCb;
    this.#writeCb = null;
    write?.();
  }

  /**
   * The descriptor closed: a waiting final is dropped, a waiting write fails with `err` (none:
   * a ClosedResourceError saying the socket `what`, made only then: most closes have no write
   * waiting, and an error's stack costs microseconds).
   */
  lost(err: Error | undefined, what = 'closed'): void {
    this.#finalCb = null;
    const write = this.#writeCb;
    this.#writeCb = null;
    write?.(err ?? closedError(what));
  }
}

/**
 * Bytes still in a Writable's own queue (`writableBuffer`, as `net` reads it for
 * `bytesWritten`; absent from @types/node).
 */
export function queuedStreamBytes(stream: object): number {
  const queued = (stream as { writableBuffer?: { chunk: unknown; encoding: string }[] }).writableBuffer;
  let n = 0;
  for (const { chunk, encoding } of queued ?? []) {
    if (typeof chunk === 'string') n += Buffer.byteLength(chunk, encoding as BufferEncoding);
    else if (chunk instanceof Uint8Array) n += chunk.length;
  }
  return n;
}

/**
 * Up to this many bytes, the chunks of one `_writev` are copied into one buffer and sent with
 * one send(2) instead of a writev(2) of several: through koffi, writev's iovec array costs
 * about 5 µs more than copying a few hundred bytes (178 bytes in 5 chunks, Node's `http`
 * hello-world response: 9–10 µs writev+recv against 4–5 µs concat+send+recv on a socketpair,
 * measured 2026-12-03 on the shared 2-core machine). Past this, copying costs more than it saves.
 */
export const JOIN_MAX_BYTES = 16 * 1024;

/**
 * The Duplex's `_writev` chunks (strings with their encoding, or Buffers) as the buffers to
 * send: one buffer when they total at most {@link JOIN_MAX_BYTES}, each string encoded once.
 */
export function joinChunks(
  chunks: readonly { chunk: Buffer | string; encoding: BufferEncoding }[],
): Buffer[] {
  let total = 0;
  for (const { chunk, encoding } of chunks) {
    total += typeof chunk === 'string' ? Buffer.byteLength(chunk, encoding) : chunk.length;
  }
  if (total > JOIN_MAX_BYTES) {
    return chunks.map(({ chunk, encoding }) =>
      typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk,
    );
  }
  const out = Buffer.allocUnsafe(total);
  let offset = 0;
  for (const { chunk, encoding } of chunks) {
    offset += typeof chunk === 'string' ? out.write(chunk, offset, encoding) : chunk.copy(out, offset);
  }
  // byteLength can overcount base64/hex text that is not clean (Node's documented caveat).
  return [offset === total ? out : out.subarray(0, offset)];
}

/** The error of a write to a socket that cannot take it. */
export function closedError(what: string): Error {
  return new ClosedResourceError(`Cannot write: the socket ${what}. Open a new connection to send more.`);
}
