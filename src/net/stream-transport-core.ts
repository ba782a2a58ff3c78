/**
 * `StreamTransportCore`: what every stream-socket {@link Transport} shares, whatever moves its
 * bytes. {@link SocketTransport} (readiness: `recv`/`send` when the selector says so) and
 * `UringTransport` (completion: io_uring RECV/SEND) extend it and add only their reading and
 * writing; the rest lives here, once:
 *
 * - the public surface: `isReading`, `isClosing`, `bufferedAmount`, write-buffer limits
 *   ({@link FlowControl}), `getExtraInfo`, `setProtocol`, `setNoDelay`/`setKeepAlive`, `stats()`,
 *   `pauseReading`/`resumeReading` bookkeeping, `writeEof`;
 * - the close state machine `open` → `closing` (flush) → `shutdown(SHUT_WR)` → `lingering`
 *   (up to `lingerMs` for the peer's EOF) → `closed`, with the descriptor closed exactly once;
 * - `loop.onClose()` registration and `connectionLost` delivered exactly once;
 * - the typed errors of `write()` after close and of OS failures.
 *
 * A subclass implements {@link StreamTransportCore.updateReader} (start or stop reading to match
 * the state), {@link StreamTransportCore.releaseIo} (drop its registrations or in-flight
 * requests before the fd is closed), `write` and `writeLines`; it calls `handleEof()`,
 * `afterFlush()`, `flowChanged()`, `fail()`, `protocolFailed()` and `finish()` from its I/O
 * callbacks.
 *
 * Why a base class and not a composed helper: the readiness read path touches the state, the
 * fd, the protocol and the counters on every `recv()`; as fields of the same object they are
 * one property load each, as before the split, where a helper object would add a hop per
 * access. The shared fields are therefore `protected` (plain properties) rather than `#private`.
 *
 * @module
 */
import { checkDelay, InvalidArgumentError } from '../errors.ts';
import type { EventLoop } from '../loop/event-loop.ts';
import type { TimerHandle } from '../loop/handle.ts';
import { sys } from '../sys/constants.ts';
import { close as closeFd } from '../sys/fd.ts';
import type { SocketAddress } from '../sys/sockaddr.ts';
import { getpeername, getsockname, setIntOption, setLingerReset, shutdown } from '../sys/socket.ts';
import { FlowControl } from './flow-control.ts';
import type { Protocol } from './protocol.ts';
import {
  connectionBrokenError,
  lingerTimeoutError,
  loopClosedError,
  writeRefusedError,
} from './stream-transport-errors.ts';
import {
  checkProtocol,
  checkTransportFd,
  DEFAULT_LINGER_MS,
  type SocketTransportStats,
  type StreamTransportOptions,
  type StreamTransportState,
} from './stream-transport-options.ts';
import type { ExtraInfo, Transport, WaterMarks } from './transport.ts';

/** Linux's MAX_TCP_KEEPIDLE (seconds): the largest idle time TCP_KEEPIDLE accepts. */
const MAX_KEEPIDLE_SEC = 32767;

/** The shared part of a connected stream-socket transport; see the module comment. */
export abstract class StreamTransportCore implements Transport {
  /** The loop this transport runs on. */
  protected readonly loop: EventLoop;
  /** The descriptor; −1 once closed. */
  protected fd: number;
  /** The descriptor's number, kept for messages after it was closed. */
  protected readonly fdNumber: number;
  /** Receives the data and the notifications. */
  protected protocol: Protocol;
  /** The write buffer and its water marks. */
  protected readonly flow: FlowControl;
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
  readonly #lingerMs: number;
  readonly #onClosed: ((transport: this) => void) | undefined;
  readonly #isTcp: boolean;
  readonly #sockname: SocketAddress | null;
  #peername: SocketAddress | null | undefined;
  #lostError: Error | undefined;
  #lingerTimer: TimerHandle | null = null;
  /** Registered with `loop.onCloseCall(this)` (until connectionLost). */
  #closeHooked = false;
  #lostDelivered = false;
  #refed = true;

