/**
 * `StreamTransportBase`: the fields every stream-socket transport shares and the part of the
 * public surface that only reads or sets them without moving the connection through its
 * lifecycle: `isReading`, `isClosing`, `bufferedAmount`, `getWriteBufferLimits`,
 * `getExtraInfo`, `setProtocol`/`getProtocol`, `ref`/`unref`, `setNoDelay`/`setKeepAlive` and
 * `stats()`. `StreamTransportCore` extends it with the lifecycle (the close state
 * machine, connectionMade/connectionLost exactly once, the flow-control signals).
 *
 * Why a base class and not a composed helper: the readiness read path touches the state, the
 * fd, the protocol and the counters on every `recv()`; as fields of the same object they are
 * one property load each, where a helper object would add a hop per access. The shared fields
 * are therefore `protected` (plain properties) rather than `#private`.
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.ts';
import type { EventLoop } from '../loop/event-loop.ts';
import { sys } from '../sys/constants.ts';
import type { SocketAddress } from '../sys/sockaddr.ts';
import { getpeername, getsockname, setIntOption } from '../sys/socket.ts';
import { DEFAULT_HIGH_WATER_MARK, DEFAULT_LOW_WATER_MARK, FlowControl } from './flow-control.ts';
import type { Protocol } from './protocol.ts';
import {
  checkProtocol,
  type SocketTransportStats,
  type StreamTransportOptions,
  type StreamTransportState,
} from './stream-transport-options.ts';
import type { ExtraInfo, WaterMarks } from './transport.ts';

/** Linux's MAX_TCP_KEEPIDLE (seconds): the largest idle time TCP_KEEPIDLE accepts. */
const MAX_KEEPIDLE_SEC = 32767;

/** The fields and the inspecting/option surface of a stream transport; see the module comment. */
export abstract class StreamTransportBase {
  /** The loop this transport runs on. */
  protected readonly loop: EventLoop;
  /** The descriptor; −1 once closed. */
  protected fd: number;
  /** The descriptor's number, kept for messages after it was closed. */
  protected readonly fdNumber: number;
  /** Receives the data and the notifications. */
  protected protocol: Protocol;
  /**
   * The write buffer and its water marks; null until a write leaves bytes buffered or the
   * marks are set (most connections never buffer a byte: a write that goes out whole leaves
   * nothing to hold). Made by {@link StreamTransportBase.flowControl}; kept once made.
   */
  protected flow: FlowControl | null = null;
  /** Where the close state machine is. */
  protected state: StreamTransportState = 'open';
  /** `connectionMade` has run (reading may start). */
  protected started = false;
  /** `pauseReading()` is in effect. */
  protected readPaused = false;
  /** The peer shut down its write side. */
  protected eofReceived = false;
  /** `writeEof()` was called. */
  protected eofWritten = false;
  /** `shutdown(SHUT_WR)` was done (or tried). */
  protected shutDown = false;
  /** Bytes read and dropped after `close()`. */
  protected bytesDiscarded = 0;
  /** Bytes delivered to the protocol. */
  protected bytesRead = 0;
  /** Bytes the kernel took. */
  protected bytesWritten = 0;
  /** Reads made (see {@link SocketTransportStats.readCalls}). */
  protected readCalls = 0;
  /** Writes made (see {@link SocketTransportStats.writeCalls}). */
  protected writeCalls = 0;
  /** TCP (IPv4 or IPv6), not a Unix socket: TCP options apply. */
  protected readonly isTcp: boolean;
  readonly #sockname: SocketAddress | null;
  /** The peer's address once asked for (null: gone); undefined until then. */
  protected peername: SocketAddress | null | undefined;
  /** False after `unref()`. */
  protected refed = true;

  /**
   * Sets the fields; the caller (`StreamTransportCore`) has checked `fd`, `protocol`
   * and `lingerMs`.
   * @throws InvalidArgumentError for bad water marks; OsError when `fd` is not a socket
   */
  protected constructor(loop: EventLoop, fd: number, protocol: Protocol, options: StreamTransportOptions) {
    this.loop = loop;
    this.fd = fd;
    this.fdNumber = fd;
    this.protocol = protocol;
    const marks = options.writeBufferLimits;
    if (marks !== undefined && (marks.high !== undefined || marks.low !== undefined)) {
      this.flow = new FlowControl(marks.high, marks.low);
    }
    this.#sockname = getsockname(fd);
    this.isTcp = this.#sockname?.family === 'ipv4' || this.#sockname?.family === 'ipv6';
    if (this.isTcp) {
      this.setNoDelay(options.noDelay ?? true);
      if (options.keepAlive !== undefined) this.setKeepAlive(options.keepAlive);
    }
  }

