/**
 * `UringTransport`: the {@link Transport} of a connected stream socket on a loop whose backend
 * is io_uring (`loop.completion` is set). Completion-native: no `recv`/`send` system calls.
 * `createServer` and `createConnection` choose it by themselves on such a loop.
 *
 * - **Reading** is one multishot RECV into the loop's provided-buffer ring: the kernel reads
 *   each arrival into a buffer and posts a completion; the bytes are copied into a fresh Buffer
 *   for `dataReceived` and the buffer goes back to the ring. When the ring runs dry the receive
 *   ends with ENOBUFS and is submitted again. `pauseReading()` cancels it; bytes that arrive
 *   before the cancel lands are held and delivered after `resumeReading()`.
 * - **Writing** queues into the write buffer (FlowControl, water marks as for every transport);
 *   just before the loop's next submission the buffer is gathered into one SEND (at most one
 *   in flight per connection, so bytes stay in order), which copies it into memory the kernel
 *   may read later. The next SEND goes when it completes.
 * - **Lifecycle** is SocketTransport's (docs/net.md): `close()` flushes, shuts the write side
 *   down and lingers for the peer's EOF up to `lingerMs`; `abort()`, an OS error or a throwing
 *   protocol callback close at once. Closing cancels the receive and send in flight (a request
 *   holds the socket open until it ends) and then closes the descriptor, exactly once.
 *
 * @module
 */

import type { CompletionQueue } from '../completion/completion.ts';
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
import { close as closeFd } from '../sys/fd.ts';
import type { SocketAddress } from '../sys/sockaddr.ts';
import { describe, getpeername, getsockname, setIntOption, shutdown } from '../sys/socket.ts';
import { FlowControl } from './flow-control.ts';
import type { Protocol } from './protocol.ts';
import {
  DEFAULT_LINGER_MS,
  type SocketTransportOptions,
  type SocketTransportStats,
} from './socket-transport.ts';
import type { ExtraInfo, Transport, WaterMarks } from './transport.ts';

const ENOBUFS = 105;
const ECANCELED = 125;

/** Options: those of SocketTransport; `onClosed` receives this transport. */
export interface UringTransportOptions extends Omit<SocketTransportOptions, 'onClosed'> {
  /** Called once, synchronously, right after the descriptor was closed. */
  onClosed?: (transport: UringTransport) => void;
}

type State = 'open' | 'closing' | 'lingering' | 'closed';

/** A connected stream socket on io_uring; see the module comment. */
export class UringTransport implements Transport {
  readonly #loop: EventLoop;
  readonly #cq: CompletionQueue;
  #fd: number;
  readonly #fdNumber: number;
  #protocol: Protocol;
  readonly #flow: FlowControl;
  readonly #onClosed: ((t: UringTransport) => void) | undefined;
  readonly #isTcp: boolean;
  readonly #sockname: SocketAddress | null;
  #peername: SocketAddress | null | undefined;
  #state: State = 'open';
  #lostError: Error | undefined;
  #started = false;
  #readPaused = false;
  #eofReceived = false;
  #eofWritten = false;
  #shutDown = false;
  readonly #lingerMs: number;
  #lingerTimer: TimerHandle | null = null;
  #unregisterLoopClose: (() => void) | null = null;
  #lostDelivered = false;
  /** The multishot receive in flight (op id), 0 when none; kept until its last completion. */
  #recvOp = 0;
  #sendOp = 0;
  #flushQueued = false;
  #held: Buffer[] = [];
  /** The kernel reported EOF while bytes were held (paused): delivered after them. */
  #eofPending = false;
  #bytesDiscarded = 0;
  #bytesRead = 0;
  #bytesWritten = 0;
  #readCalls = 0;
  #writeCalls = 0;

