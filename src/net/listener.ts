/**
 * `Server`: a listening stream socket (TCP over IPv4/IPv6, or Unix) that accepts connections
 * and gives each a {@link SocketTransport} and a fresh protocol. `createServer` is synchronous:
 * when it returns, the socket is bound and listening, and `address()` tells the port.
 *
 * ## Accepting
 * On each readable event the server accepts up to {@link MAX_ACCEPTS_PER_EVENT} connections.
 * Transient errors of a connection that died in the queue (ECONNABORTED, EPROTO, EPERM …)
 * are counted and skipped. On io_uring there is no readable event: one multishot
 * `IORING_OP_ACCEPT` posts a completion per connection and is re-armed when it ends
 * (uring-acceptor.ts); errors are handled as below.
 *
 * ## Out of descriptors (EMFILE/ENFILE)
 * The listener stays readable while connections wait, so retrying at once would spin. nbio
 * backs off: it stops watching the listener and looks again after {@link ACCEPT_BACKOFF_MS}
 * (or at once when one of its own connections closes, which just freed a descriptor). The
 * waiting connections stay in the kernel's backlog and are served once descriptors are free.
 * The other known remedy, libev's "spare descriptor" (close a reserved fd, accept and close
 * the connection, reopen the reserve), is not used: it refuses clients that could have waited,
 * costs a descriptor per server, and in Node a libuv worker thread can take the freed slot
 * between the close and the accept, so it does not even work reliably here.
 *
 * ## Descriptors the loop cannot watch (select: fd ≥ FD_SETSIZE)
 * A connection whose fd is past the selector's `capabilities.maxFd` cannot be served: it is
 * closed at once (the client sees the end), counted in `stats().refusedFdTooLarge`, and
 * reported to the loop's exception handler as `NBIO_FD_TOO_LARGE`, with the way out (the
 * poll or epoll selector). No protocol is made for it.
 *
 * ## When the loop closes
 * The server registers with `loop.onClose()`: `loop.close()` closes the listening socket, and
 * each accepted connection's transport closes itself (see socket-transport.ts).
 *
 * ## Unix paths
 * A socket file left behind by a crashed server is removed only when it is a socket *and* a
 * probe connect() is refused (nobody listens); a live socket or any other file gives
 * AddressInUseError (listen-on.ts, which opens the listening socket). `close()` removes the
 * socket file it created.
 *
 * @module
 */
import { lstatSync, unlinkSync } from 'node:fs';
import { checkDelay, InvalidArgumentError } from '../errors.ts';
import type { EventLoop } from '../loop/event-loop.ts';
import type { TimerHandle } from '../loop/handle.ts';
import { sys } from '../sys/constants.ts';
import { OsError } from '../sys/errno.ts';
import { close as closeFd, WOULD_BLOCK } from '../sys/fd.ts';
import type { SocketAddress } from '../sys/sockaddr.ts';
import { accept, describe, getsockname } from '../sys/socket.ts';
import { type ListenTarget, serverAddress } from './address.ts';
import { listenOn } from './listen-on.ts';
import type { ProtocolFactory } from './protocol.ts';
import { SocketTransport, type SocketTransportOptions } from './socket-transport.ts';
import { UringAcceptor } from './uring-acceptor.ts';
import { UringTransport } from './uring-transport.ts';

/** listen() backlog by default: Node's and nginx's 511 (Linux caps it at net.core.somaxconn). */
export const DEFAULT_BACKLOG = 511;

/**
 * At most this many accept() calls per readable event (asyncio accepts up to its backlog,
 * 100, per event; libuv until EAGAIN). Bounded so a flood of connections cannot starve the
 * loop's other descriptors and timers; 128 still empties a busy queue in a few iterations.
 */
export const MAX_ACCEPTS_PER_EVENT = 128;

/** How long the server stops accepting after EMFILE/ENFILE/ENOBUFS/ENOMEM (see module comment). */
export const ACCEPT_BACKOFF_MS = 100;

