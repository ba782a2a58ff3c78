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
 * non-empty a writer is registered; it flushes with `writev()` (or `send()` for one chunk, or
 * for several totalling at most {@link SMALL_VECTOR_BYTES}, copied into a scratch buffer first).
 * Strings, and `writeLines()` of at most that many bytes, are encoded (copied) into the same
 * scratch buffer and sent with one `send()` when nothing is queued: no Buffer is made for them;
 * if the kernel takes only part, the rest (under SMALL_VECTOR_BYTES) is copied out and queued.
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
import type { EventLoop } from '../loop/event-loop.ts';
import { OsError } from '../sys/errno.ts';
import { WOULD_BLOCK, writev } from '../sys/fd.ts';
import { recv, send } from '../sys/socket.ts';
import type { Protocol } from './protocol.ts';
import { copyRead } from './read-slab.ts';
import { StreamTransportCore } from './stream-transport-core.ts';
import { type StreamTransportOptions, toBytes } from './stream-transport-options.ts';
import { transportLabel } from './transport-label.ts';

export { DEFAULT_LINGER_MS, type SocketTransportStats } from './stream-transport-options.ts';

/** Size of the one read buffer all transports share (data is copied out before delivery, or lent: see Protocol.copiesData). */
export const READ_BUFFER_SIZE = 64 * 1024;

/**
 * At most this many `recv()` calls per readable event. A socket that keeps receiving could
 * otherwise hold the loop for as long as its peer sends; after 16 × 64 KiB = 1 MiB the loop
 * moves on to other descriptors and timers, and the level-triggered selector reports the
 * socket again on the next iteration. 1 MiB per turn still amortises the wake-up cost.
 */
export const MAX_READS_PER_EVENT = 16;

const readBuffer = Buffer.allocUnsafe(READ_BUFFER_SIZE);
/**
 * The last view of {@link readBuffer} lent to a protocol (Protocol.copiesData), reused while
 * reads have the same length (a client repeating one request): no Buffer object made per read.
 */
let lentView = readBuffer.subarray(0, 0);

/**
 * Several buffers totalling at most this many bytes are copied into one scratch buffer and
 * sent with one `send()` instead of a `writev()`: koffi builds writev's iovec array from JS
 * objects, which costs more than the copy up to a few tens of KiB (issue 10; measured in
 * bench/write-vector.ts).
 */
export const SMALL_VECTOR_BYTES = 32 * 1024;

/** Where a small vector is gathered for its one `send()` (shared: used within one call). */
const scratch = Buffer.allocUnsafe(SMALL_VECTOR_BYTES);

/**
 * Copies `bufs` into {@link scratch} when they total at most {@link SMALL_VECTOR_BYTES}, and
 * returns that total; 0 when they are larger (stops counting at the limit). The caller queues
 * what the kernel did not take from `bufs` themselves, so nothing refers to the scratch later.
 */
function gatherSmall(bufs: readonly Uint8Array[]): number {
  let total = 0;
  for (let i = 0; i < bufs.length; i++) {
    total += bufs[i]!.length; // i < length
    if (total > SMALL_VECTOR_BYTES) return 0;
  }
  let at = 0;
  for (let i = 0; i < bufs.length; i++) {
    const b = bufs[i]!; // i < length
    scratch.set(b, at);
    at += b.length;
  }
  return total;
}

/** The longest string encoded straight into the scratch buffer (UTF-8: at most 3 bytes a code unit). */
const MAX_SCRATCH_CHARS = Math.floor(SMALL_VECTOR_BYTES / 3);

/**
 * Encodes or copies `chunks` (strings as UTF-8) one after another into {@link scratch} and
 * returns the length; −1 when they might not fit (counting 3 bytes per character of a string)
 * or one is neither a string nor bytes — then the caller takes the general path, which throws
 * for the latter.
 */
function gatherLines(chunks: readonly (Uint8Array | string)[]): number {
  let at = 0;
  for (let i = 0; i < chunks.length; i++) {
    const c = chunks[i];
    if (typeof c === 'string') {
      if (c.length * 3 > SMALL_VECTOR_BYTES - at) return -1;
      at += scratch.write(c, at);
    } else if (c instanceof Uint8Array) {
      if (c.length > SMALL_VECTOR_BYTES - at) return -1;
      scratch.set(c, at);
      at += c.length;
    } else return -1;
  }
  return at;
}

/** Options for {@link SocketTransport}. */
export interface SocketTransportOptions extends StreamTransportOptions {
  /** Called once, synchronously, right after the descriptor was closed (servers count with it). */
  onClosed?: (transport: SocketTransport) => void;
}