  /**
   * Takes ownership of `fd` (a connected, non-blocking stream socket) when it returns.
   * `connectionMade` follows on the next loop turn, then reading starts.
   * @throws InvalidArgumentError for a bad fd, water marks or `lingerMs`, or a loop that is not
   *   on io_uring (NBIO_UNSUPPORTED); ClosedResourceError when the loop is closed
   */
  constructor(loop: EventLoop, fd: number, protocol: Protocol, options: UringTransportOptions = {}) {
    if (!Number.isInteger(fd) || fd < 0)
      throw new InvalidArgumentError(
        `Cannot make a transport of fd ${fd}: pass an open socket.`,
        'NBIO_BAD_FD',
      );
    const cq = loop.completion;
    if (cq === null) {
      throw new InvalidArgumentError(
        `A UringTransport needs a loop on io_uring; this one runs on ${loop.selector.capabilities.name}. Use SocketTransport, or new EventLoop({ selector: 'io_uring' }).`,
        'NBIO_UNSUPPORTED',
      );
    }
    checkProtocol(protocol);
    this.#lingerMs = checkDelay(options.lingerMs ?? DEFAULT_LINGER_MS, 'lingerMs');
    this.#loop = loop;
    this.#cq = cq;
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
    this.#flow.push([buf]);
    this.#queueFlush();
    this.#flowChanged();
  }

