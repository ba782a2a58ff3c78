/**
 * `SocketTransport`: the {@link Transport} of a connected stream socket (TCP over IPv4/IPv6,
 * or Unix), driven by the loop's reader and writer callbacks. See docs/net.md for the state
 * machine drawn out.
 *
 * ## Lifecycle
 * `open` → (`close()`: the protocol gets no more data, incoming bytes are read and dropped,
 * the buffer is flushed) → `closing` → (buffer empty: `shutdown(SHUT_WR)`) → `lingering` →
 * (the peer's EOF, or `lingerMs` passed) → `closed`. `close()` means "deliver what I wrote,
 * then close": closing a socket whose receive queue holds unread bytes makes the kernel send
 * an RST that discards the send queue (RFC 1122 4.2.2.13), so the peer would lose the reply
 * already handed to the kernel. Lingering reads until the queue is empty and the peer has
 * finished, then closes. When the peer's EOF came first, or with `lingerMs: 0`, the fd closes
 * right after the flush. `abort()`, an OS error or a throwing protocol callback go from any
 * state straight to `closed`. Entering `closed` removes the fd from the loop, closes it
 * (exactly once), then schedules `connectionLost(error?)` with `callSoon` (exactly once):
 * `undefined` after a clean end (the peer's EOF), a `TimeoutError` when the linger time ran
 * out (the bytes were handed to the kernel, the peer never confirmed it read them), a
 * `BrokenResourceError` when the peer reset. Half-close is orthogonal: `writeEof()` shuts the
 * write side once the buffer is flushed; the peer's EOF stops reading and asks
 * `eofReceived()` whether to stay open for writing.
 *
 * ## When the loop closes
 * Each transport registers with `loop.onClose()`: `loop.close()` closes its descriptor (the
 * peer sees the connection end) and calls `connectionLost(ClosedResourceError)` at once,
 * inside `close()`, exactly once; after that no callback of it runs. A transport whose
 * `connectionMade` never ran (accepted in the loop's last turn) gets neither callback.
 *
 * ## Writing
 * `write()` tries `send()` at once and queues, by reference, only what the kernel did not take:
 * no copy, as in Node's `net`, so the caller must not change a buffer after `write()` until it
 * was sent (issue 9: copies made 10,000 writes of one 64 KiB buffer hold 640 MB). While the buffer is
 * non-empty a writer is registered; it flushes with `writev()` (or `send()` for one chunk).
 * `writev()` carries no MSG_NOSIGNAL, which is safe because Node ignores SIGPIPE for the whole
 * process: a reset peer gives EPIPE, never a signal.
 *
 * ## Errors
 * OS errors (ECONNRESET, EPIPE …) close the transport and reach `connectionLost` as a
 * `BrokenResourceError` with the `OsError` as `cause`; they are never thrown out of the loop.
 * A protocol callback that throws is reported to the loop's exception handler and the
 * transport is aborted with that error (asyncio's "fatal error"). `write()` after the
 * transport was closed on this side throws `ClosedResourceError`; after the connection broke,
 * `BrokenResourceError` (check `isClosing` first to avoid both).
 *
 * @module
 */
import {
  BrokenResourceError,
  ClosedResourceError,
  checkDelay,
  InvalidArgumentError,
  TimeoutError,
} from '../errors.ts';
import type { EventLoop } from '../loop/event-loop.ts';
import type { TimerHandle } from '../loop/handle.ts';
import { sys } from '../sys/constants.ts';
import { OsError } from '../sys/errno.ts';
import { close as closeFd, WOULD_BLOCK, writev } from '../sys/fd.ts';
import type { SocketAddress } from '../sys/sockaddr.ts';
import { describe, getpeername, getsockname, recv, send, setIntOption, shutdown } from '../sys/socket.ts';
import { FlowControl } from './flow-control.ts';
import type { Protocol } from './protocol.ts';
import type { ExtraInfo, Transport, TransportStats, WaterMarks } from './transport.ts';

/** Size of the one read buffer all transports share (data is copied out before delivery). */
export const READ_BUFFER_SIZE = 64 * 1024;

