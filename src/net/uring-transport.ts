/**
 * `UringTransport`: the {@link Transport} of a connected stream socket on a loop whose backend
 * is io_uring (`loop.completion` is set). Completion-native: no `recv`/`send` system calls.
 * `createServer` and `createConnection` choose it by themselves on such a loop.
 *
 * - **Reading** is one multishot RECV into the loop's provided-buffer ring: the kernel reads
 *   each arrival into a buffer and posts a completion; the bytes are copied into a fresh Buffer
 *   for `dataReceived` (by the completion queue) and the buffer goes back to the ring. When the ring runs dry the receive
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
import { InvalidArgumentError } from '../errors.ts';
import type { EventLoop } from '../loop/event-loop.ts';
import { OsError } from '../sys/errno.ts';
import type { Protocol } from './protocol.ts';
import { StreamTransportCore } from './stream-transport-core.ts';
import { checkTransportFd, type StreamTransportOptions, toBytes } from './stream-transport-options.ts';
import { transportLabel } from './transport-label.ts';

const EMPTY = new Uint8Array(0);
const ENOBUFS = 105;
const ECANCELED = 125;

/** Options: those of SocketTransport; `onClosed` receives this transport. */
export interface UringTransportOptions extends StreamTransportOptions {
  /** Called once, synchronously, right after the descriptor was closed. */
  onClosed?: (transport: UringTransport) => void;
}

function completionOf(loop: EventLoop): CompletionQueue {
  const cq = loop.completion;
  if (cq === null) {
    throw new InvalidArgumentError(
      `A UringTransport needs a loop on io_uring; this one runs on ${loop.selector.capabilities.name}. Use SocketTransport, or new EventLoop({ selector: 'io_uring' }).`,
      'NBIO_UNSUPPORTED',
    );
  }
  return cq;
}

/**
 * A connected stream socket on io_uring (see the module comment); the shared state machine is
 * {@link StreamTransportCore}'s. `stats().readCalls` counts receive completions and
 * `writeCalls` SENDs submitted (no system call each).
 */
export class UringTransport extends StreamTransportCore {
  static readonly #one: Uint8Array[] = [];
  readonly #cq: CompletionQueue;
  /** The multishot receive in flight (op id), 0 when none; kept until its last completion. */
  #recvOp = 0;
  #sendOp = 0;
  #flushQueued = false;
  #held: Buffer[] = [];
  /** The kernel reported EOF while bytes were held (paused): delivered after them. */
  #eofPending = false;
  #label: string | null = null;

  /**
   * Takes ownership of `fd` (a connected, non-blocking stream socket) when it returns.
   * `connectionMade` follows on the next loop turn, then reading starts.
   * @throws InvalidArgumentError for a bad fd, water marks or `lingerMs`, or a loop that is not
   *   on io_uring (NBIO_UNSUPPORTED); ClosedResourceError when the loop is closed
   */
  constructor(loop: EventLoop, fd: number, protocol: Protocol, options: UringTransportOptions = {}) {
    checkTransportFd(fd);
    const cq = completionOf(loop);
    super(loop, fd, protocol, options, options.onClosed);
    this.#cq = cq;
  }