  /** @inheritDoc */
  writeLines(chunks: readonly (Uint8Array | string)[]): void {
    const bufs = chunks.map((c) => toBytes(c, 'writeLines')).filter((b) => b.length > 0);
    this.#checkWritable('writeLines');
    if (bufs.length === 0) return;
    this.#flow.push(bufs);
    this.#queueFlush();
    this.#flowChanged();
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

  /** Flushes, shuts down the write side, lingers for the peer's EOF (≤ `lingerMs`), closes. */
  close(): void {
    if (this.#state !== 'open') return;
    this.#state = 'closing';
    if (this.#eofPending) {
      // The peer's EOF already came (behind held bytes nobody will read now).
      this.#eofPending = false;
      this.#eofReceived = true;
    }
    for (const h of this.#held) this.#bytesDiscarded += h.length;
    this.#held = [];
    this.#updateReader();
    if (this.#flow.buffered === 0) this.#afterFlush();
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
    if (this.#held.length > 0 || this.#eofPending) this.#loop.callSoon(this.#deliverHeld);
    this.#updateReader();
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

  /** Counters. `readCalls` counts receive completions, `writeCalls` SENDs submitted (no syscall each). */
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
    this.#started = true;
    try {
      this.#protocol.connectionMade?.(this);
    } catch (err) {
      this.#protocolFailed(err, 'connectionMade');
      return;
    }
    this.#updateReader();
  };

  /** Submits or cancels the receive to match the state (as SocketTransport's reader). */
  #updateReader(): void {
    const state = this.#state;
    if (state === 'closed') return;
    const want =
      !this.#eofReceived &&
      !this.#eofPending &&
      (state === 'open' ? this.#started && !this.#readPaused : true);
    if (want && this.#recvOp === 0) this.#recvOp = this.#cq.recv(this.#fd, this.#onRecv);
    else if (!want && this.#recvOp !== 0) this.#cq.cancel(this.#recvOp);
  }

  #onRecv = (res: number, data: Uint8Array | null, more: boolean): void => {
    if (!more) this.#recvOp = 0;
    if (this.#state === 'closed') return;
    this.#readCalls++;
    if (res > 0 && data !== null) {
      if (this.#state !== 'open') this.#bytesDiscarded += res;
      else {
        this.#bytesRead += res;
        const copy = Buffer.from(data); // the ring buffer goes back to the kernel after this call
        if (this.#readPaused || this.#held.length > 0) this.#held.push(copy);
        else if (!this.#deliver(copy)) return;
      }
    } else if (res === 0) {
      if (this.#state === 'open' && (this.#readPaused || this.#held.length > 0)) {
        this.#eofPending = true; // after the held bytes, once reading resumes
        return;
      }
      this.#onEof();
      return;
    } else if (res < 0 && res !== -ENOBUFS && res !== -ECANCELED) {
      this.#fail(new OsError('recv', -res, `fd ${this.#fdNumber}`));
      return;
    }
    if (!more) this.#updateReader(); // ENOBUFS, a cancel, or the kernel ended it: again if wanted
  };

  #deliver(data: Buffer): boolean {
    try {
      this.#protocol.dataReceived(data);
      return true;
    } catch (err) {
      this.#protocolFailed(err, 'dataReceived');
      return false;
    }
  }

  #deliverHeld = (): void => {
    while (this.#held.length > 0 && this.#state === 'open' && !this.#readPaused) {
      if (!this.#deliver(this.#held.shift() as Buffer)) return;
    }
    if (this.#eofPending && this.#held.length === 0 && this.#state === 'open' && !this.#readPaused) {
      this.#eofPending = false;
      this.#onEof();
    }
  };

  #onEof(): void {
    this.#eofReceived = true;
    if (this.#state === 'lingering') {
      this.#finish(undefined); // the peer has read our EOF and finished: a clean end
      return;
    }
    if (this.#state !== 'open') return; // closing: the flush ends it
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

  #queueFlush(): void {
    if (this.#flushQueued || this.#sendOp !== 0) return;
    this.#flushQueued = true;
    this.#cq.beforeSubmit(this.#flushNow);
  }

  /** Runs just before the loop's next submission: everything written since, in one SEND. */
  #flushNow = (): void => {
    this.#flushQueued = false;
    if (this.#state === 'closed' || this.#sendOp !== 0 || this.#flow.buffered === 0) return;
    this.#writeCalls++;
    this.#sendOp = this.#cq.send(this.#fd, this.#flow.chunks, 0, this.#onSent);
  };

  #onSent = (res: number): void => {
    this.#sendOp = 0;
    if (this.#state === 'closed') return;
    if (res < 0) {
      this.#fail(new OsError('send', -res, `fd ${this.#fdNumber}`));
      return;
    }
    this.#bytesWritten += res;
    this.#flow.consume(res);
    if (this.#flow.buffered > 0) this.#queueFlush();
    else if (this.#state === 'closing') {
      this.#afterFlush();
      return;
    } else if (this.#eofWritten && !this.#shutDown) this.#shutdownWrite();
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

  #flowChanged(): void {
    const signal = this.#flow.update();
    if (signal === null || (signal === 'resume' && this.#state !== 'open')) return;
    const which = signal === 'pause' ? 'pauseWriting' : 'resumeWriting';
    try {
      this.#protocol[which]?.();
    } catch (err) {
      this.#protocolFailed(err, which);
    }
  }

  // ── closing ───────────────────────────────────────────────────────────────────────────

  #afterFlush(): void {
    if (this.#sendOp !== 0) return; // the SEND in flight ends the flush
    if (this.#eofReceived || this.#lingerMs === 0) {
      this.#finish(undefined);
      return;
    }
    if (!this.#shutDown) this.#shutdownWrite();
    if (this.#state !== 'closing') return;
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

  /** Cancels what is in flight, closes the fd once, schedules connectionLost once. */
  #finish(error: Error | undefined, lostNow = false): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#lostError = error;
    this.#lingerTimer?.cancel();
    this.#lingerTimer = null;
    // A request in flight keeps the socket alive: cancel before closing (docs/backends/io_uring.md).
    if (this.#recvOp !== 0) this.#cq.cancel(this.#recvOp);
    if (this.#sendOp !== 0) this.#cq.cancel(this.#sendOp);
    const fd = this.#fd;
    this.#fd = -1;
    this.#flow.clear();
    this.#held = [];
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
  if (typeof protocol !== 'object' || protocol === null || typeof protocol.dataReceived !== 'function')
    throw new InvalidArgumentError(
      'A protocol needs a dataReceived(data) method: pass an object that has one.',
    );
}