/** accept() errors that concern one dying connection, not the listener: skip and go on. */
const SKIP_ERRORS = new Set([
  'ECONNABORTED',
  'EPROTO',
  'EPERM',
  'ENETDOWN',
  'ENOPROTOOPT',
  'EHOSTDOWN',
  'ENONET',
  'EHOSTUNREACH',
  'EOPNOTSUPP',
  'ENETUNREACH',
]);
/** accept() errors that mean "no resources now": back off (EMFILE/ENFILE count as emfilePauses). */
const BACKOFF_ERRORS = new Set(['EMFILE', 'ENFILE', 'ENOBUFS', 'ENOMEM']);

/** Options for {@link createServer}. */
export interface ServerOptions extends ListenTarget, Omit<SocketTransportOptions, 'onClosed'> {
  /** listen() backlog; default (also when `undefined`) {@link DEFAULT_BACKLOG}. */
  backlog?: number | undefined;
  /** SO_REUSEPORT: several servers (processes) share the port, the kernel spreads connections. */
  reusePort?: boolean;
  /** IPV6_V6ONLY on an IPv6 address: `'::'` then takes no IPv4 connections (default: the system's, dual stack on Linux). */
  ipv6Only?: boolean;
}

/** A server's counters, as a frozen plain object. */
export interface ServerStats {
  /** The listening fd, −1 once closed. */
  readonly fd: number;
  readonly listening: boolean;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Accepted connections whose transport is not closed yet. */
  readonly activeConnections: number;
  /** accept() failures (skipped or backed off). */
  readonly acceptErrors: number;
  /** Times accepting paused for lack of descriptors (EMFILE/ENFILE). */
  readonly emfilePauses: number;
  /**
   * Connections closed at once because their fd is past what the loop's selector can watch
   * (select: fd ≥ FD_SETSIZE); each was reported as `NBIO_FD_TOO_LARGE`.
   */
  readonly refusedFdTooLarge: number;
}

/**
 * Creates a listening server; see {@link Server}.
 * @example
 * class Echo implements Protocol {
 *   #t?: Transport;
 *   connectionMade(t: Transport) { this.#t = t; }
 *   dataReceived(data: Buffer) { this.#t!.write(data); }
 * }
 * const server = createServer(loop, () => new Echo(), { host: '127.0.0.1', port: 0 });
 * const { port } = server.address() as Ipv4Address;
 */
export function createServer(
  loop: EventLoop,
  protocolFactory: ProtocolFactory,
  options: ServerOptions = {},
): Server {
  return new Server(loop, protocolFactory, options);
}

/** A listening socket and the connections it accepted; see the module comment. */
export class Server {
  readonly #loop: EventLoop;
  readonly #factory: ProtocolFactory;
  readonly #transportOptions: SocketTransportOptions;
  readonly #address: SocketAddress;
  readonly #connections = new Set<SocketTransport | UringTransport>();
  #fd: number;
  #unixInode = -1;
  #ungauge: () => void = () => {};
  #backoff: TimerHandle | null = null;
  #accepted = 0;
  #acceptErrors = 0;
  #emfilePauses = 0;
  #refusedFdTooLarge = 0;
  #unregisterLoopClose: (() => void) | null = null;
  #refed = true;
  /** On io_uring: one multishot accept request instead of readiness + accept() (uring-acceptor.ts). */
  #acceptor: UringAcceptor | null = null;

