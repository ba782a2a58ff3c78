/**
 * Transport: the connection a Protocol talks to (asyncio's `Transport`, Twisted's `ITransport`).
 * Small but complete: everything the async streams, the Twisted/Tornado styles and the
 * `net`-compatible Duplex need is here, and nothing only one of them can reach.
 *
 * @module
 */
import type { SocketAddress } from '../sys/sockaddr.ts';
import type { Protocol } from './protocol.ts';

/** Flow-control limits of the write buffer, in bytes. */
export interface WaterMarks {
  /** pauseWriting() when the buffer grows above this. Default 64 KiB. */
  high: number;
  /** resumeWriting() when the buffer shrinks to or below this. Default 16 KiB. */
  low: number;
}

/** Counters of one transport, as a frozen plain object. */
export interface TransportStats {
  readonly fd: number;
  readonly bytesRead: number;
  readonly bytesWritten: number;
  /** Bytes accepted by write() but not yet sent. */
  readonly bufferedAmount: number;
  readonly isReading: boolean;
  readonly isClosing: boolean;
  readonly writePaused: boolean;
}

/** Information `getExtraInfo` can return. */
export interface ExtraInfo {
  /** The local address. */
  sockname: SocketAddress | null;
  /** The remote address. */
  peername: SocketAddress | null;
  /** The file descriptor (−1 once closed). */
  fd: number;
}

/** A stream connection. */
export interface Transport {
  /**
   * Sends `data`: tries the socket at once and buffers only what it did not take. The buffer
   * keeps a **reference** to the unsent part, not a copy (as Node's `net` does): do not change
   * `data` after `write()` until it was sent (`bufferedAmount` back to 0, or `resumeWriting`).
   * Writing one buffer many times holds it once.
   * @throws ClosedResourceError after close()/abort() or writeEof()
   */
  write(data: Uint8Array | string): void;
  /** Sends several buffers (writev where possible); like `write`, unsent ones are kept by reference. */
  writeLines?(chunks: readonly (Uint8Array | string)[]): void;
  /** Half-closes: flushes the buffer, then shuts down the write side. Reading goes on. */
  writeEof(): void;
  /** True when `writeEof()` is available (stream sockets: always). */
  canWriteEof(): boolean;
  /** Closes after flushing the write buffer; `connectionLost()` follows. Idempotent. */
  close(): void;
  /** Closes at once, dropping buffered data; `connectionLost()` follows. Idempotent. */
  abort(): void;
  /**
   * Closes at once with a reset where the protocol has one (TCP: SO_LINGER 0, the peer gets an
   * RST), else as `abort()`; `connectionLost()` follows.
   */
  reset?(): void;
  /** Stops calling `dataReceived` (the socket is no longer read: the peer sees backpressure). */
  pauseReading(): void;
  /** Resumes calling `dataReceived`. */
  resumeReading(): void;
  /** True while reading is not paused and the transport is open. */
  readonly isReading: boolean;
  /** True once close()/abort() was called or the connection was lost. */
  readonly isClosing: boolean;
  /** Bytes buffered, waiting for the socket. */
  readonly bufferedAmount: number;
  /** Sets the flow-control water marks (low defaults to high / 4). */
  setWriteBufferLimits(high?: number, low?: number): void;
  /** The current water marks. */
  getWriteBufferLimits(): WaterMarks;
  /** Extra information by name (asyncio's `get_extra_info`). */
  getExtraInfo<K extends keyof ExtraInfo>(name: K): ExtraInfo[K];
  /** Replaces the protocol (asyncio's `set_protocol`). */
  setProtocol(protocol: Protocol): void;
  /** The current protocol. */
  getProtocol(): Protocol;
  /**
   * Lets the process exit while this connection is open (Node's `socket.unref()`, libuv's
   * `uv_unref`): a guest loop stops holding Node's loop for it. Owner-mode `run()` ignores it.
   */
  unref(): void;
  /** Undoes `unref()`. */
  ref(): void;
  /** False after `unref()`. */
  hasRef(): boolean;
  /** setsockopt TCP_NODELAY (no-op on Unix sockets). */
  setNoDelay(on?: boolean): void;
  /**
   * setsockopt SO_KEEPALIVE (no-op on Unix sockets); with `initialDelaySec` > 0 and `on`, also
   * the idle time before the first probe (TCP_KEEPIDLE), as libuv's `uv_tcp_keepalive`.
   *
   * @throws InvalidArgumentError when `initialDelaySec` is not an integer in 0..32767.
   */
  setKeepAlive(on?: boolean, initialDelaySec?: number): void;
  /** Counters. */
  stats(): TransportStats;
}
