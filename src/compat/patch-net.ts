/**
 * gevent's move, done openly: {@link patchNet} replaces `net.connect`, `net.createConnection`,
 * `net.Socket` and its alias `net.Stream` **in place** on Node's `net` module object, so code
 * that opens its own sockets through them (ioredis, undici, pg, mysql2 …) runs on nbio sockets
 * and nbio's loop without being changed; {@link unpatchNet} puts the exact original property
 * descriptors back.
 *
 * ## What is patched, and where
 * The CommonJS export object of `net` (`createRequire(import.meta.url)('net')`): the one
 * `require('net')`/`require('node:net')` return to every module, Node's own included, and which
 * they read at call time. ESM namespace objects are frozen; `module.syncBuiltinESMExports()` is
 * called after patching and after unpatching, so `import { connect } from 'node:net'` sees the
 * same values (note: that call syncs *every* built-in's named exports with its CommonJS object).
 *
 * Node's own clients are reached too (unless `{ clients: false }`): `http.Agent.prototype.
 * createConnection` (which captured the original `net.createConnection` when `http` loaded) and
 * `tls.connect` without a `socket` (whose `TLSSocket` would connect through libuv) are replaced,
 * so `http.get`, `https.get` and `tls.connect` open nbio sockets (patch-clients.ts).
 *
 * With `{ servers: true }`, `net.createServer` and `net.Server` are replaced too (the names in
 * {@link SERVER_PATCHED_NAMES}); the patched `net.Server` is callable with and without `new`
 * and can be subclassed, as Node's is.
 *
 * ## What is not
 * - `http.Server`, `https.Server` and `tls.Server` inherit from the original `net.Server` at
 *   load time, so even `{ servers: true }` changes nothing for them. Serve with nbio's
 *   `createServer` and hand its sockets to Node's server:
 *   `compatServer.on('connection', (s) => httpServer.emit('connection', s))`.
 * - Sockets constructed with `fd` or `handle` (stdio pipes, child-process pipes, IPC): the
 *   patched `net.Socket` hands those to the original class, because they wrap descriptors Node
 *   opened and manages. Everything else it builds becomes a compat Socket.
 *
 * ## Risks
 * - Process-wide: every module in the process gets nbio sockets while patched, not only the
 *   library you meant. Patch around the construction of the client you want, or for the whole
 *   life of a program that wants nbio everywhere, and unpatch when done. A client that
 *   reconnects later opens its new socket with whatever `net.connect` is *then*.
 * - Compat sockets are not `net.Socket`s: their `_handle` is a small `NbioTcpHandle`
 *   (tcp-handle.ts: `setNoDelay`, `setKeepAlive`, `getsockname`, `getpeername`, `fd`, `ref`),
 *   not libuv's, so code that needs more of libuv (`TCPWrap.prototype`, native stream methods,
 *   `net.Socket` subclasses that override private methods) does not work on them.
 *   `instanceof net.Socket` holds for both kinds while patched.
 * - Host names resolve with nbio's resolver unless a `lookup` option is given.
 * - Patches do not nest: `patchNet()` twice throws `BusyResourceError`.
 *
 * @module
 */
import { createRequire, syncBuiltinESMExports } from 'node:module';
import type * as NodeNet from 'node:net';
import { BusyResourceError } from '../errors.ts';
import type { EventLoop } from '../loop/event-loop.ts';
import { counters } from './compat-stats.ts';
import { type ConnectOptions, normalizeConnectArgs, type SocketOptions } from './connect-args.ts';
import { resolveLoop } from './default-loop.ts';
import { type ConnectFunction, patchClients } from './patch-clients.ts';
import { type ConnectionListener, Server, type ServerOptions } from './server.ts';
import { Socket } from './socket.ts';
import { markInstanceCheck } from './tcp-handle.ts';

/** The `net` module object every `require('net')` returns (Node's internals included). */
const nodeNet = createRequire(import.meta.url)('net') as typeof NodeNet;

/** The names patchNet replaces. */
export const PATCHED_NAMES = ['connect', 'createConnection', 'Socket', 'Stream'] as const;

/** The names `patchNet({ servers: true })` replaces as well. */
export const SERVER_PATCHED_NAMES = ['createServer', 'Server'] as const;

type PatchedName = (typeof PATCHED_NAMES)[number] | (typeof SERVER_PATCHED_NAMES)[number];

/** The original descriptors of the names replaced, to put back. */
let saved: Map<PatchedName, PropertyDescriptor> | null = null;
/** Puts `http`'s and `tls`'s hook points back (patch-clients.ts), when they were patched. */
let restoreClients: (() => void) | null = null;

/** Options of {@link patchNet}. */
export interface PatchNetOptions {
  /** The loop patched sockets run on; default: the compat default loop at the time of each call. */
  loop?: EventLoop;
  /** Replace `net.createServer` and `net.Server` too (default false). */
  servers?: boolean;
  /**
   * Reach Node's own clients too (default true): `http.Agent.prototype.createConnection` and
   * `tls.connect` without a `socket`, so `http.get`, `https.get` and `tls.connect` open nbio
   * sockets (patch-clients.ts).
   */
  clients?: boolean;
}

/**
 * Patches `net.connect`, `net.createConnection`, `net.Socket` and `net.Stream` in place, and with
 * `{ servers: true }` `net.createServer` and `net.Server` (see the module comment for what is and
 * is not covered, and the risks).
 * @throws BusyResourceError when `net` is already patched; InvalidArgumentError for a bad loop
 * @example
 * patchNet();
 * const redis = new Redis({ host: '127.0.0.1', port }); // ioredis now connects through nbio
 * await once(redis, 'ready');
 * unpatchNet();
 */
