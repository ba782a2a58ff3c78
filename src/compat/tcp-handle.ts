/**
 * `NbioTcpHandle` and `NbioServerHandle`: what a compat socket's and a compat server's
 * `_handle` is. Where a `net.Socket` has libuv's TCP handle (`TCPWrap`), Node's own code and
 * tests reach for a few of its methods; these objects have those methods, mapped onto the
 * nbio descriptor underneath (real `setsockopt`, `getsockname`, `getpeername`), so code that
 * spies on them (`socket._handle.setKeepAlive = …`) sees the calls `net` would make.
 *
 * | handle member | does |
 * |---|---|
 * | `setNoDelay(enable)` | TCP_NODELAY on the descriptor (before the connection is made: once it is) |
 * | `setKeepAlive(enable, delaySec)` | SO_KEEPALIVE, and TCP_KEEPIDLE = `delaySec` when it is > 0 (recorded in `keepAliveDelaySec`) |
 * | `getsockname(out)`, `getpeername(out)` | fill `out` with `{ address, family, port }`, return 0 or a negative errno |
 * | `fd` | the descriptor, −1 before the connection and once closed |
 * | `ref()`, `unref()`, `hasRef()` | the socket's (server's) own `ref()`/`unref()` |
 * | `readStart()`, `readStop()`, `reading` | resume / pause reading the descriptor (Node's `http` server calls them on `'resume'`/`'pause'`) |
 * | `getAsyncId()` | −1 (no async_hooks resource) |
 * | `owner` | the compat socket (client handles) |
 * | `onconnection(err, clientHandle)` (server) | makes the accepted socket's settings and announces it with `'connection'` |
 *
 * These are not native stream handles (`isStreamBase` is absent): Node's `http` server and
 * `http2` then take their stream path, as for any Duplex. Node's TLS, which wraps a
 * `net.Socket`'s native handle directly, is told there is none while it constructs a
 * `TLSSocket` (see {@link calledFromNodeTls}).
 *
 * @module
 */
import type { Transport } from '../net/transport.ts';
import { OsError } from '../sys/errno.ts';
import type { SocketAddress } from '../sys/sockaddr.ts';

/** Linux's MAX_TCP_KEEPIDLE: larger delays are clamped (libuv would get EINVAL, which `net` ignores). */
const MAX_KEEPIDLE_SEC = 32767;

/** libuv's EBADF (negated errno), returned for a handle with no open descriptor. */
const NO_DESCRIPTOR = -9;

/** What a client handle asks of the compat socket that owns it. */
export interface TcpHandleOwner {
  /** `socket.ref()`. */
  ref(): unknown;
  /** `socket.unref()`. */
  unref(): unknown;
  /** `socket.hasRef()`. */
  hasRef(): boolean;
}

/** The socket's reading switches, for `readStart`/`readStop`. */
export interface ReadSwitch {
  /** Read from the descriptor again (if paused). */
  start(): void;
  /** Stop reading from the descriptor. */
  stop(): void;
}

/**
 * What both handles share: `ref`/`unref`/`hasRef` reach the socket or server that owns the
 * handle, as a libuv handle's do, and no async_hooks resource stands behind it.
 */
abstract class OwnedHandle<O extends TcpHandleOwner> {
  readonly #owner: O;

  /** @param owner the compat socket or server the handle belongs to */
  constructor(owner: O) {
    this.#owner = owner;
  }

  /** The socket or server this handle belongs to. */
  protected get handleOwner(): O {
    return this.#owner;
  }

  /** The owner holds the process again (`ref()`). */
  ref(): void {
    this.#owner.ref();
  }

  /** The owner stops holding the process (`unref()`). */
  unref(): void {
    this.#owner.unref();
  }

  /** False after `unref()`. */
  hasRef(): boolean {
    return this.#owner.hasRef();
  }

  /** −1: no async_hooks resource stands behind this handle. */
  getAsyncId(): number {
    return -1;
  }
}

/** A compat socket's `_handle`; see the module comment. */
export class NbioTcpHandle extends OwnedHandle<TcpHandleOwner> {
  readonly #reads: ReadSwitch;
  #transport: Transport | null = null;
  /** Set while connecting, applied once connected (as libuv keeps the flags). */
  #pendingNoDelay: boolean | undefined;
  #pendingKeepAlive: boolean | undefined;
  /** Node's `http` server keeps its own reading flag here. */
  reading = false;
  /** The initial keep-alive delay last asked for, in seconds (set as TCP_KEEPIDLE when > 0). */
  keepAliveDelaySec = 0;

