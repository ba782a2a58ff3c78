/**
 * The options, counters and argument checks every stream transport shares
 * (see {@link StreamTransportCore}).
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.ts';
import type { Protocol } from './protocol.ts';
import type { TransportStats } from './transport.ts';

/**
 * How long `close()` waits, after the flush and `shutdown(SHUT_WR)`, for the peer's EOF before
 * it closes anyway (see stream-transport-core.ts). nginx's `lingering_timeout` is 5 s; a peer that
 * reacts to EOF closes within a round trip. Bounded, so a silent peer cannot keep a descriptor
 * (or, in guest mode, the process) alive for longer.
 */
export const DEFAULT_LINGER_MS = 5000;

/** Options every stream transport takes (see SocketTransportOptions for the whole set). */
export interface StreamTransportOptions {
  /**
   * TCP_NODELAY; default **true** for TCP (Node's default is false). Nagle's algorithm holds
   * a small write back while an earlier one is unacknowledged, which together with the peer's
   * delayed ACK adds up to 40 ms to a request/response exchange. Bytes written while the
   * buffer is non-empty are coalesced anyway, and `writeLines()` sends many chunks in one
   * writev, so Nagle buys little here.
   */
  noDelay?: boolean | undefined;
  /** SO_KEEPALIVE (TCP only); default (also when `undefined`): the system's (off). */
  keepAlive?: boolean | undefined;
  /** Initial water marks (see `setWriteBufferLimits`). */
  writeBufferLimits?: { high?: number | undefined; low?: number | undefined } | undefined;
  /**
   * After `close()` has flushed and shut down the write side, wait at most this long (ms) for
   * the peer's EOF, reading and dropping what it still sends; default {@link DEFAULT_LINGER_MS}.
   * 0 closes right after the flush (unread bytes then make the kernel reset the connection).
   */
  lingerMs?: number;
}

/** A transport's counters: {@link TransportStats} plus syscall counts and half-close flags. */
export interface SocketTransportStats extends TransportStats {
  /** recv() calls made (including the one that saw would-block or EOF); receive completions on io_uring. */
  readonly readCalls: number;
  /** send()/writev() calls made; SENDs submitted on io_uring. */
  readonly writeCalls: number;
  /** The peer shut down its write side. */
  readonly eofReceived: boolean;
  /** writeEof() was called. */
  readonly eofWritten: boolean;
  /** Bytes read and dropped after `close()` (the rest of a request nobody will read). */
  readonly bytesDiscarded: number;
}

/** Where a stream transport is in its close state machine (see stream-transport-core.ts). */
export type StreamTransportState = 'open' | 'closing' | 'lingering' | 'closed';

/**
 * Checks a descriptor given to a transport constructor.
 * @throws InvalidArgumentError (NBIO_BAD_FD) unless `fd` is a non-negative integer
 */
export function checkTransportFd(fd: number): void {
  if (!Number.isInteger(fd) || fd < 0) {
    throw new InvalidArgumentError(
      `Cannot make a transport of fd ${fd}: pass an open socket.`,
      'NBIO_BAD_FD',
    );
  }
}

/**
 * The bytes of a `write()`/`writeLines()` argument (a string is encoded as UTF-8).
 * @throws InvalidArgumentError for anything but a string or a Uint8Array
 */
export function toBytes(data: unknown, op: string): Uint8Array {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (data instanceof Uint8Array) return data;
  throw new InvalidArgumentError(
    `Cannot ${op} ${data === null ? 'null' : typeof data}: pass a Buffer, a Uint8Array or a string.`,
  );
}

/**
 * Checks a protocol given to a transport.
 * @throws InvalidArgumentError unless it has a `dataReceived` method
 */
export function checkProtocol(protocol: Protocol): void {
  if (typeof protocol !== 'object' || protocol === null || typeof protocol.dataReceived !== 'function') {
    throw new InvalidArgumentError(
      'A protocol needs a dataReceived(data) method: pass an object that has one.',
    );
  }
}
