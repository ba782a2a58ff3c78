/**
 * `TransportDuplex`: the data path of the compat `Socket` (socket.ts) — the nbio transport it
 * is attached to, and how bytes cross between it and the stream:
 * - reading: `dataReceived` → `push()`; when `push()` returns false the transport stops reading
 *   (`pauseReading()`: the peer feels backpressure) until the stream asks again (`_read()` →
 *   `resumeReading()`); with `net`'s `onread` option the bytes go to its callback instead
 *   (socket-onread.ts), and `pause()`/`resume()`/`read()` stop and restart reading;
 * - writing: `_write()`/`_writev()`/`_final()` go through a {@link SocketWriter}
 *   (socket-writer.ts: writes queued while connecting, the transport's backpressure, `end()` →
 *   `writeEof()`);
 * - the peer's end without `allowHalfOpen`: a later `write()` fails with `EPIPE`, as `net`;
 *   `destroySoon()` ends the writable side, then destroys.
 *
 * The class chain: `Duplex` → `AddressedDuplex` → `SocketOptionsDuplex` → `TransportDuplex` →
 * `Socket`. This class owns the transport, whether it was lost, the read state and the
 * writer; the `Socket` connects, attaches and closes through its `@internal` methods.
 *
 * @module
 */
import type { DuplexOptions } from 'node:stream';
import type { EventLoop } from '../loop/event-loop.ts';
import type { Transport } from '../net/transport.ts';
import { counters } from './compat-stats.ts';
import type { SocketOptions } from './connect-args.ts';
import { NetError, type NetErrorTarget } from './net-error.ts';
import { rethrowOutsideLoop } from './rethrow.ts';
import { type OnRead, onReadFrom } from './socket-onread.ts';
import { SocketOptionsDuplex } from './socket-options-duplex.ts';
import { type Callback, joinChunks, queuedStreamBytes, SocketWriter } from './socket-writer.ts';

/** A Duplex whose bytes move through an nbio transport; see the module comment. */
export abstract class TransportDuplex extends SocketOptionsDuplex {
  readonly #loop: EventLoop;
  /** The base class's idle timer, held here too: touched per read and write. */
  readonly #timer = this._idleTimer;
  #transport: Transport | null = null;
  #lost = false;
  #readPaused = false;
  #writer = this.#newWriter();
  #bytesRead = 0;
  /** The peer's end came and allowHalfOpen is off (writes then fail with EPIPE, as net). */
  #endedByPeer = false;
  /** `net`'s `onread` option: bytes go to its callback, not to 'data' (socket-onread.ts). */
  readonly #onread: OnRead | null;

  /**
   * @param duplexOptions passed on to `Duplex`
   * @param loop the loop the socket runs on
   * @param options the socket's options (`onread` is read here, the TCP options by the base)
   */
  constructor(duplexOptions: DuplexOptions, loop: EventLoop, options: SocketOptions) {
    super(duplexOptions, loop, options);
    this.#loop = loop;
    this.#onread = onReadFrom(options.onread);
  }

  /** @internal Where the socket connects, for the fields of its errors. */
  protected abstract get _errorTarget(): NetErrorTarget;

  /** @internal The writer of the current connection (a reconnect makes a new one). */
  protected get _writer(): SocketWriter {
    return this.#writer;
  }

  /** @internal True once the transport reported `connectionLost` (its descriptor is closed). */
  protected get _lost(): boolean {
    return this.#lost;
  }

  /** @internal The transport is this socket's now (`{ fd }`, or connectionMade). */
  protected _setTransport(t: Transport): void {
    this.#transport = t;
  }

  /** @internal connectionLost: the descriptor is closed. */
  protected _markLost(): void {
    this.#lost = true;
  }

  /** @internal Attached: `onread` learns that the connection is open. */
  protected _onreadConnected(): void {
    this.#onread?.connected();
  }

  /** @internal Stops `t` reading (not readable, paused before connecting, pauseOnConnect). */
  protected _holdReading(t: Transport): void {
    this.#readPaused = true;
    t.pauseReading();
  }

