/**
 * `StreamTransportCore`: what every stream-socket {@link Transport} shares, whatever moves its
 * bytes. {@link SocketTransport} (readiness: `recv`/`send` when the selector says so) and
 * `UringTransport` (completion: io_uring RECV/SEND) extend it and add only their reading and
 * writing; the rest lives here and in its base, {@link StreamTransportBase} (the fields, and
 * `isReading`, `isClosing`, `bufferedAmount`, `getExtraInfo`, `setProtocol`, `ref`/`unref`,
 * `setNoDelay`/`setKeepAlive`, `stats()`); this class holds the lifecycle:
 *
 * - `pauseReading`/`resumeReading` bookkeeping, `writeEof`, `setWriteBufferLimits` and the
 *   pause/resume signals to the protocol (`FlowControl`'s water marks);
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
 * The shared fields are `protected` plain properties (see {@link StreamTransportBase} for why).
 *
 * @module
 */
import { checkDelay } from '../errors.ts';
import type { EventLoop } from '../loop/event-loop.ts';
import type { TimerHandle } from '../loop/handle.ts';
import { close as closeFd } from '../sys/fd.ts';
import { setLingerReset, shutdown } from '../sys/socket.ts';
import { FlowControl } from './flow-control.ts';
import type { Protocol } from './protocol.ts';
import { StreamTransportBase } from './stream-transport-base.ts';
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
  type StreamTransportOptions,
} from './stream-transport-options.ts';
import type { Transport } from './transport.ts';

/** The lifecycle of a connected stream-socket transport; see the module comment. */
export abstract class StreamTransportCore extends StreamTransportBase implements Transport {
  readonly #lingerMs: number;
  readonly #onClosed: ((transport: this) => void) | undefined;
  #lostError: Error | undefined;
  #lingerTimer: TimerHandle | null = null;
  /** Registered with `loop.onCloseCall(this)` (until connectionLost). */
  #closeHooked = false;
  #lostDelivered = false;

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
    const lingerMs = checkDelay(options.lingerMs ?? DEFAULT_LINGER_MS, 'lingerMs');
    super(loop, fd, protocol, options);
    this.#lingerMs = lingerMs;
    this.#onClosed = onClosed as ((transport: this) => void) | undefined;
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
    if (this.bufferedAmount === 0) this.shutdownWrite();
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
    if (this.state === 'closing' && this.bufferedAmount === 0) this.afterFlush();
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
    if (this.isTcp && this.fd >= 0 && this.state !== 'closed') {
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

  /** @inheritDoc */
  setWriteBufferLimits(high?: number, low?: number): void {
    const flow = this.flow ?? new FlowControl();
    flow.setLimits(high, low); // throws before anything is kept
    this.flow = flow;
    this.flowChanged();
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
    const flow = this.flow;
    if (flow === null) return; // nothing was ever buffered: no mark crossed
    const signal = flow.update();
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
    this.finish(connectionBrokenError(err, this.fdNumber, this.peername));
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
    if (!this.refed) this.loop.refFd(fd); // the loop forgets the number before it is reused
    this.releaseIo(fd);
    this.fd = -1;
    this.flow?.clear();
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
