/**
 * `createServer` / `Server`: a `net.Server`-compatible EventEmitter over an nbio listening
 * socket (src/net/listener.ts) on an nbio loop. Each accepted connection becomes a compat
 * {@link Socket} and is announced with `'connection'`.
 *
 * Differences from `net` (documented in docs/styles/compat.md):
 * - `listen()` without a host binds **127.0.0.1** (nbio's rule: reaching the network is a choice
 *   made by passing `'0.0.0.0'` or `'::'`), and the host must be an IP literal or `'localhost'`
 *   (binding is synchronous in nbio: resolve names first).
 * - `maxConnections` and cluster sharing are not offered.
 *
 * To serve with Node's `http` (or any server that takes sockets), emit the compat server's
 * connections into it: `nbioServer.on('connection', (s) => httpServer.emit('connection', s))`.
 *
 * @module
 */
import { EventEmitter } from 'node:events';
import { chmodSync, fstatSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { InvalidArgumentError } from '../errors.ts';
import type { EventLoop } from '../loop/event-loop.ts';
import { createServer as createNbioServer, type Server as NbioServer } from '../net/listener.ts';
import type { Protocol } from '../net/protocol.ts';
import { OsError } from '../sys/errno.ts';
import {
  type Listener,
  type ListenOptions,
  normalizeListenArgs,
  type SocketOptions,
  toPort,
} from './connect-args.ts';
import { connectionDropper } from './connection-dropper.ts';
import { resolveLoop } from './default-loop.ts';
import { NetError, toNetError } from './net-error.ts';
import { invalidArgType } from './node-errors.ts';
import { type AddressInfo, acceptedSocketProtocol, type Socket } from './socket.ts';
import {
  keepAliveSeconds,
  NbioServerHandle,
  type NbioTcpHandle,
  type ServerHandleOwner,
} from './tcp-handle.ts';

/** Options of {@link createServer}. */
export interface ServerOptions {
  /** The nbio loop to run on; default: the compat default loop. */
  loop?: EventLoop;
  /** Keep accepted sockets writable after the peer's end (default false). */
  allowHalfOpen?: boolean;
  /** Accepted sockets do not read until resumed (`net`'s `pauseOnConnect`). */
  pauseOnConnect?: boolean;
  /** TCP_NODELAY on accepted sockets; default true (nbio's default). */
  noDelay?: boolean;
  /** SO_KEEPALIVE on accepted sockets. */
  keepAlive?: boolean;
  /** The keep-alive delay (ms) given to accepted sockets' handles, in seconds (the system's timing applies). */
  keepAliveInitialDelay?: number;
  /** The accepted sockets' stream high water mark. */
  highWaterMark?: number;
}

/** A `'connection'` listener. */
export type ConnectionListener = (socket: Socket) => void;

/**
 * Creates a compat server: `createServer([options][, connectionListener])`.
 * @example
 * const server = createServer((socket) => socket.pipe(socket)); // echo
 * server.listen(0, '127.0.0.1', () => console.log(server.address()));
 */
export function createServer(
  options?: ServerOptions | ConnectionListener,
  listener?: ConnectionListener,
): Server {
  return new Server(options, listener);
}

/** A `net.Server`-compatible server on an nbio listening socket; see the module comment. */
export class Server extends EventEmitter {
  readonly #loop: EventLoop;
  readonly #socketOptions: SocketOptions & { pauseOnConnect?: boolean | undefined };
  readonly #connections = new Set<Socket>();
  #nbio: NbioServer | null = null;
  #handle: NbioServerHandle | null = null;
  #closing = false;
  #refed = true;
  /**
   * TCP_NODELAY on accepted sockets, through their handle (`net`'s `server.noDelay`, read at
   * each accept); default true (nbio's default; `net`'s is false).
   */
  noDelay: boolean;
  /** SO_KEEPALIVE on accepted sockets, through their handle (`net`'s `server.keepAlive`). */
  keepAlive: boolean;
  /** The delay passed with it, in seconds: `~~(keepAliveInitialDelay / 1000)`, as `net`. */
  keepAliveInitialDelay: number;

  /**
   * `new Server([options][, connectionListener])`, as `net.Server`.
   * @throws InvalidArgumentError for a bad `loop` or a listener that is not a function
   */
  constructor(options?: ServerOptions | ConnectionListener, listener?: ConnectionListener) {
    super();
    const opts: ServerOptions = typeof options === 'object' && options !== null ? options : {};
    const cb = typeof options === 'function' ? options : listener;
    if (cb !== undefined && typeof cb !== 'function') {
      throw new InvalidArgumentError('The connection listener must be a function.');
    }
    this.#loop = resolveLoop(opts.loop);
    this.#socketOptions = {
      loop: this.#loop,
      allowHalfOpen: opts.allowHalfOpen,
      pauseOnConnect: opts.pauseOnConnect,
      highWaterMark: opts.highWaterMark,
    };
    this.noDelay = opts.noDelay === undefined ? true : Boolean(opts.noDelay);
    this.keepAlive = Boolean(opts.keepAlive);
    this.keepAliveInitialDelay = keepAliveSeconds(opts.keepAliveInitialDelay);
    if (cb !== undefined) this.on('connection', cb);
  }

  /**
   * Starts listening: `listen(port[, host][, backlog][, cb])`, `listen(path[, backlog][, cb])`,
   * `listen(options[, cb])`. Binding is synchronous; `'listening'` (and `cb`) follow on the
   * next tick. A taken address emits `'error'` with `code: 'EADDRINUSE'` (the nbio
   * AddressInUseError is its `cause`), as `net` does.
   * @throws InvalidArgumentError for a bad port/host/path, or when already listening
   */
  listen(port?: number | string, host?: string, backlog?: number, listener?: Listener): this;
  listen(port?: number | string, host?: string, listener?: Listener): this;
  listen(port?: number | string, listener?: Listener): this;
  listen(path: string, listener?: Listener): this;
  listen(options: ListenOptions, listener?: Listener): this;
  listen(listener?: Listener): this;
  listen(...args: unknown[]): this {
    const [options, listener] = normalizeListenArgs(args);
    const { signal } = options;
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw invalidArgType('options.signal', 'an instance of AbortSignal', signal);
    }
    if (this.#nbio !== null) {
      throw new NetError(
        'ERR_SERVER_ALREADY_LISTEN',
        undefined,
        {},
        {
          message: 'Listen method has been called more than once without closing.',
          cause: new InvalidArgumentError('Cannot listen: this server is already listening. Close it first.'),
        },
      );
    }
    const path = options.path ?? undefined;
    const target =
      path !== undefined
        ? { path }
        : { host: options.host ?? undefined, port: toPort(options.port ?? 0, 'listen') };
    if (listener !== undefined) this.once('listening', listener);
    this.#closing = false;
    if (options.fd !== undefined || options.handle !== undefined) {
      const err = descriptorListenError(options.fd);
      process.nextTick(() => this.emit('error', err));
      return this;
    }
    try {
      this.#nbio = createNbioServer(this.#loop, this.#accept, {
        ...target,
        ipv6Only: options.ipv6Only === true,
        backlog: options.backlog,
        noDelay: this.noDelay, // SO_KEEPALIVE goes through the client handle (#announce)
      });
      this.#handle = new NbioServerHandle(this.#handleOwner);
      if (!this.#refed) this.#nbio.unref();
    } catch (err) {
      const os = err instanceof Error && err.cause instanceof OsError ? err.cause : null;
      // A bad argument throws; an address this machine does not have is the system's answer
      // (EADDRNOTAVAIL), an 'error' event as in net.
      if (err instanceof InvalidArgumentError && os === null) throw err;
      const where =
        path !== undefined ? { path } : { address: target.host ?? '127.0.0.1', port: target.port };
      const netErr =
        os !== null && os.code === 'EADDRNOTAVAIL'
          ? new NetError(os.code, 'listen', where, { cause: err, errno: os.errno })
          : toNetError(err, where);
      process.nextTick(() => this.emit('error', netErr));
      return this;
    }
    if (path !== undefined) openToAll(path, options);
    if (signal !== undefined) this.#closeOnAbort(signal); // an aborted one: before 'listening'
    process.nextTick(() => {
      if (this.#nbio !== null) this.emit('listening');
    });
    return this;
  }

  /** `listen({ signal })`: aborting closes the server (already aborted: on the next tick). */
  #closeOnAbort(signal: AbortSignal): void {
    const nbio = this.#nbio;
    const onAbort = () => {
      if (this.#nbio === nbio) this.close();
    };
    if (signal.aborted) process.nextTick(onAbort);
    else signal.addEventListener('abort', onAbort, { once: true });
  }

  /**
   * `net`'s `maxConnections`: with this many connections open, a new one is closed at once
   * and `'drop'` is emitted (with its addresses). Undefined: no limit.
   */
  maxConnections: number | undefined = undefined;

  #accept = (): Protocol => {
    const max = this.maxConnections;
    if (max !== undefined && max !== null && this.#connections.size >= max) return this.#dropper;
    return this.#acceptSocket();
  };

  /** Over maxConnections: the connection is closed at once; 'drop' tells whose it was. */
  readonly #dropper: Protocol = connectionDropper(this);

  #acceptSocket = () =>
    acceptedSocketProtocol(
      {
        ...this.#socketOptions,
        noDelay: this.noDelay,
        keepAlive: this.keepAlive,
        keepAliveDelaySec: this.keepAlive ? this.keepAliveInitialDelay : 0,
      },
      this.#onAccepted,
    );

  /** The accepted socket is attached: through `_handle.onconnection`, as libuv calls Node. */
  #onAccepted = (_socket: Socket, clientHandle: NbioTcpHandle): void => {
    const handle = this.#handle;
    if (handle !== null) handle.onconnection(null, clientHandle);
    else this.#announce(null, clientHandle); // closed since the accept: announced all the same
  };

  /** The default `onconnection`: the server's settings through the client handle, then `'connection'`. */
  #announce(err: Error | null, clientHandle: NbioTcpHandle | undefined): void {
    if (err !== null && err !== undefined) {
      this.emit('error', err);
      return;
    }
    if (clientHandle === undefined) return;
    const socket = clientHandle.owner as Socket;
    if (this.noDelay) clientHandle.setNoDelay(true);
    if (this.keepAlive) clientHandle.setKeepAlive(true, this.keepAliveInitialDelay);
    this.#connections.add(socket);
    socket.server = this;
    socket.once('close', () => {
      this.#connections.delete(socket);
      this.#maybeClosed();
    });
    this.emit('connection', socket);
  }

  readonly #handleOwner: ServerHandleOwner = {
    announce: (err, clientHandle) => this.#announce(err, clientHandle),
    listeningAddress: () => this.#nbio?.address() ?? null,
    listeningFd: () => this.#nbio?.stats().fd ?? -1,
    ref: () => this.ref(),
    unref: () => this.unref(),
    hasRef: () => this.#refed,
  };

  /**
   * The server's handle ({@link NbioServerHandle}, tcp-handle.ts) while listening, null
   * otherwise, as `net`'s: its `onconnection(err, clientHandle)` is called for each accepted
   * connection (replace it to watch them, as Node's tests do), `getsockname`, `fd`, `ref`/`unref`.
   */
  get _handle(): NbioServerHandle | null {
    return this.#handle;
  }

  /** True while listening. */
  get listening(): boolean {
    return this.#nbio !== null;
  }

  /** The nbio server underneath (its `stats()` count accepted connections), or null. */
  get nbioServer(): NbioServer | null {
    return this.#nbio;
  }

  /** The nbio loop this server runs on. */
  get loop(): EventLoop {
    return this.#loop;
  }

  /** `{ address, family, port }`, the path for a Unix socket, or null when not listening. */
  address(): AddressInfo | string | null {
    const a = this.#nbio?.address();
    if (a === undefined) return null;
    if (a.family === 'unix') return a.path;
    return { address: a.address, family: a.family === 'ipv4' ? 'IPv4' : 'IPv6', port: a.port };
  }

  /**
   * Stops accepting; `'close'` (and `cb()`) follow once every accepted connection has closed,
   * as in `net`. Not listening: `cb` gets an error with `code: 'ERR_SERVER_NOT_RUNNING'`. A
   * `cb` that is not a function is ignored, as `net` ignores it.
   */
  close(callback?: (err?: Error) => void): this {
    const cb = typeof callback === 'function' ? callback : undefined; // as net: others ignored
    if (this.#nbio === null) {
      if (cb !== undefined) {
        const err = new NetError(
          'ERR_SERVER_NOT_RUNNING',
          undefined,
          {},
          { message: 'Server is not running.' },
        );
        process.nextTick(cb, err);
      }
      return this;
    }
    if (cb !== undefined) this.once('close', () => cb());
    this.#nbio.close();
    this.#nbio = null;
    this.#handle = null;
    this.#closing = true;
    this.#maybeClosed();
    return this;
  }

  /** Calls `cb(null, count)` with the number of open accepted connections. */
  getConnections(cb: (err: Error | null, count: number) => void): this {
    const n = this.#connections.size;
    process.nextTick(cb, null, n);
    return this;
  }

  /** Undoes `unref()`. */
  ref(): this {
    this.#refed = true;
    this.#nbio?.ref();
    return this;
  }

  /**
   * Lets the process exit while this server listens, as `net`'s `server.unref()` (the nbio
   * server's `unref()`; before `listen()`, it applies once listening). Accepted sockets are
   * not affected.
   */
  unref(): this {
    this.#refed = false;
    this.#nbio?.unref();
    return this;
  }

  #maybeClosed(): void {
    if (!this.#closing || this.#connections.size > 0) return;
    this.#closing = false;
    process.nextTick(() => this.emit('close'));
  }
}

/**
 * `listen({ path, readableAll, writableAll })`: the socket file's read (write) bits for user,
 * group and others are added, as `net` does.
 */
function openToAll(path: string, options: ListenOptions): void {
  const readable = options.readableAll === true ? 0o444 : 0;
  const writable = options.writableAll === true ? 0o222 : 0;
  if (readable + writable === 0) return;
  chmodSync(path, statSync(path).mode | readable | writable);
}

/**
 * `listen({ fd })` / `listen(handle)`: nbio listens only on sockets it opens. A descriptor that
 * is no socket gets `ENOTSOCK` as from `net`; any other, an error saying so.
 */
function descriptorListenError(fd: unknown): Error {
  const cause = new InvalidArgumentError(
    'nbio cannot listen on a descriptor or handle it did not open: listen on a port or a path instead.',
    'NBIO_UNSUPPORTED',
  );
  let isSocket = false;
  try {
    isSocket = typeof fd === 'number' && fstatSync(fd).isSocket();
  } catch {
    // not an open descriptor: reported as not a socket
  }
  if (!isSocket) return new NetError('ENOTSOCK', 'listen', {}, { cause, errno: constants.errno.ENOTSOCK });
  return cause;
}