  /**
   * Binds and listens (synchronously); accepting starts on the loop.
   * @throws InvalidArgumentError for bad options; AddressInUseError when the address is
   *   taken; OsError for other failures (EACCES for a privileged port …). No fd is left open.
   */
  constructor(loop: EventLoop, protocolFactory: ProtocolFactory, options: ServerOptions = {}) {
    if (typeof protocolFactory !== 'function') {
      throw new InvalidArgumentError(
        'createServer needs a protocol factory: pass a function returning a Protocol.',
      );
    }
    const backlog = options.backlog ?? DEFAULT_BACKLOG;
    if (!Number.isInteger(backlog) || backlog < 0) {
      throw new InvalidArgumentError(`Invalid backlog ${String(backlog)}: use an integer ≥ 0 (default 511).`);
    }
    if (options.reusePort && sys.SO_REUSEPORT < 0) {
      throw new InvalidArgumentError(
        'SO_REUSEPORT is not available on this OS: drop reusePort.',
        'NBIO_UNSUPPORTED',
      );
    }
    const addr = serverAddress(options);
    this.#loop = loop;
    this.#factory = protocolFactory;
    const { noDelay, keepAlive, writeBufferLimits } = options;
    this.#transportOptions = { noDelay, keepAlive, writeBufferLimits, onClosed: this.#onConnectionClosed };
    if (options.lingerMs !== undefined)
      this.#transportOptions.lingerMs = checkDelay(options.lingerMs, 'lingerMs');
    this.#fd = listenOn(addr, backlog, options.reusePort === true, options.ipv6Only === true);
    try {
      this.#address = getsockname(this.#fd) ?? addr;
      if (addr.family === 'unix') this.#unixInode = lstatSync(addr.path).ino;
      if (loop.completion !== null) {
        this.#acceptor = new UringAcceptor(loop.completion, this.#fd, {
          accepted: (fd) => {
            this.#accepted++;
            this.#serve(fd);
          },
          failed: (errno) => this.#acceptFailed(new OsError('accept', errno)),
          owner: this,
        });
        // From a loop callback: the guest loop then sees the request in flight and keeps the
        // process alive for it (it re-checks that after each iteration).
        loop.callSoon(() => this.#acceptor?.start());
      } else loop.addReader(this.#fd, this.#onReadable, this);
      this.#unregisterLoopClose = loop.onClose(() => this.close());
      this.#ungauge = this.#gauges(loop);
    } catch (err) {
      this.#acceptor?.stop();
      loop.removeReader(this.#fd);
      closeFd(this.#fd);
      throw err;
    }
  }

  /** The address listened on (with the real port when 0 was asked for); kept after close. */
  address(): SocketAddress {
    return this.#address;
  }

  /** `"listener :7000"` (or the Unix path): how the flight recorder names the listening fd. */
  get label(): string {
    const a = this.#address;
    return a.family === 'unix' ? `listener ${describe(a)}` : `listener :${describe(a).replace(/^.*:/, '')}`;
  }

  /** True until `close()`. */
  get isListening(): boolean {
    return this.#fd >= 0;
  }

  /**
   * Lets the process exit while this server listens (Node's `server.unref()`, libuv's
   * `uv_unref`): its listening socket stops holding a guest loop's process. Accepted
   * connections are not affected (unref them one by one). On io_uring the armed accept request
   * still holds it.
   */
  unref(): this {
    if (this.#refed) {
      this.#refed = false;
      if (this.#fd >= 0) this.#loop.unrefFd(this.#fd);
    }
    return this;
  }

  /** Undoes `unref()`. */
  ref(): this {
    if (!this.#refed) {
      this.#refed = true;
      if (this.#fd >= 0) this.#loop.refFd(this.#fd);
    }
    return this;
  }

  /** False after `unref()`. */
  hasRef(): boolean {
    return this.#refed;
  }

  /**
   * Stops accepting and closes the listening socket (and removes its Unix socket file).
   * Connections already accepted stay open: see {@link Server.closeConnections}. Idempotent.
   */
  close(): void {
    const fd = this.#fd;
    if (fd < 0) return;
    this.#fd = -1;
    this.#unregisterLoopClose?.();
    this.#unregisterLoopClose = null;
    this.#ungauge();
    this.#backoff?.cancel();
    this.#backoff = null;
    // Cancelled before the close: the request holds the socket open until it ends.
    this.#acceptor?.stop();
    if (!this.#refed) this.#loop.refFd(fd); // the loop forgets the number before it is reused
    this.#loop.removeReader(fd);
    closeFd(fd);
    const a = this.#address;
    if (a.family === 'unix' && this.#unixInode >= 0) {
      try {
        if (lstatSync(a.path).ino === this.#unixInode) unlinkSync(a.path);
      } catch {
        // Already gone, or replaced by someone else's file: leave it.
      }
    }
  }

  /** Flight-recorder gauges (sampled only while recording): open connections, bytes buffered. */
  #gauges(loop: EventLoop): () => void {
    const a = loop.recorder.gauge(`open connections ${this.label}`, () => this.#connections.size);
    const b = loop.recorder.gauge(`bytes buffered ${this.label}`, () => {
      let sum = 0;
      for (const t of this.#connections) sum += t.bufferedAmount;
      return sum;
    });
    return () => {
      a();
      b();
    };
  }

  /** Closes every accepted connection: `close()` (flushing), or `abort()` when `abort` is true. */
  closeConnections(abort = false): void {
    for (const t of [...this.#connections]) {
      if (abort) t.abort();
      else t.close();
    }
  }

  /** Counters, as a frozen plain object. */
  stats(): ServerStats {
    return Object.freeze({
      fd: this.#fd,
      listening: this.#fd >= 0,
      accepted: this.#accepted,
      activeConnections: this.#connections.size,
      acceptErrors: this.#acceptErrors,
      emfilePauses: this.#emfilePauses,
      refusedFdTooLarge: this.#refusedFdTooLarge,
    });
  }

  #onReadable = (): void => {
    for (let i = 0; i < MAX_ACCEPTS_PER_EVENT && this.#fd >= 0 && this.#backoff === null; i++) {
      let fd: number;
      try {
        fd = accept(this.#fd);
      } catch (err) {
        if (this.#acceptFailed(err)) continue;
        return;
      }
      if (fd === WOULD_BLOCK) return;
      this.#accepted++;
      this.#serve(fd);
    }
  };

  /** Counts an accept error and backs off or reports it; @returns true when it only concerned one connection (skip it). */
  #acceptFailed(err: unknown): boolean {
    this.#acceptErrors++;
    const code = err instanceof OsError ? err.code : '';
    if (SKIP_ERRORS.has(code)) return true;
    if (BACKOFF_ERRORS.has(code)) {
      if (code === 'EMFILE' || code === 'ENFILE') this.#emfilePauses++;
      this.#backOff();
    } else this.#loop.reportException(err, 'accept() on a listening socket', this.#fd);
    return false;
  }

  #serve(fd: number): void {
    const { maxFd, name } = this.#loop.selector.capabilities;
    if (fd > maxFd) {
      closeFd(fd);
      this.#refusedFdTooLarge++;
      this.#loop.reportException(
        new InvalidArgumentError(
          `Refused a connection on fd ${fd}: the ${name} selector only watches fds up to ${maxFd} (FD_SETSIZE), so it was closed at once (${this.#refusedFdTooLarge} refused so far). Use the poll or epoll selector to serve more connections.`,
          'NBIO_FD_TOO_LARGE',
        ),
        'accepting a connection',
        fd,
      );
      return;
    }
    try {
      // On io_uring (loop.completion set) connections are completion-native: no recv/send calls.
      const t =
        this.#loop.completion !== null
          ? new UringTransport(this.#loop, fd, this.#factory(), {
              ...this.#transportOptions,
              onClosed: this.#onConnectionClosed,
            })
          : new SocketTransport(this.#loop, fd, this.#factory(), this.#transportOptions);
      this.#connections.add(t);
    } catch (err) {
      closeFd(fd);
      this.#loop.reportException(err, 'protocol factory / transport of an accepted connection', fd);
    }
  }

  #backOff(): void {
    this.#acceptor?.pause();
    this.#loop.removeReader(this.#fd);
    this.#backoff = this.#loop.callLater(ACCEPT_BACKOFF_MS, this.#resumeAccepting);
  }

  #resumeAccepting = (): void => {
    this.#backoff?.cancel();
    this.#backoff = null;
    if (this.#fd < 0) return;
    if (this.#acceptor !== null) this.#acceptor.start();
    else this.#loop.addReader(this.#fd, this.#onReadable, this);
  };

  #onConnectionClosed = (t: SocketTransport | UringTransport): void => {
    this.#connections.delete(t);
    // A descriptor was just freed: if accepting was paused for lack of them, look now.
    if (this.#backoff !== null && !this.#loop.isClosed) this.#resumeAccepting();
  };
}
