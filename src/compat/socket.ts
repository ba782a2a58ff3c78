/**
 * `Socket`: a `stream.Duplex` with the surface of `net.Socket` that libraries use, whose bytes
 * move through an nbio {@link Transport} on an nbio `EventLoop` (never through Node's
 * `net`). See docs/styles/compat.md for the map of `net`'s names.
 *
 * ## How the stream meets the transport
 * The socket is the transport's Protocol (through a private adapter object):
 * - `dataReceived` → `push()`, with backpressure; `_write()`/`_writev()`/`_final()` go through
 *   a `SocketWriter`: both are the data path, {@link TransportDuplex} (transport-duplex.ts).
 * - `destroy()` → `abort()` (buffered bytes are dropped, as `net` drops them), or `close()`
 *   after a graceful `end()`; `'close'` (with `hadError`) follows once the descriptor is closed.
 * - The peer's end → `push(null)`; with `allowHalfOpen: false` (the default, as `net`) the
 *   stream then ends its own side, and the socket is destroyed once both sides are done.
 * - Transport errors arrive as {@link NetError}s shaped like Node's (`code: 'ECONNRESET'` …).
 *
 * Events are emitted from loop callbacks: a listener that throws becomes an uncaught exception
 * on the next Node tick (as under `net`; see rethrow.ts), and the loop goes on.
 *
 * The class chain: `Duplex` → `AddressedDuplex` (addresses, state, ref/unref) →
 * `SocketOptionsDuplex` (idle timeout, TCP_NODELAY, SO_KEEPALIVE) → {@link TransportDuplex}
 * (the transport, reading, writing) → `Socket` (connecting, attaching, closing). How the
 * server makes an accepted socket: socket-accept.ts.
 *
 * @module
 */
import { addAbortSignal } from 'node:stream';
import { InvalidArgumentError } from '../errors.ts';
import type { Protocol } from '../net/protocol.ts';
import type { Transport } from '../net/transport.ts';
import type { ConnectionState } from './addressed-duplex.ts';
import { counters } from './compat-stats.ts';
import { type ConnectOptions, normalizeConnectArgs, type SocketOptions } from './connect-args.ts';
import { resolveLoop } from './default-loop.ts';
import { checkDialTarget, Dial } from './dial.ts';
import { NetError, type NetErrorTarget, toNetError } from './net-error.ts';
import { checkNodeConnectOptions, checkNodeSocketOptions } from './node-errors.ts';
import { rethrowOutsideLoop } from './rethrow.ts';
import type { Server } from './server.ts';
import { type OnAccepted, registerAcceptFactory } from './socket-accept.ts';
import { checkWrapFd, wrapFd } from './socket-fd.ts';
import type { Callback } from './socket-writer.ts';
import { calledFromNodeTls, NbioTcpHandle } from './tcp-handle.ts';
import { TransportDuplex } from './transport-duplex.ts';

export type { AddressInfo, ConnectionState, ReadyState } from './addressed-duplex.ts';
export { type AcceptOptions, acceptedSocketProtocol, type OnAccepted } from './socket-accept.ts';

/** A `net.Socket`-compatible Duplex over an nbio transport; see the module comment. */
export class Socket extends TransportDuplex {
  /** The base class's idle timer, held here too: touched as the connection opens and closes. */
  readonly #timer = this._idleTimer;
  #dial: Dial | null = null;
  #connecting = false;
  /** `_handle`: from connect() (or the accept) until destroyed, as `net`'s. */
  #handle: NbioTcpHandle | null = null;
  #pauseOnConnect = false;
  #onAccepted: OnAccepted | null = null;
  /** Made with `{ fd }`: open from the start, no 'connect'. */
  #fromFd = false;
  /** The compat Server that accepted this socket (`net`'s `socket.server`); null for a client. */
  server: Server | null = null;
  /**
   * `net`'s `_parent`: the socket this one wraps, always null here. Node's TLS walks a wrapped
   * socket's `_parent` chain until null (its write timers), so it must be null, not absent.
   */
  readonly _parent: null = null;
  #destroyCb: Callback | null = null;
  /** resetAndDestroy(): the destroy resets the connection. */
  #resetting = false;
  #destroyErr: Error | null = null;