/**
 * At most this many `recv()` calls per readable event. A socket that keeps receiving could
 * otherwise hold the loop for as long as its peer sends; after 16 × 64 KiB = 1 MiB the loop
 * moves on to other descriptors and timers, and the level-triggered selector reports the
 * socket again on the next iteration. 1 MiB per turn still amortises the wake-up cost.
 */
export const MAX_READS_PER_EVENT = 16;

/**
 * How long `close()` waits, after the flush and `shutdown(SHUT_WR)`, for the peer's EOF before
 * it closes anyway (see the module comment). nginx's `lingering_timeout` is 5 s; a peer that
 * reacts to EOF closes within a round trip. Bounded, so a silent peer cannot keep a descriptor
 * (or, in guest mode, the process) alive for longer.
 */
export const DEFAULT_LINGER_MS = 5000;

const readBuffer = Buffer.allocUnsafe(READ_BUFFER_SIZE);

/** Options for {@link SocketTransport}. */
export interface SocketTransportOptions {
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
  /** Called once, synchronously, right after the descriptor was closed (servers count with it). */
  onClosed?: (transport: SocketTransport) => void;
}

/** A transport's counters: {@link TransportStats} plus syscall counts and half-close flags. */
export interface SocketTransportStats extends TransportStats {
  /** recv() calls made (including the one that saw would-block or EOF). */
  readonly readCalls: number;
  /** send()/writev() calls made. */
  readonly writeCalls: number;
  /** The peer shut down its write side. */
  readonly eofReceived: boolean;
  /** writeEof() was called. */
  readonly eofWritten: boolean;
  /** Bytes read and dropped after `close()` (the rest of a request nobody will read). */
  readonly bytesDiscarded: number;
}

type State = 'open' | 'closing' | 'lingering' | 'closed';

/** A connected stream socket as a Transport; see the module comment. */
export class SocketTransport implements Transport {
  readonly #loop: EventLoop;
  #fd: number;
  readonly #fdNumber: number;
  #protocol: Protocol;
  readonly #flow: FlowControl;
  readonly #onClosed: ((t: SocketTransport) => void) | undefined;
  readonly #isTcp: boolean;
  readonly #sockname: SocketAddress | null;
  #peername: SocketAddress | null | undefined;
  #state: State = 'open';
  #lostError: Error | undefined;
  #started = false;
  #readPaused = false;
  #readerAdded = false;
  #writerAdded = false;
  #eofReceived = false;
  #eofWritten = false;
  #shutDown = false;
  readonly #lingerMs: number;
  #lingerTimer: TimerHandle | null = null;
  #unregisterLoopClose: (() => void) | null = null;
  #lostDelivered = false;
  #bytesDiscarded = 0;
  #bytesRead = 0;
  #bytesWritten = 0;
  #readCalls = 0;
  #writeCalls = 0;
  #label: string | null = null;