/**
 * A connected stream socket as a Transport, moving bytes with `recv`/`send`/`writev` when the
 * selector reports readiness; the shared state machine is {@link StreamTransportCore}'s.
 */
export class SocketTransport extends StreamTransportCore {
  #readerAdded = false;
  #writerAdded = false;
  #label: string | null = null;

  /**
   * Takes ownership of `fd` (a connected, non-blocking stream socket) when it returns; if it
   * throws, the caller still owns the fd. `protocol.connectionMade(this)` follows on the next
   * loop turn, then reading starts (unless paused from inside connectionMade).
   * @throws InvalidArgumentError for a negative fd, bad water marks or a bad `lingerMs`;
   *   OsError when `fd` is not a socket; ClosedResourceError when the loop is closed
   */
  constructor(loop: EventLoop, fd: number, protocol: Protocol, options: SocketTransportOptions = {}) {
    super(loop, fd, protocol, options, options.onClosed);
  }

  // ── Transport ─────────────────────────────────────────────────────────────────────────

  /** @inheritDoc */
  write(data: Uint8Array | string): void {
    const flow = this.flow; // null until something was buffered: the hot path's one check
    const empty = flow === null || flow.buffered === 0;
    if (typeof data === 'string' && empty && data.length <= MAX_SCRATCH_CHARS) {
      // A string (a response head and body, often): encoded into the scratch buffer, no Buffer made.
      this.checkWritable('write');
      if (data.length > 0) this.#sendScratch(scratch.write(data, 0));
      return;
    }
    const buf = toBytes(data, 'write');
    this.checkWritable('write');
    if (buf.length === 0) return;
    if (empty) {
      // The hot path (a request answered in one write): one send(), no array, no copy.
      const n = this.#sendNow(buf);
      if (n < 0 || n === buf.length) return;
      this.#addWriter();
      if (this.state === 'closed') return;
      this.flowControl().push([buf], 0, n);
      this.flowChanged();
      return;
    }
    this.#send([buf]);
  }

  /** @inheritDoc */
  writeLines(chunks: readonly (Uint8Array | string)[]): void {
    if (this.flow === null || this.flow.buffered === 0) {
      const length = gatherLines(chunks);
      if (length >= 0) {
        this.checkWritable('writeLines');
        if (length > 0) this.#sendScratch(length);
        return;
      }
    }
    const bufs = chunks.map((c) => toBytes(c, 'writeLines')).filter((b) => b.length > 0);
    this.checkWritable('writeLines');
    if (bufs.length > 0) this.#send(bufs);
  }