  /** @internal The handle's `readStop()`: stops reading if open and reading. */
  protected _stopReading(): void {
    const t = this.#transport;
    if (t === null || this.#lost || this.#readPaused) return;
    this.#readPaused = true;
    t.pauseReading();
  }

  /** @internal Back to no transport, with fresh counters and writer (a new connection). */
  protected _resetTransport(): void {
    this.#transport = null;
    this.#lost = false;
    this.#readPaused = false;
    this.#bytesRead = 0;
    this.#writer = this.#newWriter();
    this._watchPeerEnd();
  }

  /** @internal Without allowHalfOpen, writes after the peer's end fail with EPIPE (see `write`). */
  protected _watchPeerEnd(): void {
    this.#endedByPeer = false;
    if (this.allowHalfOpen) return;
    this.once('end', () => {
      this.#endedByPeer = true;
    });
  }

  /**
   * `Duplex.write`, except after the peer ended a socket without `allowHalfOpen` (which then
   * ended its own side): as `net`, the callback and `'error'` get `EPIPE` ("This socket has
   * been ended by the other party") and the socket is destroyed.
   */
  override write(chunk: unknown, encoding?: BufferEncoding | Callback, cb?: Callback): boolean {
    if (!this.#endedByPeer || !this.writableEnded) {
      return super.write(chunk, encoding as BufferEncoding, cb as Callback);
    }
    const callback = typeof encoding === 'function' ? encoding : cb;
    const err = new NetError(
      'EPIPE',
      undefined,
      {},
      { message: 'This socket has been ended by the other party' },
    );
    if (typeof callback === 'function') process.nextTick(callback, err);
    this.destroy(err);
    return false;
  }

  #newWriter(): SocketWriter {
    const socket = this;
    return new SocketWriter({
      target() {
        const state = socket.connectionState;
        return state === 'open' ? (socket.#transport ?? 'closed') : state;
      },
      touch() {
        socket.#timer.touch();
      },
      errorTarget() {
        return socket._errorTarget;
      },
    });
  }

  // ── reading ───────────────────────────────────────────────────────────────────────────

  /** @internal dataReceived: the bytes go to the stream (or `onread`). */
  protected _onData(data: Buffer): void {
    this.#bytesRead += data.length;
    counters.bytesRead += data.length;
    this.#timer.touch();
    if (this.#onread !== null) {
      this.#deliverOnRead(this.#onread, data);
      return;
    }
    if (!this.push(data) && !this.#readPaused && this.#transport !== null) {
      this.#readPaused = true;
      this.#transport.pauseReading();
    }
  }

  /** `onread`: into the user's buffer; a callback returning false stops reading (as net). */
  #deliverOnRead(onread: OnRead, data: Buffer | null): void {
    if (this.#readPaused && data !== null) {
      onread.keep(data);
      return;
    }
    const result = onread.deliver(data, () => this.destroyed);
    if (result instanceof Error) {
      this.destroy(result);
    } else if (this.#transport !== null && !this.#lost) {
      if (!result && !this.#readPaused) {
        this.#readPaused = true;
        this.#transport.pauseReading();
      } else if (result && data === null) this.#transport.resumeReading();
    }
  }

  /**
   * With `onread`, (re)starts reading stopped by `pause()` or by a callback that returned
   * false, as `net`'s `resume()`/`read()`/`_read()` do; bytes kept from the stopped chunk are
   * delivered first, from a loop callback.
   */
  #resumeOnRead(): void {
    const t = this.#transport;
    const onread = this.#onread;
    if (onread === null || t === null || this.#lost || !this.#readPaused) return;
    this.#readPaused = false;
    if (!onread.hasPending) {
      t.resumeReading();
      return;
    }
    this.#loop.callSoon(() => {
      if (this.#readPaused || this.#lost || this.destroyed) return;
      rethrowOutsideLoop(() => this.#deliverOnRead(onread, null));
    });
  }

  /** `Duplex.pause`; with `onread`, it also stops reading (as `net`). */
  override pause(): this {
    const t = this.#transport;
    if (this.#onread !== null && t !== null && !this.#lost && !this.#readPaused) {
      this.#readPaused = true;
      t.pauseReading();
    }
    return super.pause();
  }

  /** `Duplex.resume`; with `onread`, it also restarts reading (as `net`). */
  override resume(): this {
    if (this.#onread !== null) this.#resumeOnRead();
    return super.resume();
  }

  /** `Duplex.read`; with `onread`, it also restarts reading (as `net`). */
  override read(size?: number): unknown {
    if (this.#onread !== null) this.#resumeOnRead();
    return super.read(size);
  }

  /** @internal Duplex: the consumer wants more; resume reading if push() had paused it. */
  override _read(): void {
    if (this.#onread !== null) {
      this.#resumeOnRead();
      return;
    }
    const t = this.#transport;
    if (this.#readPaused && t !== null && !this.#lost) {
      this.#readPaused = false;
      t.resumeReading();
    }
  }

  // ── writing ───────────────────────────────────────────────────────────────────────────

  /** @internal Duplex: one chunk (see socket-writer.ts). */
  override _write(chunk: Buffer | string, encoding: BufferEncoding, cb: Callback): void {
    this.#writer.send([typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk], cb);
  }

  /**
   * @internal Duplex: several chunks buffered while a write was pending or corked (Node's
   * `http` writes a response as 2–5 chunks): small ones go as one buffer (joinChunks).
   */
  override _writev(chunks: { chunk: Buffer | string; encoding: BufferEncoding }[], cb: Callback): void {
    this.#writer.send(joinChunks(chunks), cb);
  }

  /** @internal Duplex: end() — shut down the write side once the buffer is flushed. */
  override _final(cb: Callback): void {
    this.#writer.final(cb);
  }

  /** Ends the writable side and destroys the socket once it finished (`net`'s `destroySoon`). */
  destroySoon(): void {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once('finish', () => this.destroy());
  }

  // ── state ─────────────────────────────────────────────────────────────────────────────

  /** The nbio loop this socket runs on. */
  get loop(): EventLoop {
    return this.#loop;
  }

  /** The nbio transport carrying the bytes (null before connecting); its `stats()` count them. */
  get transport(): Transport | null {
    return this.#transport;
  }

  /** Bytes received. */
  get bytesRead(): number {
    return this.#bytesRead;
  }

  /**
   * Bytes written: handed to the transport (sent, or in its buffer), plus those still queued
   * in the stream or waiting for the connection, as `net` counts them. Undefined on the
   * prototype itself (as `net.Socket.prototype.bytesWritten`).
   */
  get bytesWritten(): number | undefined {
    if (!(#bytesRead in this)) return undefined;
    return this.#writer.bytesWritten + queuedStreamBytes(this);
  }
}