  readonly #protocol: Protocol = this.#newProtocol();

  /**
   * The transport's protocol: this socket's handlers. Methods, not arrow properties, here, in
   * #newHandle and in TransportDuplex's writer host: under tsx (esbuild's keepNames) each arrow
   * property costs a defineProperty per socket (~5% of a Connection: close request).
   */
  #newProtocol(): Protocol {
    const socket = this;
    return {
      connectionMade(t) {
        rethrowOutsideLoop(() => socket.#attach(t));
      },
      dataReceived(data) {
        rethrowOutsideLoop(() => socket._onData(data));
      },
      eofReceived() {
        rethrowOutsideLoop(() => {
          socket.push(null);
          // As net does: with nothing buffered, 'end' comes even if nobody reads the socket.
          socket.read(0);
        });
        return true; // the stream decides when to end our side (allowHalfOpen)
      },
      connectionLost(error) {
        rethrowOutsideLoop(() => socket.#onLost(error));
      },
      pauseWriting() {
        socket._writer.pause();
      },
      resumeWriting() {
        rethrowOutsideLoop(() => socket._writer.resume(socket.transport));
      },
    };
  }

  static {
    registerAcceptFactory((options, onConnection) => {
      const socket = new Socket(options);
      socket.#onAccepted = onConnection;
      socket.#pauseOnConnect = options.pauseOnConnect === true;
      socket._setKeepAliveDelaySec(options.keepAliveDelaySec ?? 0);
      return socket.#protocol;
    });
  }

  /**
   * A socket not yet connected (call `connect()`), on `options.loop` or the default loop; or,
   * with `fd` (or a number, `net`'s shorthand for `{ fd }`), a socket over that connected
   * stream socket, open at once (no `'connect'`, as `net`; `readable`/`writable: false` close
   * that side; the descriptor is closed when the socket is destroyed: socket-fd.ts).
   * @throws InvalidArgumentError NBIO_UNSUPPORTED for `handle` (a libuv handle) or a FIFO
   *   `fd`; InvalidArgumentError for a bad `loop`; TypeError `ERR_INVALID_ARG_VALUE` for an
   *   object mode, and `net`'s errors for a bad `fd` (`ERR_INVALID_ARG_TYPE`,
   *   `ERR_OUT_OF_RANGE`, `ERR_INVALID_FD_TYPE`: socket-fd.ts)
   */
  constructor(options: SocketOptions | number = {}) {
    if (typeof options === 'number') options = { fd: options };
    if (typeof options !== 'object' || options === null) {
      throw new InvalidArgumentError('new Socket(options) takes an options object (or nothing).');
    }
    checkNodeSocketOptions(options);
    if (options.handle !== undefined) {
      throw new InvalidArgumentError(
        'A compat Socket cannot wrap a libuv handle Node opened: use node:net for those, or connect() to open an nbio socket.',
        'NBIO_UNSUPPORTED',
      );
    }
    const fd = options.fd === undefined ? undefined : checkWrapFd(options.fd);
    const loop = resolveLoop(options.loop);
    super(
      {
        ...(fd === undefined ? {} : { readable: options.readable, writable: options.writable }),
        allowHalfOpen: options.allowHalfOpen === true,
        emitClose: false, // 'close' is emitted by hand, with hadError, once the fd is closed
        autoDestroy: true,
        decodeStrings: false, // as net: strings reach _write/_writev, encoded once (joinChunks)
        highWaterMark: options.highWaterMark,
        readableHighWaterMark: options.readableHighWaterMark,
        writableHighWaterMark: options.writableHighWaterMark,
      },
      loop,
      options,
    );
    counters.socketsCreated++;
    if (fd !== undefined) this.#wrap(fd, options.readable === false);
    // After the fields: an already-aborted signal destroys the socket right here.
    if (options.signal !== undefined) addAbortSignal(options.signal, this);
    this._watchPeerEnd();
  }

  // ── connecting ────────────────────────────────────────────────────────────────────────

  /**
   * Connects: `connect(options[, listener])`, `connect(port[, host][, listener])` or
   * `connect(path[, listener])`. `'connect'` (then `'ready'`) follows, or `'error'` and
   * `'close'`. Host names resolve with nbio's resolver, or with `options.lookup` when given
   * (then `'lookup'` is emitted, as `net` does).
   * @throws InvalidArgumentError for a bad port, host or family, or a socket already
   *   connecting, connected or destroyed; Node's TypeError for a bad `localAddress`/`localPort`
   */
  connect(options: ConnectOptions, listener?: () => void): this;
  connect(port: number | string, host?: string, listener?: () => void): this;
  connect(path: string, listener?: () => void): this;
  connect(...args: unknown[]): this {
    const [options, listener] = normalizeConnectArgs(args);
    checkNodeConnectOptions(options);
    // Destroyed by an aborted signal: its AbortError and 'close' are already on their way.
    if (this.destroyed && options.signal?.aborted === true) return this;
    if (this.destroyed && (this.transport === null || this._lost) && this.#destroyCb === null) {
      this.#reset(); // as net: a closed socket can connect again
    }
    if (this.#connecting || this.transport !== null || this.destroyed) {
      throw new InvalidArgumentError(
        `Cannot connect: this socket is already ${this.destroyed ? 'destroyed' : this.#connecting ? 'connecting' : 'connected'}. Make a new Socket for another connection.`,
      );
    }
    const target = checkDialTarget(options);
    this._recordConnectOptions(options);
    if (options.timeout !== undefined) this.setTimeout(options.timeout);
    if (listener !== undefined) this.once('connect', listener);
    counters.connectsStarted++;
    this.#connecting = true;
    this.#handle = this.#newHandle();
    // TCP_NODELAY is set as the transport is made; SO_KEEPALIVE through the handle once
    // connected (#attach), as net's afterConnect does.
    this.#dial = new Dial(
      this.loop,
      this.#protocol,
      target,
      { noDelay: this._noDelay },
      {
        lookup: (err, address, family, host) => {
          rethrowOutsideLoop(() => this.emit('lookup', err, address, family, host));
        },
        failed: (err) => {
          if (this.destroyed) return;
          this.#connecting = false;
          this.destroy(err);
        },
      },
    );
    return this;
  }