  /**
   * Takes ownership of `fd` when it returns (a subclass constructor that throws after this
   * leaves the fd to the caller only if it closes it itself). Schedules `connectionMade`.
   * @throws InvalidArgumentError for a bad fd, protocol, water marks or `lingerMs`;
   *   OsError when `fd` is not a socket; ClosedResourceError when the loop is closed
   */
  protected constructor(
    loop: EventLoop,
    fd: number,
    protocol: Protocol,
    options: StreamTransportOptions,
    onClosed: ((transport: never) => void) | undefined,
  ) {
    checkTransportFd(fd);
    checkProtocol(protocol);
    this.#lingerMs = checkDelay(options.lingerMs ?? DEFAULT_LINGER_MS, 'lingerMs');
    this.loop = loop;
    this.fd = fd;
    this.fdNumber = fd;
    this.protocol = protocol;
    this.flow = new FlowControl(options.writeBufferLimits?.high, options.writeBufferLimits?.low);
    this.#onClosed = onClosed as ((transport: this) => void) | undefined;
    this.#sockname = getsockname(fd);
    this.#isTcp = this.#sockname?.family === 'ipv4' || this.#sockname?.family === 'ipv6';
    if (this.#isTcp) {
      this.setNoDelay(options.noDelay ?? true);
      if (options.keepAlive !== undefined) this.setKeepAlive(options.keepAlive);
    }
    loop.callSoon(StreamTransportCore.#startOf, this);
    loop.onCloseCall(this);
    this.#closeHooked = true;
  }

  // ── what a subclass provides ──────────────────────────────────────────────────────────

  /** @inheritDoc */
  abstract write(data: Uint8Array | string): void;

  /** @inheritDoc */
  abstract writeLines(chunks: readonly (Uint8Array | string)[]): void;

  /**
   * Starts or stops reading to match the state: open, started, not paused and no EOF yet; or
   * closing/lingering before the peer's EOF (reading to drop what still arrives).
   */
  protected abstract updateReader(): void;

  /** Drops the loop registrations or in-flight requests on `fd`, just before it is closed. */
  protected abstract releaseIo(fd: number): void;

  // ── Transport ─────────────────────────────────────────────────────────────────────────

  /** @inheritDoc */
  writeEof(): void {
    if (this.state !== 'open' || this.eofWritten) return;
    this.eofWritten = true;
    if (this.flow.buffered === 0) this.shutdownWrite();
  }

  /** @inheritDoc */
  canWriteEof(): boolean {
    return true;
  }

  /**
   * Flushes, shuts down the write side, then lingers until the peer's EOF (at most `lingerMs`)
   * before the descriptor is closed; the protocol gets no more data. See the module comment.
   */
  close(): void {
    if (this.state !== 'open') return;
    this.state = 'closing';
    this.updateReader();
    if (this.state === 'closing' && this.flow.buffered === 0) this.afterFlush();
  }

  /** @inheritDoc */
  abort(): void {
    this.finish(undefined);
  }

  /**
   * Closes at once with a reset (Node's `resetAndDestroy`): SO_LINGER 0, then `abort()`, so
   * the peer gets an RST (ECONNRESET) instead of an end. On a Unix socket, a plain `abort()`.
   */
  reset(): void {
    if (this.#isTcp && this.fd >= 0 && this.state !== 'closed') {
      try {
        setLingerReset(this.fd);
      } catch {
        // the connection is already gone: abort() closes it all the same
      }
    }
    this.abort();
  }

  /** @inheritDoc */
  pauseReading(): void {
    if (this.state !== 'open' || this.readPaused) return;
    this.readPaused = true;
    this.updateReader();
  }

  /** @inheritDoc */
  resumeReading(): void {
    if (this.state !== 'open' || !this.readPaused) return;
    this.readPaused = false;
    this.updateReader();
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
    return this.flow.buffered;
  }

  /** @inheritDoc */
  setWriteBufferLimits(high?: number, low?: number): void {
    this.flow.setLimits(high, low);
    this.flowChanged();
  }

  /** @inheritDoc */
  getWriteBufferLimits(): WaterMarks {
    return this.flow.limits();
  }

  /** @inheritDoc */
  getExtraInfo<K extends keyof ExtraInfo>(name: K): ExtraInfo[K] {
    switch (name) {
      case 'fd':
        return this.fd as ExtraInfo[K];
      case 'sockname':
        return this.#sockname as ExtraInfo[K];
      case 'peername':
        if (this.#peername === undefined && this.fd >= 0) {
          try {
            this.#peername = getpeername(this.fd);
          } catch {
            this.#peername = null; // ENOTCONN: the peer already went away
          }
        }
        return (this.#peername ?? null) as ExtraInfo[K];
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
    if (!this.#refed) return;
    this.#refed = false;
    if (this.fd >= 0) this.loop.unrefFd(this.fd);
  }

  /** Undoes `unref()`. */
  ref(): void {
    if (this.#refed) return;
    this.#refed = true;
    if (this.fd >= 0) this.loop.refFd(this.fd);
  }

  /** False after `unref()`. */
  hasRef(): boolean {
    return this.#refed;
  }

  /** TCP_NODELAY; a no-op on Unix sockets and once closed. */
  setNoDelay(on = true): void {
    if (this.#isTcp && this.fd >= 0) setIntOption(this.fd, sys.IPPROTO_TCP, sys.TCP_NODELAY, on ? 1 : 0);
  }

  /** SO_KEEPALIVE, and TCP_KEEPIDLE when a delay is given; a no-op on Unix sockets and once closed. */
  setKeepAlive(on = true, initialDelaySec = 0): void {
    if (!Number.isInteger(initialDelaySec) || initialDelaySec < 0 || initialDelaySec > MAX_KEEPIDLE_SEC)
      throw new InvalidArgumentError(
        `Keep-alive delay ${String(initialDelaySec)} s: give whole seconds from 0 to ${MAX_KEEPIDLE_SEC} (0 keeps the system's idle time).`,
      );
    if (!this.#isTcp || this.fd < 0) return;
    setIntOption(this.fd, sys.SOL_SOCKET, sys.SO_KEEPALIVE, on ? 1 : 0);
    if (on && initialDelaySec > 0) setIntOption(this.fd, sys.IPPROTO_TCP, sys.TCP_KEEPIDLE, initialDelaySec);
  }

  /** Counters, as a frozen plain object. `fd` is −1 once closed. */
  stats(): SocketTransportStats {
    return Object.freeze({
      fd: this.fd,
      bytesRead: this.bytesRead,
      bytesWritten: this.bytesWritten,
      bufferedAmount: this.flow.buffered,
      isReading: this.isReading,
      isClosing: this.isClosing,
      writePaused: this.flow.isPaused,
      readCalls: this.readCalls,
      writeCalls: this.writeCalls,
      eofReceived: this.eofReceived,
      eofWritten: this.eofWritten,
      bytesDiscarded: this.bytesDiscarded,
    });
  }

  // ── for the subclasses ────────────────────────────────────────────────────────────────

  // The loop calls these static functions with the transport as the argument: one function
  // for every transport instead of a closure per connection (issue 14, the idle cost).
  static #startOf(t: StreamTransportCore): void {
    t.#start();
  }
  static #lingerExpiredOf(t: StreamTransportCore): void {
    t.#lingerExpired();
  }
  static #connectionLostOf(t: StreamTransportCore, error: Error | undefined): void {
    t.#connectionLost(error);
  }

  #start(): void {
    // Like asyncio, connectionMade runs even if the transport was aborted before this turn,
    // so the protocol always sees connectionMade before connectionLost (both go through
    // callSoon, in order).
    this.started = true;
    try {
      this.protocol.connectionMade?.(this);
    } catch (err) {
      this.protocolFailed(err, 'connectionMade');
      return;
    }
    this.updateReader();
  }

  /**
   * The peer's EOF (the subclass has set `eofReceived` and stopped reading, if it must): ends a
   * lingering close cleanly, or asks `protocol.eofReceived()` whether to stay open for writing.
   */
  protected handleEof(): void {
    this.eofReceived = true;
    if (this.state === 'lingering') {
      this.finish(undefined); // the peer has read our EOF and finished: a clean end
      return;
    }
    if (this.state !== 'open') return; // closing: the flush ends it (afterFlush)
    let keepOpen: boolean | undefined;
    try {
      keepOpen = this.protocol.eofReceived?.();
    } catch (err) {
      this.protocolFailed(err, 'eofReceived');
      return;
    }
    if (keepOpen !== true) this.close();
  }

  /**
   * Throws unless `op` may write now.
   * @throws BrokenResourceError after the connection broke; ClosedResourceError after
   *   `close()`, `abort()` or `writeEof()`
   */
  protected checkWritable(op: string): void {
    if (this.state === 'open' && !this.eofWritten) return;
    throw writeRefusedError(op, this.fdNumber, this.#lostError, this.state === 'open', this.eofReceived);
  }

  /** `shutdown(SHUT_WR)`, once; a failure (the peer reset meanwhile) breaks the connection. */
  protected shutdownWrite(): void {
    this.shutDown = true;
    try {
      shutdown(this.fd, 'write');
    } catch (err) {
      this.fail(err); // ENOTCONN: the peer reset the connection meanwhile
    }
  }

  /** Tells the protocol to pause or resume producing when the buffer crossed a mark. */
  protected flowChanged(): void {
    const signal = this.flow.update();
    if (signal === null) return;
    const which = signal === 'pause' ? 'pauseWriting' : 'resumeWriting';
    if (signal === 'resume' && this.state !== 'open') return;
    try {
      this.protocol[which]?.();
    } catch (err) {
      this.protocolFailed(err, which);
    }
  }

  /** close() and the buffer is empty: close now (peer's EOF seen, no linger) or linger. */
  protected afterFlush(): void {
    if (this.eofReceived || this.#lingerMs === 0) {
      this.finish(undefined);
      return;
    }
    if (!this.shutDown) this.shutdownWrite();
    if (this.state !== 'closing') return; // the shutdown failed: finished with that error
    this.state = 'lingering';
    this.#lingerTimer = this.loop.callLater(this.#lingerMs, StreamTransportCore.#lingerExpiredOf, this);
  }

  #lingerExpired(): void {
    this.#lingerTimer = null;
    if (this.state !== 'lingering') return;
    this.finish(lingerTimeoutError(this.fdNumber, this.#lingerMs));
  }

  /**
   * @internal loop.close() (`onCloseCall`): close now and tell the protocol at once (no callback
   * runs after close).
   */
  loopClosing(): void {
    if (this.state !== 'closed') {
      this.finish(loopClosedError(this.fdNumber, this.state === 'lingering'), true);
    } else if (!this.#lostDelivered && this.started) this.#connectionLost(this.#lostError);
  }

  /** An OS error on this socket: the connection is broken (BrokenResourceError, cause kept). */
  protected fail(err: unknown): void {
    this.finish(connectionBrokenError(err, this.fdNumber, this.#peername));
  }

  /** A protocol callback threw: report it to the loop and abort with that error. */
  protected protocolFailed(err: unknown, callback: string): void {
    this.loop.reportException(err, `protocol.${callback}()`, this.fdNumber);
    this.finish(err instanceof Error ? err : new Error(String(err)));
  }

  /**
   * Releases the I/O (`releaseIo`), closes the fd once, schedules connectionLost once (runs it
   * now when `lostNow`: the loop is closing and will run nothing more).
   */
  protected finish(error: Error | undefined, lostNow = false): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.#lostError = error;
    this.#lingerTimer?.cancel();
    this.#lingerTimer = null;
    const fd = this.fd;
    if (!this.#refed) this.loop.refFd(fd); // the loop forgets the number before it is reused
    this.releaseIo(fd);
    this.fd = -1;
    this.flow.clear();
    try {
      closeFd(fd);
    } catch (err) {
      this.loop.reportException(err, 'close() of a transport', fd);
    }
    if (this.#onClosed !== undefined) this.#onClosed(this);
    if (lostNow) {
      if (this.started) this.#connectionLost(error);
      else this.#dropLoopCloseHook();
    } else if (this.loop.isClosed) this.#connectionLost(error);
    else this.loop.callSoon(StreamTransportCore.#connectionLostOf, this, error);
  }

  #dropLoopCloseHook(): void {
    if (!this.#closeHooked) return;
    this.#closeHooked = false;
    this.loop.offClose(this);
  }

  #connectionLost(error: Error | undefined): void {
    if (this.#lostDelivered) return;
    this.#lostDelivered = true;
    this.#dropLoopCloseHook();
    try {
      this.protocol.connectionLost?.(error);
    } catch (err) {
      if (!this.loop.isClosed) this.loop.reportException(err, 'protocol.connectionLost()', this.fdNumber);
    }
  }
}