  /**
   * `"transport 127.0.0.1:5123→:7000"` (peer → local port): how the flight recorder and the
   * watchdog name this connection's descriptor. Computed on first use.
   */
  get label(): string {
    if (this.#label === null) this.#label = transportLabel(this);
    return this.#label;
  }

  // ── reading ───────────────────────────────────────────────────────────────────────────

  /** Registers or removes the loop reader to match the state (see the base's contract). */
  protected updateReader(): void {
    const state = this.state;
    const want =
      !this.eofReceived && (state === 'open' ? this.started && !this.readPaused : state !== 'closed');
    if (want === this.#readerAdded) return;
    if (want) {
      try {
        this.loop.addReader(this.fd, this.#onReadable, this);
      } catch (err) {
        this.finish(err as Error); // e.g. select's FD_SETSIZE: this connection cannot be served
        return;
      }
    } else this.loop.removeReader(this.fd, state === 'open'); // a pause: lazy (no syscall if resumed before the wait)
    this.#readerAdded = want;
  }

  /** The loop's reader: one method for all transports, called with the transport as `this`. */
  #onReadable(): void {
    for (let i = 0; i < MAX_READS_PER_EVENT; i++) {
      // dataReceived may have paused reading or closed the transport.
      if (!this.#readerAdded || this.state === 'closed') return;
      let n: number;
      try {
        n = recv(this.fd, readBuffer);
      } catch (err) {
        this.readCalls++;
        this.fail(err);
        return;
      }
      this.readCalls++;
      if (n === WOULD_BLOCK) return;
      if (n === 0) {
        // A userspace kqueue may have read (and so cleared) SO_ERROR to report a reset: then
        // this is the reset, not the peer's EOF (see Selector.takeSocketError).
        const soError = this.loop.selector.takeSocketError?.(this.fd) ?? 0;
        if (soError !== 0) this.fail(new OsError('recv', soError));
        else {
          this.eofReceived = true;
          this.updateReader();
          this.handleEof();
        }
        return;
      }
      if (this.state !== 'open') {
        // close() was called: nobody reads these bytes, but they must leave the kernel's
        // receive queue, or closing the fd would reset the connection.
        this.bytesDiscarded += n;
        if (n < READ_BUFFER_SIZE) return;
        continue;
      }
      this.bytesRead += n;
      const protocol = this.protocol;
      let data: Buffer;
      if (protocol.copiesData === true) {
        // Lent, valid during the call only: see Protocol.copiesData.
        if (lentView.length !== n) lentView = readBuffer.subarray(0, n);
        data = lentView;
      } else {
        // A copy the protocol may keep: a large read in a view of the shared slab, a small one
        // from Node's pool (read-slab.ts: no fresh malloc and page faults per large read).
        data = copyRead(readBuffer, n);
      }
      try {
        protocol.dataReceived(data);
      } catch (err) {
        this.protocolFailed(err, 'dataReceived');
        return;
      }
      // A short read drained the kernel buffer: the next recv would only say EAGAIN, and any
      // bytes arriving later make the (level-triggered) selector report the socket again.
      if (n < READ_BUFFER_SIZE) return;
    }
  }

  // ── writing ───────────────────────────────────────────────────────────────────────────

  /** Sends what the socket takes now (only when nothing is queued), queues the rest by reference (not copied: see `write`). */
  #send(bufs: Uint8Array[]): void {
    let first = 0;
    let n = 0;
    if (this.flow === null || this.flow.buffered === 0) {
      n = this.#sendNow(bufs);
      if (n < 0) return;
      while (first < bufs.length && n >= bufs[first]!.length) n -= bufs[first++]!.length; // first < length
      if (first === bufs.length) return;
      this.#addWriter();
      if (this.state === 'closed') return;
    }
    this.flowControl().push(bufs, first, n);
    this.flowChanged();
  }

  /**
   * Sends the first `length` bytes of the scratch buffer (nothing is queued): what the kernel
   * does not take is copied out of the scratch and queued (at most SMALL_VECTOR_BYTES, once:
   * later writes queue by reference behind it).
   */
  #sendScratch(length: number): void {
    const n = this.#sendNow(scratch, length);
    if (n < 0 || n === length) return;
    const rest = Buffer.from(scratch.subarray(n, length));
    this.#addWriter();
    if (this.state === 'closed') return;
    this.flowControl().push([rest], 0, 0);
    this.flowChanged();
  }

  /**
   * One send() (one buffer, or a small vector gathered into the scratch buffer) or writev():
   * bytes taken (0 on would-block), or −1 after a failure.
   */
  #sendNow(bufs: readonly Uint8Array[] | Uint8Array, length = -1): number {
    let n: number;
    this.writeCalls++;
    try {
      if (bufs instanceof Uint8Array) n = length < 0 ? send(this.fd, bufs) : send(this.fd, bufs, 0, length);
      else if (bufs.length === 1) n = send(this.fd, bufs[0]!);
      else {
        const small = gatherSmall(bufs);
        n = small > 0 ? send(this.fd, scratch, 0, small) : writev(this.fd, bufs);
      }
    } catch (err) {
      this.fail(err);
      return -1;
    }
    if (n === WOULD_BLOCK) return 0;
    this.bytesWritten += n;
    return n;
  }

  #addWriter(): void {
    if (this.#writerAdded) return;
    try {
      this.loop.addWriter(this.fd, this.#onWritable, this);
    } catch (err) {
      this.finish(err as Error);
      return;
    }
    this.#writerAdded = true;
  }

  /** The loop's writer: as `#onReadable`, shared, with the transport as `this`. */
  #onWritable(): void {
    if (this.state === 'closed') return;
    const flow = this.flowControl(); // made by the write that added this writer
    if (flow.buffered > 0) {
      const n = this.#sendNow(flow.chunks);
      if (n <= 0) return;
      flow.consume(n);
    }
    if (flow.buffered === 0) {
      // Lazy: a write that queues again before the next wait re-adds it without a syscall.
      this.loop.removeWriter(this.fd, true);
      this.#writerAdded = false;
      if (this.state === 'closing') {
        this.afterFlush();
        return;
      }
      if (this.eofWritten && !this.shutDown) this.shutdownWrite();
    }
    this.flowChanged();
  }

  // ── closing ───────────────────────────────────────────────────────────────────────────

  /**
   * Removes the reader and writer before the base closes `fd`: eagerly, always (a lazy removal
   * made earlier is applied now, so no closed fd stays in the selector).
   */
  protected releaseIo(fd: number): void {
    this.loop.removeReader(fd);
    this.loop.removeWriter(fd);
    this.#readerAdded = this.#writerAdded = false;
  }
}