  /** True while open, not paused, and the peer has not sent EOF. */
  get isReading(): boolean {
    return this.state === 'open' && !this.readPaused && !this.eofReceived;
  }

  /** @inheritDoc */
  get isClosing(): boolean {
    return this.state !== 'open';
  }

  /** @inheritDoc */
  get bufferedAmount(): number {
    return this.flow === null ? 0 : this.flow.buffered;
  }

  /** @inheritDoc */
  getWriteBufferLimits(): WaterMarks {
    return this.flow === null
      ? { high: DEFAULT_HIGH_WATER_MARK, low: DEFAULT_LOW_WATER_MARK }
      : this.flow.limits();
  }

  /** The write buffer, made (default marks) on first use: for a write that leaves bytes buffered. */
  protected flowControl(): FlowControl {
    if (this.flow === null) this.flow = new FlowControl();
    return this.flow;
  }

  /** @inheritDoc */
  getExtraInfo<K extends keyof ExtraInfo>(name: K): ExtraInfo[K] {
    switch (name) {
      case 'fd':
        return this.fd as ExtraInfo[K];
      case 'sockname':
        return this.#sockname as ExtraInfo[K];
      case 'peername':
        if (this.peername === undefined && this.fd >= 0) {
          try {
            this.peername = getpeername(this.fd);
          } catch {
            this.peername = null; // ENOTCONN: the peer already went away
          }
        }
        return (this.peername ?? null) as ExtraInfo[K];
      default:
        throw new InvalidArgumentError(
          `Unknown extra info '${String(name)}': ask for 'peername', 'sockname' or 'fd'.`,
        );
    }
  }

  /** @inheritDoc */
  setProtocol(protocol: Protocol): void {
    checkProtocol(protocol);
    this.protocol = protocol;
  }

  /** @inheritDoc */
  getProtocol(): Protocol {
    return this.protocol;
  }

  /**
   * Lets the process exit while this connection is open (libuv's `uv_unref`; Node's
   * `socket.unref()`): its watchers stop holding a guest loop's process (`loop.unrefFd`). An
   * io_uring transport's in-flight requests still do.
   */
  unref(): void {
    if (!this.refed) return;
    this.refed = false;
    if (this.fd >= 0) this.loop.unrefFd(this.fd);
  }

  /** Undoes `unref()`. */
  ref(): void {
    if (this.refed) return;
    this.refed = true;
    if (this.fd >= 0) this.loop.refFd(this.fd);
  }

  /** False after `unref()`. */
  hasRef(): boolean {
    return this.refed;
  }

  /** TCP_NODELAY; a no-op on Unix sockets and once closed. */
  setNoDelay(on = true): void {
    if (this.isTcp && this.fd >= 0) setIntOption(this.fd, sys.IPPROTO_TCP, sys.TCP_NODELAY, on ? 1 : 0);
  }

  /** SO_KEEPALIVE, and TCP_KEEPIDLE when a delay is given; a no-op on Unix sockets and once closed. */
  setKeepAlive(on = true, initialDelaySec = 0): void {
    if (!Number.isInteger(initialDelaySec) || initialDelaySec < 0 || initialDelaySec > MAX_KEEPIDLE_SEC)
      throw new InvalidArgumentError(
        `Keep-alive delay ${String(initialDelaySec)} s: give whole seconds from 0 to ${MAX_KEEPIDLE_SEC} (0 keeps the system's idle time).`,
      );
    if (!this.isTcp || this.fd < 0) return;
    setIntOption(this.fd, sys.SOL_SOCKET, sys.SO_KEEPALIVE, on ? 1 : 0);
    if (on && initialDelaySec > 0) setIntOption(this.fd, sys.IPPROTO_TCP, sys.TCP_KEEPIDLE, initialDelaySec);
  }

  /** Counters, as a frozen plain object. `fd` is −1 once closed. */
  stats(): SocketTransportStats {
    return Object.freeze({
      fd: this.fd,
      bytesRead: this.bytesRead,
      bytesWritten: this.bytesWritten,
      bufferedAmount: this.bufferedAmount,
      isReading: this.isReading,
      isClosing: this.isClosing,
      writePaused: this.flow?.isPaused === true,
      readCalls: this.readCalls,
      writeCalls: this.writeCalls,
      eofReceived: this.eofReceived,
      eofWritten: this.eofWritten,
      bytesDiscarded: this.bytesDiscarded,
    });
  }
}
