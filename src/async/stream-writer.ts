/**
 * `StreamWriter`: the writing half of a stream connection (asyncio's `StreamWriter`,
 * Tornado's `IOStream.write`).
 *
 * `write()` is synchronous: the transport sends what the socket takes at once and buffers the
 * rest, never refusing bytes. `drain()` is the backpressure point: it waits while the
 * transport's buffer is above its high water mark, until it has drained to the low water mark
 * (the transport's `resumeWriting`), and returns at once otherwise. A producer that writes
 * then awaits `drain()` in a loop therefore never holds more than about the high mark in memory.
 *
 * @module
 */
import type { ExtraInfo, Transport } from '../net/transport.ts';
import type { SignalOptions } from './cancellable.ts';
import type { StreamProtocol } from './stream-protocol.ts';

/** The writing half of a stream; made by {@link StreamProtocol} on `connectionMade`. */
export class StreamWriter {
  /** The transport underneath (for what the writer does not wrap). */
  readonly transport: Transport;
  readonly #protocol: StreamProtocol;

  /** @internal made by StreamProtocol */
  constructor(transport: Transport, protocol: StreamProtocol) {
    this.transport = transport;
    this.#protocol = protocol;
  }

  /**
   * Queues `data` for sending (never waits; follow with `drain()` to respect backpressure).
   * @throws the connection's error (BrokenResourceError) once it broke; ClosedResourceError
   *   after `close()` or `writeEof()`; InvalidArgumentError for data that is not bytes or text
   */
  write(data: Uint8Array | string): void {
    const lost = this.#protocol.lostError;
    if (lost !== undefined) throw lost;
    this.transport.write(data);
  }

  /**
   * Waits until the transport's buffer is at or below its low water mark; returns at once
   * when writing is not paused.
   * @throws (rejects) the connection's error (BrokenResourceError); ClosedResourceError when
   *   the connection is already closed; AbortedError when `options.signal` aborts first
   */
  drain(options: SignalOptions = {}): Promise<void> {
    return this.#protocol.waitWritable(options);
  }

  /** Half-closes: sends EOF once the buffer is flushed; reading goes on. */
  writeEof(): void {
    this.transport.writeEof();
  }

  /** True when `writeEof()` is supported (stream sockets: always). */
  canWriteEof(): boolean {
    return this.transport.canWriteEof();
  }

  /** Closes after flushing what is buffered; `waitClosed()` resolves once it is done. Idempotent. */
  close(): void {
    this.transport.close();
  }

  /** Closes at once, dropping what is buffered. Idempotent. */
  abort(): void {
    this.transport.abort();
  }

  /** True once `close()`/`abort()` was called or the connection was lost. */
  isClosing(): boolean {
    return this.transport.isClosing;
  }

  /**
   * Resolves once the connection is closed (after `close()`, `abort()` or the peer's going).
   * @throws (rejects) the error the connection ended with; AbortedError when `options.signal`
   *   aborts first
   */
  waitClosed(options: SignalOptions = {}): Promise<void> {
    return this.#protocol.waitLost(options);
  }

  /** Extra information about the connection: `'peername'`, `'sockname'`, `'fd'`. */
  getExtraInfo<K extends keyof ExtraInfo>(name: K): ExtraInfo[K] {
    return this.transport.getExtraInfo(name);
  }
}