  /**
   * Takes ownership of `fd` (a connected, non-blocking stream socket) when it returns; if it
   * throws, the caller still owns the fd. `protocol.connectionMade(this)` follows on the next
   * loop turn, then reading starts (unless paused from inside connectionMade).
   * @throws InvalidArgumentError for a negative fd, bad water marks or a bad `lingerMs`;
   *   OsError when `fd` is not a socket; ClosedResourceError when the loop is closed
   */
  constructor(loop: EventLoop, fd: number, protocol: Protocol, options: SocketTransportOptions = {}) {
    if (!Number.isInteger(fd) || fd < 0) {
      throw new InvalidArgumentError(
        `Cannot make a transport of fd ${fd}: pass an open socket.`,
        'NBIO_BAD_FD',
      );
    }
    checkProtocol(protocol);
    this.#lingerMs = checkDelay(options.lingerMs ?? DEFAULT_LINGER_MS, 'lingerMs');
    this.#loop = loop;
    this.#fd = fd;
    this.#fdNumber = fd;
    this.#protocol = protocol;
    this.#flow = new FlowControl(options.writeBufferLimits?.high, options.writeBufferLimits?.low);
    this.#onClosed = options.onClosed;
    this.#sockname = getsockname(fd);
    this.#isTcp = this.#sockname?.family === 'ipv4' || this.#sockname?.family === 'ipv6';
    if (this.#isTcp) {
      this.setNoDelay(options.noDelay ?? true);
      if (options.keepAlive !== undefined) this.setKeepAlive(options.keepAlive);
    }
    loop.callSoon(this.#start);
    this.#unregisterLoopClose = loop.onClose(this.#onLoopClose);
  }

  // ── Transport ─────────────────────────────────────────────────────────────────────────

  /** @inheritDoc */
  write(data: Uint8Array | string): void {
    const buf = toBytes(data, 'write');
    this.#checkWritable('write');
    if (buf.length === 0) return;
    if (this.#flow.buffered === 0) {
      // The hot path (a request answered in one write): one send(), no array, no copy.
      const n = this.#sendNow(buf);
      if (n < 0 || n === buf.length) return;
      this.#addWriter();
      if (this.#state === 'closed') return;
      this.#flow.push([buf], 0, n);
      this.#flowChanged();
      return;
    }
    this.#send([buf]);
  }

  /** @inheritDoc */
  writeLines(chunks: readonly (Uint8Array | string)[]): void {
    const bufs = chunks.map((c) => toBytes(c, 'writeLines')).filter((b) => b.length > 0);
    this.#checkWritable('writeLines');
    if (bufs.length > 0) this.#send(bufs);
  }

  /** @inheritDoc */
  writeEof(): void {
    if (this.#state !== 'open' || this.#eofWritten) return;
    this.#eofWritten = true;
    if (this.#flow.buffered === 0) this.#shutdownWrite();
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
    if (this.#state !== 'open') return;
    this.#state = 'closing';
    this.#updateReader();
    if (this.#state === 'closing' && this.#flow.buffered === 0) this.#afterFlush();
  }

  /** @inheritDoc */
  abort(): void {
    this.#finish(undefined);
  }

  /** @inheritDoc */
  pauseReading(): void {
    if (this.#state !== 'open' || this.#readPaused) return;
    this.#readPaused = true;
    this.#updateReader();
  }

  /** @inheritDoc */
  resumeReading(): void {
    if (this.#state !== 'open' || !this.#readPaused) return;
    this.#readPaused = false;
    this.#updateReader();
  }

  /**
   * `"transport 127.0.0.1:5123→:7000"` (peer → local port): how the flight recorder and the
   * watchdog name this connection's descriptor. Computed on first use.
   */
  get label(): string {
    if (this.#label === null) {
      const peer = this.getExtraInfo('peername');
      const local = this.#sockname;
      const localText =
        local === null
          ? '?'
          : local.family === 'unix'
            ? describe(local)
            : `:${describe(local).replace(/^.*:/, '')}`;
      this.#label = `transport ${peer === null ? '?' : describe(peer)}→${localText}`;
    }
    return this.#label;
  }

  /** True while open, not paused, and the peer has not sent EOF. */
  get isReading(): boolean {
    return this.#state === 'open' && !this.#readPaused && !this.#eofReceived;
  }

  /** @inheritDoc */
  get isClosing(): boolean {
    return this.#state !== 'open';
  }

  /** @inheritDoc */
  get bufferedAmount(): number {
    return this.#flow.buffered;
  }

  /** @inheritDoc */
  setWriteBufferLimits(high?: number, low?: number): void {
    this.#flow.setLimits(high, low);
    this.#flowChanged();
  }

  /** @inheritDoc */
  getWriteBufferLimits(): WaterMarks {
    return this.#flow.limits();
  }

  /** @inheritDoc */
  getExtraInfo<K extends keyof ExtraInfo>(name: K): ExtraInfo[K] {
    switch (name) {
      case 'fd':
        return this.#fd as ExtraInfo[K];
      case 'sockname':
        return this.#sockname as ExtraInfo[K];
      case 'peername':
        if (this.#peername === undefined && this.#fd >= 0) {
          try {
            this.#peername = getpeername(this.#fd);
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
    this.#protocol = protocol;
  }

  /** @inheritDoc */
  getProtocol(): Protocol {
    return this.#protocol;
  }

  /** TCP_NODELAY; a no-op on Unix sockets and once closed. */
  setNoDelay(on = true): void {
    if (this.#isTcp && this.#fd >= 0) setIntOption(this.#fd, sys.IPPROTO_TCP, sys.TCP_NODELAY, on ? 1 : 0);
  }

  /** SO_KEEPALIVE; a no-op on Unix sockets and once closed. */
  setKeepAlive(on = true): void {
    if (this.#isTcp && this.#fd >= 0) setIntOption(this.#fd, sys.SOL_SOCKET, sys.SO_KEEPALIVE, on ? 1 : 0);
  }

  /** Counters, as a frozen plain object. `fd` is −1 once closed. */
  stats(): SocketTransportStats {
    return Object.freeze({
      fd: this.#fd,
      bytesRead: this.#bytesRead,
      bytesWritten: this.#bytesWritten,
      bufferedAmount: this.#flow.buffered,
      isReading: this.isReading,
      isClosing: this.isClosing,
      writePaused: this.#flow.isPaused,
      readCalls: this.#readCalls,
      writeCalls: this.#writeCalls,
      eofReceived: this.#eofReceived,
      eofWritten: this.#eofWritten,
      bytesDiscarded: this.#bytesDiscarded,
    });
  }

  // ── reading ───────────────────────────────────────────────────────────────────────────

  #start = (): void => {
    // Like asyncio, connectionMade runs even if the transport was aborted before this turn,
    // so the protocol always sees connectionMade before connectionLost (both go through
    // callSoon, in order).
    this.#started = true;
    try {
      this.#protocol.connectionMade?.(this);
    } catch (err) {
      this.#protocolFailed(err, 'connectionMade');
      return;
    }
    this.#updateReader();
  };

  /**
   * Registers or removes the reader to match the state: open, started, not paused and no EOF
   * yet; or closing/lingering before the peer's EOF (reading to drop what still arrives).
   */
  #updateReader(): void {
    const state = this.#state;
    const want =
      !this.#eofReceived && (state === 'open' ? this.#started && !this.#readPaused : state !== 'closed');
    if (want === this.#readerAdded) return;
    if (want) {
      try {
        this.#loop.addReader(this.#fd, this.#onReadable, this);
      } catch (err) {
        this.#finish(err as Error); // e.g. select's FD_SETSIZE: this connection cannot be served
        return;
      }
    } else this.#loop.removeReader(this.#fd);
    this.#readerAdded = want;
  }

  #onReadable = (): void => {
    for (let i = 0; i < MAX_READS_PER_EVENT; i++) {
      // dataReceived may have paused reading or closed the transport.
      if (!this.#readerAdded || this.#state === 'closed') return;
      let n: number;
      try {
        n = recv(this.#fd, readBuffer);
      } catch (err) {
        this.#readCalls++;
        this.#fail(err);
        return;
      }
      this.#readCalls++;
      if (n === WOULD_BLOCK) return;
      if (n === 0) {
        // A userspace kqueue may have read (and so cleared) SO_ERROR to report a reset: then
        // this is the reset, not the peer's EOF (see Selector.takeSocketError).
        const soError = this.#loop.selector.takeSocketError?.(this.#fd) ?? 0;
        if (soError !== 0) this.#fail(new OsError('recv', soError));
        else this.#onEof();
        return;
      }
      if (this.#state !== 'open') {
        // close() was called: nobody reads these bytes, but they must leave the kernel's
        // receive queue, or closing the fd would reset the connection.
        this.#bytesDiscarded += n;
        if (n < READ_BUFFER_SIZE) return;
        continue;
      }
      this.#bytesRead += n;
      // A copy the protocol may keep (allocUnsafe takes small sizes from Node's pool slab).
      const data = Buffer.allocUnsafe(n);
      readBuffer.copy(data, 0, 0, n);
      try {
        this.#protocol.dataReceived(data);
      } catch (err) {
        this.#protocolFailed(err, 'dataReceived');
        return;
      }
      // A short read drained the kernel buffer: the next recv would only say EAGAIN, and any
      // bytes arriving later make the (level-triggered) selector report the socket again.
      if (n < READ_BUFFER_SIZE) return;
    }
  };

  #onEof(): void {
    this.#eofReceived = true;
    this.#updateReader();
    if (this.#state === 'lingering') {
      this.#finish(undefined); // the peer has read our EOF and finished: a clean end
      return;
    }
    if (this.#state !== 'open') return; // closing: the flush ends it (#afterFlush)
    let keepOpen: boolean | undefined;
    try {
      keepOpen = this.#protocol.eofReceived?.();
    } catch (err) {
      this.#protocolFailed(err, 'eofReceived');
      return;
    }
    if (keepOpen !== true) this.close();
  }

  // ── writing ───────────────────────────────────────────────────────────────────────────

  #checkWritable(op: string): void {
    if (this.#state === 'open' && !this.#eofWritten) return;
    const fd = this.#fdNumber;
    if (this.#lostError !== undefined) {
      throw new BrokenResourceError(
        `Cannot ${op} on fd ${fd}: the connection broke (${this.#lostError.message}). Open a new connection.`,
        { cause: this.#lostError },
      );
    }
    const why =
      this.#state === 'open'
        ? 'writeEof() already shut the write side'
        : this.#eofReceived
          ? 'the transport closed after the peer closed the connection'
          : 'the transport is closed';
    throw new ClosedResourceError(`Cannot ${op} on fd ${fd}: ${why}. Open a new connection to send more.`);
  }

  /** Sends what the socket takes now (only when nothing is queued), queues copies of the rest. */
  #send(bufs: Uint8Array[]): void {
    let first = 0;
    let n = 0;
    if (this.#flow.buffered === 0) {
      n = this.#sendNow(bufs);
      if (n < 0) return;
      while (first < bufs.length && n >= bufs[first]!.length) n -= bufs[first++]!.length; // first < length
      if (first === bufs.length) return;
      this.#addWriter();
      if (this.#state === 'closed') return;
    }
    this.#flow.push(bufs, first, n);
    this.#flowChanged();
  }

  /** One send() (one buffer) or writev(): bytes taken (0 on would-block), or −1 after a failure. */
  #sendNow(bufs: readonly Uint8Array[] | Uint8Array): number {
    let n: number;
    this.#writeCalls++;
    try {
      if (bufs instanceof Uint8Array) n = send(this.#fd, bufs);
      else n = bufs.length === 1 ? send(this.#fd, bufs[0]!) : writev(this.#fd, bufs);
    } catch (err) {
      this.#fail(err);
      return -1;
    }
    if (n === WOULD_BLOCK) return 0;
    this.#bytesWritten += n;
    return n;
  }

  #addWriter(): void {
    if (this.#writerAdded) return;
    try {
      this.#loop.addWriter(this.#fd, this.#onWritable, this);
    } catch (err) {
      this.#finish(err as Error);
      return;
    }
    this.#writerAdded = true;
  }

  #onWritable = (): void => {
    if (this.#state === 'closed') return;
    const flow = this.#flow;
    if (flow.buffered > 0) {
      const n = this.#sendNow(flow.chunks);
      if (n <= 0) return;
      flow.consume(n);
    }
    if (flow.buffered === 0) {
      this.#loop.removeWriter(this.#fd);
      this.#writerAdded = false;
      if (this.#state === 'closing') {
        this.#afterFlush();
        return;
      }
      if (this.#eofWritten && !this.#shutDown) this.#shutdownWrite();
    }
    this.#flowChanged();
  };

  #shutdownWrite(): void {
    this.#shutDown = true;
    try {
      shutdown(this.#fd, 'write');
    } catch (err) {
      this.#fail(err); // ENOTCONN: the peer reset the connection meanwhile
    }
  }

  /** Tells the protocol to pause or resume producing when the buffer crossed a mark. */
  #flowChanged(): void {
    const signal = this.#flow.update();
    if (signal === null) return;
    const which = signal === 'pause' ? 'pauseWriting' : 'resumeWriting';
    if (signal === 'resume' && this.#state !== 'open') return;
    try {
      this.#protocol[which]?.();
    } catch (err) {
      this.#protocolFailed(err, which);
    }
  }

  // ── closing ───────────────────────────────────────────────────────────────────────────

  /** close() and the buffer is empty: close now (peer's EOF seen, no linger) or linger. */
  #afterFlush(): void {
    if (this.#eofReceived || this.#lingerMs === 0) {
      this.#finish(undefined);
      return;
    }
    if (!this.#shutDown) this.#shutdownWrite();
    if (this.#state !== 'closing') return; // the shutdown failed: finished with that error
    this.#state = 'lingering';
    this.#lingerTimer = this.#loop.callLater(this.#lingerMs, this.#lingerExpired);
  }

  #lingerExpired = (): void => {
    this.#lingerTimer = null;
    if (this.#state !== 'lingering') return;
    this.#finish(
      new TimeoutError(
        `The peer did not end the connection (fd ${this.#fdNumber}) within lingerMs (${this.#lingerMs} ms) after close(): the descriptor was closed anyway. Every byte written was handed to the kernel, but the peer has not confirmed it read them; raise lingerMs to wait longer.`,
      ),
    );
  };

  /** loop.close(): close now and tell the protocol at once (no callback runs after close). */
  #onLoopClose = (): void => {
    if (this.#state !== 'closed') {
      const what =
        this.#state === 'lingering' ? 'while close() waited for the peer' : 'with this connection open';
      this.#finish(
        new ClosedResourceError(
          `The event loop was closed ${what} (fd ${this.#fdNumber}); its descriptor was closed. Close connections before the loop to end them gracefully.`,
        ),
        true,
      );
    } else if (!this.#lostDelivered && this.#started) this.#connectionLost(this.#lostError);
  };

  /** An OS error on this socket: the connection is broken. */
  #fail(err: unknown): void {
    if (err instanceof OsError) {
      const peer = this.#peername ? ` to ${describe(this.#peername)}` : '';
      this.#finish(
        new BrokenResourceError(
          `The connection${peer} (fd ${this.#fdNumber}) broke: ${err.syscall}() failed with ${err.code}.`,
          { cause: err },
        ),
      );
    } else this.#finish(err instanceof Error ? err : new Error(String(err)));
  }

  #protocolFailed(err: unknown, callback: string): void {
    this.#loop.reportException(err, `protocol.${callback}()`, this.#fdNumber);
    this.#finish(err instanceof Error ? err : new Error(String(err)));
  }

  /**
   * Removes the fd from the loop, closes it once, schedules connectionLost once (runs it now
   * when `lostNow`: the loop is closing and will run nothing more).
   */
  #finish(error: Error | undefined, lostNow = false): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#lostError = error;
    this.#lingerTimer?.cancel();
    this.#lingerTimer = null;
    const fd = this.#fd;
    if (this.#readerAdded) this.#loop.removeReader(fd);
    if (this.#writerAdded) this.#loop.removeWriter(fd);
    this.#readerAdded = this.#writerAdded = false;
    this.#fd = -1;
    this.#flow.clear();
    try {
      closeFd(fd);
    } catch (err) {
      this.#loop.reportException(err, 'close() of a transport', fd);
    }
    if (this.#onClosed !== undefined) this.#onClosed(this);
    if (lostNow) {
      if (this.#started) this.#connectionLost(error);
      else this.#dropLoopCloseHook();
    } else if (this.#loop.isClosed) this.#connectionLost(error);
    else this.#loop.callSoon(this.#connectionLost, error);
  }

  #dropLoopCloseHook(): void {
    this.#unregisterLoopClose?.();
    this.#unregisterLoopClose = null;
  }

  #connectionLost = (error: Error | undefined): void => {
    if (this.#lostDelivered) return;
    this.#lostDelivered = true;
    this.#dropLoopCloseHook();
    try {
      this.#protocol.connectionLost?.(error);
    } catch (err) {
      if (!this.#loop.isClosed) this.#loop.reportException(err, 'protocol.connectionLost()', this.#fdNumber);
    }
  };
}

function toBytes(data: unknown, op: string): Uint8Array {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (data instanceof Uint8Array) return data;
  throw new InvalidArgumentError(
    `Cannot ${op} ${data === null ? 'null' : typeof data}: pass a Buffer, a Uint8Array or a string.`,
  );
}

function checkProtocol(protocol: Protocol): void {
  if (typeof protocol !== 'object' || protocol === null || typeof protocol.dataReceived !== 'function') {
    throw new InvalidArgumentError(
      'A protocol needs a dataReceived(data) method: pass an object that has one.',
    );
  }
}