  /**
   * `"transport 127.0.0.1:5123→:7000"`: how the flight recorder and the watchdog name this
   * connection's completions (it is their operations' owner). Computed on first use.
   */
  get label(): string {
    if (this.#label === null) this.#label = transportLabel(this);
    return this.#label;
  }

  // ── Transport ─────────────────────────────────────────────────────────────────────────

  /** @inheritDoc */
  write(data: Uint8Array | string): void {
    const buf = toBytes(data, 'write');
    this.checkWritable('write');
    if (buf.length === 0) return;
    // A reused one-element array: no allocation per write (push keeps the buffer, not the array).
    const one = UringTransport.#one;
    one[0] = buf;
    this.flowControl().push(one);
    one[0] = EMPTY;
    this.#queueFlush();
    this.flowChanged();
  }

  /** @inheritDoc */
  writeLines(chunks: readonly (Uint8Array | string)[]): void {
    const bufs = chunks.map((c) => toBytes(c, 'writeLines')).filter((b) => b.length > 0);
    this.checkWritable('writeLines');
    if (bufs.length === 0) return;
    this.flowControl().push(bufs);
    this.#queueFlush();
    this.flowChanged();
  }

  /** Flushes, shuts down the write side, lingers for the peer's EOF (≤ `lingerMs`), closes. */
  override close(): void {
    if (this.state !== 'open') return;
    if (this.#eofPending) {
      // The peer's EOF already came (behind held bytes nobody will read now).
      this.#eofPending = false;
      this.eofReceived = true;
    }
    for (const h of this.#held) this.bytesDiscarded += h.length;
    this.#held = [];
    super.close();
  }

  /** @inheritDoc */
  override resumeReading(): void {
    if (this.state === 'open' && this.readPaused && (this.#held.length > 0 || this.#eofPending)) {
      this.loop.callSoon(this.#deliverHeld);
    }
    super.resumeReading();
  }

  // ── reading ───────────────────────────────────────────────────────────────────────────

  /** Submits or cancels the receive to match the state (as SocketTransport's reader). */
  protected updateReader(): void {
    const state = this.state;
    if (state === 'closed') return;
    // While bytes received during a pause are still held, no new receive: the kernel would read
    // ahead of the protocol by a socket buffer's worth per pause (docs/backends/io_uring.md).
    const want =
      !this.eofReceived &&
      !this.#eofPending &&
      (state === 'open' ? this.started && !this.readPaused && this.#held.length === 0 : true);
    if (want && this.#recvOp === 0) this.#recvOp = this.#cq.recv(this.fd, this.#onRecv, this);
    else if (!want && this.#recvOp !== 0) this.#cq.cancel(this.#recvOp);
  }

  #onRecv = (res: number, data: Buffer | null, more: boolean): void => {
    if (!more) this.#recvOp = 0;
    if (this.state === 'closed') return;
    this.readCalls++;
    if (res > 0 && data !== null) {
      if (this.state !== 'open') this.bytesDiscarded += res;
      else {
        this.bytesRead += res;
        // data is already a copy: the ring buffer goes back to the kernel after this call.
        if (this.readPaused || this.#held.length > 0) this.#held.push(data);
        else if (!this.#deliver(data)) return;
      }
    } else if (res === 0) {
      if (this.state === 'open' && (this.readPaused || this.#held.length > 0)) {
        this.#eofPending = true; // after the held bytes, once reading resumes
        return;
      }
      this.handleEof();
      return;
    } else if (res < 0 && res !== -ENOBUFS && res !== -ECANCELED) {
      this.fail(new OsError('recv', -res, `fd ${this.fdNumber}`));
      return;
    }
    if (!more) this.updateReader(); // ENOBUFS, a cancel, or the kernel ended it: again if wanted
  };

  #deliver(data: Buffer): boolean {
    try {
      this.protocol.dataReceived(data);
      return true;
    } catch (err) {
      this.protocolFailed(err, 'dataReceived');
      return false;
    }
  }

  #deliverHeld = (): void => {
    while (this.#held.length > 0 && this.state === 'open' && !this.readPaused) {
      if (!this.#deliver(this.#held.shift() as Buffer)) return;
    }
    if (this.#held.length > 0 || this.state !== 'open' || this.readPaused) return;
    if (this.#eofPending) {
      this.#eofPending = false;
      this.handleEof();
    } else this.updateReader(); // everything held is delivered: receive again
  };

  // ── writing ───────────────────────────────────────────────────────────────────────────

  #queueFlush(): void {
    if (this.#flushQueued || this.#sendOp !== 0) return;
    this.#flushQueued = true;
    this.#cq.beforeSubmit(this.#flushNow);
  }

  /** Runs just before the loop's next submission: everything written since, in one SEND. */
  #flushNow = (): void => {
    this.#flushQueued = false;
    const flow = this.flow;
    if (this.state === 'closed' || this.#sendOp !== 0 || flow === null || flow.buffered === 0) return;
    this.writeCalls++;
    this.#sendOp = this.#cq.send(this.fd, flow.chunks, 0, this.#onSent, this);
  };

  #onSent = (res: number): void => {
    this.#sendOp = 0;
    if (this.state === 'closed') return;
    if (res < 0) {
      this.fail(new OsError('send', -res, `fd ${this.fdNumber}`));
      return;
    }
    this.bytesWritten += res;
    const flow = this.flowControl(); // made by the write this SEND carries
    flow.consume(res);
    if (flow.buffered > 0) this.#queueFlush();
    else if (this.state === 'closing') {
      this.afterFlush();
      return;
    } else if (this.eofWritten && !this.shutDown) this.shutdownWrite();
    this.flowChanged();
  };

  // ── closing ───────────────────────────────────────────────────────────────────────────

  /** The SEND in flight, if any, ends the flush (it holds the bytes still counted as buffered). */
  protected override afterFlush(): void {
    if (this.#sendOp !== 0) return;
    super.afterFlush();
  }

  /** Cancels the requests in flight: one keeps the socket alive (docs/backends/io_uring.md). */
  protected releaseIo(_fd: number): void {
    if (this.#recvOp !== 0) this.#cq.cancel(this.#recvOp);
    if (this.#sendOp !== 0) this.#cq.cancel(this.#sendOp);
    this.#held = [];
  }
}