export function patchNet(options: PatchNetOptions = {}): void {
  if (saved !== null) {
    throw new BusyResourceError(
      'net is already patched by nbio: call unpatchNet() first (patches do not nest).',
    );
  }
  if (options.loop !== undefined) resolveLoop(options.loop); // validate now, not at first use
  const loop = options.loop;
  const original = nodeNet.Socket;
  const withLoop = <T extends SocketOptions>(o: T): T =>
    loop !== undefined && o.loop === undefined ? { ...o, loop } : o;

  const connect = function createConnection(...args: unknown[]): NodeNet.Socket {
    counters.patchedCalls++;
    const [opts, listener] = normalizeConnectArgs(args);
    const o = withLoop(opts as ConnectOptions);
    return new Socket(o).connect(o, listener) as unknown as NodeNet.Socket;
  };

  // A function, not a class: Node's internals call `net.Socket({ handle })` without `new`.
  // Sockets wrapping a descriptor or handle Node opened stay Node's (see the module comment).
  function PatchedSocket(this: unknown, opts?: SocketOptions | number): unknown {
    // A subclass of Node's own Socket initialising itself through `net.Socket` read at call
    // time (TLSSocket does `Reflect.apply(net.Socket, this, [{ handle }])`): Node's constructor.
    if (new.target === undefined && this instanceof original) {
      return Reflect.apply(original, this, [opts]);
    }
    // `new net.Socket(4)` is net's shorthand for `{ fd: 4 }` (a cluster worker's descriptor).
    if (
      typeof opts === 'number' ||
      (opts !== undefined && opts !== null && (opts.fd !== undefined || opts.handle !== undefined))
    ) {
      return new original(opts as NodeNet.SocketConstructorOpts);
    }
    counters.patchedCalls++;
    return Reflect.construct(Socket, [withLoop(opts ?? {})], new.target ?? PatchedSocket);
  }
  PatchedSocket.prototype = Socket.prototype;
  // `x instanceof net.Socket` holds for both kinds; subclasses keep the ordinary check.
  Object.defineProperty(PatchedSocket, Symbol.hasInstance, {
    value(this: unknown, x: unknown): boolean {
      if (this !== PatchedSocket) return Function.prototype[Symbol.hasInstance].call(this, x);
      if (!(x instanceof Socket)) return x instanceof original;
      markInstanceCheck(x); // Node's TLS reads _handle next (tcp-handle.ts, calledFromNodeTls)
      return true;
    },
  });
  Object.defineProperty(PatchedSocket, 'name', { value: 'Socket' });

  const values = new Map<PatchedName, unknown>([
    ['connect', connect],
    ['createConnection', connect],
    ['Socket', PatchedSocket],
    ['Stream', PatchedSocket],
  ]);
  if (options.servers === true) {
    const PatchedServer = patchedServerClass(loop);
    values.set('Server', PatchedServer);
    values.set('createServer', function createServer(...args: unknown[]): unknown {
      return new PatchedServer(...(args as [ServerOptions | undefined, ConnectionListener | undefined]));
    });
  }
  const before = new Map<PatchedName, PropertyDescriptor>();
  for (const name of values.keys()) {
    const d = Object.getOwnPropertyDescriptor(nodeNet, name);
    if (d === undefined) throw new Error(`unreachable: node:net has no '${name}'`);
    before.set(name, d);
  }
  for (const [name, d] of before) Object.defineProperty(nodeNet, name, { ...d, value: values.get(name) });
  saved = before;
  if (options.clients !== false) restoreClients = patchClients(connect as ConnectFunction);
  syncBuiltinESMExports();
}

/**
 * `net.Server` as Node has it: a function callable with or without `new`, subclassable, whose
 * instances are compat {@link Server}s on `loop` (default: the compat default loop).
 */
function patchedServerClass(
  loop: EventLoop | undefined,
): new (
  options?: ServerOptions | ConnectionListener,
  listener?: ConnectionListener,
) => Server {
  function PatchedServer(this: unknown, options?: unknown, listener?: unknown): unknown {
    counters.patchedCalls++;
    let args: unknown[] = [options, listener];
    if (loop !== undefined) {
      if (typeof options === 'object' && options !== null) {
        if ((options as ServerOptions).loop === undefined) args = [{ ...options, loop }, listener];
      } else args = [{ loop }, options];
    }
    return Reflect.construct(Server, args, new.target ?? PatchedServer);
  }
  PatchedServer.prototype = Server.prototype;
  Object.defineProperty(PatchedServer, 'name', { value: 'Server' });
  return PatchedServer as unknown as new (
    options?: ServerOptions | ConnectionListener,
    listener?: ConnectionListener,
  ) => Server;
}

/**
 * Restores the exact property descriptors `patchNet` replaced. A no-op when not patched.
 * Sockets made while patched keep working (they are compat Sockets).
 */
export function unpatchNet(): void {
  if (saved === null) return;
  for (const [name, d] of saved) Object.defineProperty(nodeNet, name, d);
  saved = null;
  restoreClients?.();
  restoreClients = null;
  syncBuiltinESMExports();
}

/** True between `patchNet()` and `unpatchNet()`. */
export function isNetPatched(): boolean {
  return saved !== null;
}