  /** @param owner the compat socket; @param reads its reading switches */
  constructor(owner: TcpHandleOwner, reads: ReadSwitch) {
    super(owner);
    this.#reads = reads;
  }

  /** @internal The socket is connected over `transport`: settings made while connecting apply now. */
  attach(transport: Transport): void {
    this.#transport = transport;
    if (this.#pendingNoDelay !== undefined) this.setNoDelay(this.#pendingNoDelay);
    if (this.#pendingKeepAlive !== undefined)
      this.setKeepAlive(this.#pendingKeepAlive, this.keepAliveDelaySec);
    this.#pendingNoDelay = undefined;
    this.#pendingKeepAlive = undefined;
  }

  /** The compat socket this handle belongs to (libuv handles' `owner`). */
  get owner(): TcpHandleOwner {
    return this.handleOwner;
  }

  /** The descriptor; −1 before the connection is made and once it is closed. */
  get fd(): number {
    return this.#transport?.getExtraInfo('fd') ?? -1;
  }

  /** Bytes received on this connection. */
  get bytesRead(): number {
    return this.#transport?.stats().bytesRead ?? 0;
  }

  /** Bytes handed to the descriptor (or its buffer) on this connection. */
  get bytesWritten(): number {
    return this.#transport?.stats().bytesWritten ?? 0;
  }

  /** TCP_NODELAY on or off; 0, or a negative errno when setsockopt failed. */
  setNoDelay(enable: boolean): number {
    const t = this.#transport;
    if (t === null) {
      this.#pendingNoDelay = Boolean(enable);
      return 0;
    }
    return errnoOf(() => t.setNoDelay(Boolean(enable)));
  }

  /**
   * SO_KEEPALIVE on or off; with `delaySec` > 0 (Node passes whole seconds, recorded in
   * `keepAliveDelaySec`) also the idle time before the first probe (TCP_KEEPIDLE, at most
   * Linux's 32767 s), as libuv's `uv_tcp_keepalive`. 0, or a negative errno.
   */
  setKeepAlive(enable: boolean, delaySec?: number): number {
    this.keepAliveDelaySec = typeof delaySec === 'number' && delaySec > 0 ? Math.trunc(delaySec) : 0;
    const t = this.#transport;
    if (t === null) {
      this.#pendingKeepAlive = Boolean(enable);
      return 0;
    }
    return errnoOf(() => t.setKeepAlive(Boolean(enable), Math.min(this.keepAliveDelaySec, MAX_KEEPIDLE_SEC)));
  }

  /** Fills `out` with the local `{ address, family, port }`; 0 or a negative errno. */
  getsockname(out: Record<string, unknown>): number {
    return fillAddress(out, this.#transport, 'sockname');
  }

  /** Fills `out` with the peer's `{ address, family, port }`; 0 or a negative errno. */
  getpeername(out: Record<string, unknown>): number {
    return fillAddress(out, this.#transport, 'peername');
  }

  /** Reads from the descriptor again (the socket's reading resumes). Returns 0. */
  readStart(): number {
    this.#reads.start();
    return 0;
  }

  /** Stops reading from the descriptor until `readStart()` or the stream asks for more. Returns 0. */
  readStop(): number {
    this.#reads.stop();
    return 0;
  }
}

/** What a server handle asks of the compat server that owns it (`ref`/`unref`/`hasRef` too). */
export interface ServerHandleOwner extends TcpHandleOwner {
  /** The default `onconnection`: the accepted socket's settings, then `'connection'`. */
  announce(err: Error | null, clientHandle: NbioTcpHandle | undefined): void;
  /** The address listened on; null once closed. */
  listeningAddress(): SocketAddress | null;
  /** The listening descriptor; −1 once closed. */
  listeningFd(): number;
}

/** A compat server's `_handle`; see the module comment. */
export class NbioServerHandle extends OwnedHandle<ServerHandleOwner> {
  /**
   * Called for each accepted connection with its client handle, as libuv's: the default makes
   * the server's `noDelay`/`keepAlive` settings through `clientHandle` and emits
   * `'connection'`. Replace it on the instance to watch or wrap it (call the original with
   * `this` set to the handle); a replacement that never calls it leaves the socket unannounced.
   */
  onconnection(err: Error | null, clientHandle?: NbioTcpHandle): void {
    this.handleOwner.announce(err, clientHandle);
  }

  /** The listening descriptor, −1 once closed. */
  get fd(): number {
    return this.handleOwner.listeningFd();
  }

  /** Fills `out` with the listening `{ address, family, port }`; 0 or a negative errno. */
  getsockname(out: Record<string, unknown>): number {
    const a = this.handleOwner.listeningAddress();
    return a === null ? NO_DESCRIPTOR : writeAddress(out, a);
  }
}

/**
 * True when the code reading `socket`'s `_handle` is the constructor of Node's `TLSSocket`
 * (`node:_tls_wrap` on Node 20, `node:internal/tls/wrap` on 22 and 24). It checks `socket instanceof net.Socket && socket._handle` (true for a
 * compat socket while `patchNet()` is in) and then wraps that handle as a native stream, which
 * a compat handle is not; told "no handle", it wraps the socket as a JS stream, as it does for
 * any Duplex. Its later read (`connecting = socket.connecting || !socket._handle`, in `_init`)
 * sees the handle, so a TLS socket over a connected (or accepted) compat socket is not left
 * waiting for a `'connect'` that already happened.
 *
 * The stack is looked at (two call sites, a few µs) only for the first `_handle` read after
 * patched `net.Socket`'s `instanceof` said yes for this socket ({@link markInstanceCheck}), as
 * TLS does; every other read (Node's http reads `_handle` per response) costs nothing.
 */
export function calledFromNodeTls(socket: object): boolean {
  if (lastInstanceChecked !== socket) return false;
  lastInstanceChecked = null;
  const limit = Error.stackTraceLimit;
  const format = Error.prepareStackTrace;
  const probe: { stack?: NodeJS.CallSite[] } = {};
  try {
    Error.stackTraceLimit = 2; // the _handle getter, then its caller
    Error.prepareStackTrace = (_err, sites) => sites; // call sites, not text (no source maps)
    Error.captureStackTrace(probe, calledFromNodeTls);
    const caller = probe.stack?.[1];
    return (
      caller?.isConstructor() === true &&
      caller.getFunctionName() === 'TLSSocket' &&
      NODE_TLS_FILES.has(caller.getFileName() ?? '')
    );
  } finally {
    Error.prepareStackTrace = format;
    Error.stackTraceLimit = limit;
  }
}

/** Where Node defines `TLSSocket`: `node:_tls_wrap` on 20, `node:internal/tls/wrap` from 22 on. */
const NODE_TLS_FILES = new Set(['node:_tls_wrap', 'node:internal/tls/wrap']);

/** The compat socket patched `net.Socket`'s `instanceof` last said yes for (until read). */
let lastInstanceChecked: object | null = null;

/** @internal patch-net.ts: patched `net.Socket`'s `instanceof` said yes for `socket`. */
export function markInstanceCheck(socket: object): void {
  lastInstanceChecked = socket;
}

/** `~~(ms / 1000)` after Node's clamp of negatives: `net`'s keep-alive delay in seconds. */
export function keepAliveSeconds(ms: unknown): number {
  const n = typeof ms === 'number' && ms > 0 ? ms : 0;
  return Math.trunc(n / 1000) | 0;
}

function fillAddress(
  out: Record<string, unknown>,
  t: Transport | null,
  which: 'sockname' | 'peername',
): number {
  if (t === null || t.getExtraInfo('fd') < 0) return NO_DESCRIPTOR;
  const a = t.getExtraInfo(which);
  if (a === null) return NO_DESCRIPTOR;
  return writeAddress(out, a);
}

function writeAddress(out: Record<string, unknown>, a: SocketAddress): number {
  if (a.family === 'unix') return 0; // a pipe handle has no IP endpoint
  out.address = a.address;
  out.family = a.family === 'ipv4' ? 'IPv4' : 'IPv6';
  out.port = a.port;
  return 0;
}

function errnoOf(op: () => void): number {
  try {
    op();
    return 0;
  } catch (err) {
    if (err instanceof OsError) return -err.errno;
    throw err;
  }
}