  /** `{ fd }`: the transport over it now (open at once, as net); #attach follows. */
  #wrap(fd: number, notReadable: boolean): void {
    this.#fromFd = true;
    this.#handle = this.#newHandle();
    const t = wrapFd(this.loop, fd, this.#protocol, this._noDelay);
    this._setTransport(t);
    this.#handle.attach(t);
    if (notReadable) this._holdReading(t);
  }

  #newHandle(): NbioTcpHandle {
    const socket = this;
    return new NbioTcpHandle(this, {
      start() {
        socket._read();
      },
      stop() {
        socket._stopReading();
      },
    });
  }

  /** Back to a fresh, unconnected socket (net's `_undestroy()` before a new connection). */
  #reset(): void {
    (this as unknown as { _undestroy(): void })._undestroy();
    this.#dial = null;
    this.#destroyErr = null;
    this.#resetting = false;
    this._resetTransport();
  }

  /** connectionMade: the transport is ours (a client that connected, or an accepted one). */
  #attach(t: Transport): void {
    this._setTransport(t);
    this.#connecting = false;
    counters.transportsAttached++;
    if (this.destroyed) {
      t.abort();
      return;
    }
    const handle = this.#handle ?? this.#newHandle();
    this.#handle = handle;
    handle.attach(t);
    if (!this.hasRef()) t.unref();
    this._onreadConnected();
    // As net: a socket paused before it connected (or pauseOnConnect) reads nothing until
    // resumed, so an idle paused socket holds nothing open.
    if (this.#pauseOnConnect || this.isPaused()) {
      this._holdReading(t);
      this.pause();
    }
    this.#timer.touch();
    const onAccepted = this.#onAccepted;
    if (onAccepted !== null) {
      this.#onAccepted = null;
      counters.connectionsAccepted++;
      onAccepted(this, handle);
      return;
    }
    if (this.#fromFd) {
      this._writer.flushQueued();
      return;
    }
    this._applyKeepAlive(handle);
    // As net: 'connect' listeners run before the writes queued while connecting go out (and
    // before their callbacks run).
    this.emit('connect');
    this.emit('ready');
    this._writer.flushQueued();
  }

  // ── closing ───────────────────────────────────────────────────────────────────────────

  /** @internal Duplex: destroy() — abort (or close after a graceful end), 'close' follows. */
  override _destroy(err: Error | null, cb: Callback): void {
    this.#handle = null; // as net: no handle once destroyed
    this.#timer.stop();
    this.#dial?.cancel();
    this.#connecting = false;
    this._writer.dropQueued(err); // written while connecting, never sent
    const t = this.transport;
    if (t === null || this._lost) {
      this.#closed(cb, err);
      return;
    }
    this.#destroyCb = cb;
    this.#destroyErr = err;
    if (this.#resetting) t.reset?.() ?? t.abort();
    else if (err === null && this._writer.finished) t.close();
    else t.abort();
  }

  /** connectionLost: the descriptor is closed. */
  #onLost(error: Error | undefined): void {
    this._markLost();
    this.#timer.stop();
    const netErr = error === undefined ? undefined : toNetError(error, this._errorTarget);
    const destroyCb = this.#destroyCb;
    if (destroyCb !== null) {
      this.#destroyCb = null;
      this._writer.lost(netErr, 'was destroyed');
      this.#closed(destroyCb, this.#destroyErr);
      return;
    }
    if (netErr !== undefined) {
      this.destroy(netErr);
      this._writer.lost(netErr);
      return;
    }
    this._writer.lost(undefined);
    if (!this.readableEnded) this.push(null);
    this.destroy();
  }

  #closed(cb: Callback, err: Error | null): void {
    cb(err);
    process.nextTick(() => this.emit('close', err !== null && err !== undefined));
  }

  /**
   * Resets the connection and destroys the socket (`net`'s `resetAndDestroy`): the transport's
   * `reset()` (SO_LINGER 0, then close: buffered bytes dropped, the peer gets an RST and
   * ECONNRESET). While connecting, once connected; never connected (or already closed):
   * `'error'` with `ERR_SOCKET_CLOSED`.
   */
  resetAndDestroy(): this {
    if (this.#connecting) {
      this.once('connect', () => {
        this.#resetting = true;
        this.destroy();
      });
    } else if (this.transport !== null && !this._lost) {
      this.#resetting = true;
      this.destroy();
    } else {
      this.destroy(new NetError('ERR_SOCKET_CLOSED', undefined, {}, { message: 'Socket is closed' }));
    }
    return this;
  }

  /** @internal SocketOptionsDuplex: the handle `setNoDelay`/`setKeepAlive` act through. */
  protected override _optionsHandle(): NbioTcpHandle | null {
    return this.#handle;
  }

  // ── state ─────────────────────────────────────────────────────────────────────────────

  /**
   * The socket's handle ({@link NbioTcpHandle}, tcp-handle.ts) from `connect()` (or the accept)
   * until it is destroyed, null otherwise, as `net`'s: `setNoDelay`, `setKeepAlive`,
   * `getsockname`, `getpeername`, `fd`, `ref`/`unref` on nbio's descriptor. Not a libuv
   * stream: to Node's TLS, which would wrap one natively, it reads null.
   */
  get _handle(): NbioTcpHandle | null {
    const handle = this.#handle;
    return handle === null || calledFromNodeTls(this) ? null : handle;
  }

  /**
   * The `address:port`s tried when `autoSelectFamily` (Happy Eyeballs) had several addresses
   * to try, in order (`net`'s name); undefined otherwise.
   */
  get autoSelectFamilyAttemptedAddresses(): string[] | undefined {
    return this.#dial?.attemptedAddresses;
  }

  /** Where the connection stands (`readyState`, `pending`, `bufferSize` read it). */
  get connectionState(): ConnectionState {
    if (!(#connecting in this)) return 'unconnected'; // the prototype itself, as net's getters
    if (this.#connecting) return 'connecting';
    if (this.transport === null) return 'unconnected';
    return this._lost ? 'closed' : 'open';
  }

  /** @internal TransportDuplex: where this socket connects, for the fields of its errors. */
  protected override get _errorTarget(): NetErrorTarget {
    return this.#dial?.target ?? {};
  }
}
