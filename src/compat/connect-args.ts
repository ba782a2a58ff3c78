/**
 * The option types of the compat API and the argument shapes `net` accepts, normalized once:
 * `connect(options[, cb])`, `connect(port[, host][, cb])`, `connect(path[, cb])`, and
 * `listen(port[, host][, backlog][, cb])`, `listen(path[, backlog][, cb])`,
 * `listen(options[, cb])`, `listen([cb])`.
 *
 * Bad values throw nbio's `InvalidArgumentError` at once (as `net` throws its `ERR_*` errors
 * synchronously), with a message that says what to pass.
 *
 * @module
 */
import { describeValue, InvalidArgumentError } from '../errors.ts';
import type { EventLoop } from '../loop/event-loop.ts';
import type { OnReadOptions } from './socket-onread.ts';

/** `net`'s custom lookup: `dns.lookup`'s signature (`all: false`). */
export type LookupFunction = (
  hostname: string,
  options: { family?: number; hints?: number; all?: boolean },
  callback: (err: Error | null, address: string, family?: number) => void,
) => void;

/**
 * Options of a compat {@link Socket} (the subset of `net.SocketConstructorOpts` nbio serves).
 * As with `net`, an option set to `undefined` takes its default.
 */
export interface SocketOptions {
  /** The nbio loop to run on; default: the compat default loop (default-loop.ts). */
  loop?: EventLoop | undefined;
  /** Keep the writable side open after the peer's end (default false, as `net`). */
  allowHalfOpen?: boolean | undefined;
  /** Aborting it destroys the socket with an AbortError. */
  signal?: AbortSignal | undefined;
  /** TCP_NODELAY on connect; default **true** (nbio's default; `net`'s is false). */
  noDelay?: boolean | undefined;
  /** SO_KEEPALIVE once connected, through `_handle.setKeepAlive(true, seconds)` as `net`. */
  keepAlive?: boolean | undefined;
  /** The delay (ms) before the first probe, passed on in whole seconds as `net` (TCP_KEEPIDLE). */
  keepAliveInitialDelay?: number;
  /** Both stream buffers' high water mark, in bytes. */
  highWaterMark?: number | undefined;
  /** The readable buffer's high water mark. */
  readableHighWaterMark?: number;
  /** The writable buffer's high water mark. */
  writableHighWaterMark?: number;
  /**
   * Received bytes are copied into `onread.buffer` and passed to `onread.callback(nread,
   * buffer)` instead of `'data'` events, as `net`'s `onread` (socket-onread.ts); a callback
   * returning false pauses reading until `resume()`. Ignored unless `{ buffer, callback }`.
   */
  onread?: OnReadOptions | undefined;
  /**
   * A connected stream socket's descriptor (TCP or Unix: a socketpair end, an accepted fd) to
   * wrap, as `net`'s `fd`: the socket is open at once and closes the descriptor when destroyed.
   */
  fd?: number;
  /** With `fd`: `false` closes the readable side (no reading), as `net`. */
  readable?: boolean | undefined;
  /** With `fd`: `false` closes the writable side, as `net`. */
  writable?: boolean | undefined;
  /** Node's wrap-a-libuv-handle option: not supported (throws). */
  handle?: unknown;
}

/** Options of `connect()` / `createConnection()` / `socket.connect()`. */
export interface ConnectOptions extends SocketOptions {
  /** TCP port (a number or a numeric string, as `net` accepts). */
  port?: number | string;
  /** IP address or host name; default `'localhost'`. */
  host?: string;
  /** A Unix socket path instead of host and port. */
  path?: string;
  /** 4, 6, or 0 (either). Ignored for an IP literal, as in `net`. */
  family?: number;
  /** A custom name lookup (`dns.lookup`'s signature); default: nbio's resolver. */
  lookup?: LookupFunction;
  /** Calls `setTimeout(timeout)` right away (an idle timeout, not a connect timeout). */
  timeout?: number;
  /** Passed to a custom lookup. */
  hints?: number;
  /** Bind to this local IP address before connecting (as `net`; ignored for a path). */
  localAddress?: string | null;
  /** Bind to this local port before connecting (as `net`; 0 or unset: an ephemeral one). */
  localPort?: number | null;
  /**
   * Happy Eyeballs for host names (RFC 8305, nbio's `attemptTimeoutMs`), as `net`'s: default
   * `net.getDefaultAutoSelectFamily()`; off when `family` is set.
   */
  autoSelectFamily?: boolean;
  /** Each attempt's time before the next address (ms, at least 10); default `net`'s default. */
  autoSelectFamilyAttemptTimeout?: number;
}

/** Options of `server.listen(options)`. */
export interface ListenOptions {
  /** Default 0: a free port (read it back with `server.address()`). */
  port?: number | string;
  /** IP literal or `'localhost'`; default **`127.0.0.1`** (nbio's default; `net`'s is `::`). */
  host?: string;
  /** A Unix socket path instead of host and port. */
  path?: string;
  /** listen() backlog; default 511. */
  backlog?: number;
  /** Accepted for compatibility (nbio servers are never shared with a cluster primary). */
  exclusive?: boolean;
  /** Aborting it closes the server (as `server.close()`). */
  signal?: AbortSignal;
  /** IPV6_V6ONLY: `'::'` takes IPv6 connections only (default: dual stack). */
  ipv6Only?: boolean;
  /** Not supported: listening on a descriptor nbio did not open (an `'error'` follows). */
  fd?: number;
  /** Not supported, as `fd`. */
  handle?: unknown;
  /** A Unix socket path readable by all (the file's mode gains 0o444). */
  readableAll?: boolean;
  /** A Unix socket path writable by all (the file's mode gains 0o222). */
  writableAll?: boolean;
}

/** A `'connect'` or `'listening'` listener. */
export type Listener = () => void;

/**
 * `[options, listener]` from any of `net.connect`'s argument shapes, as `net` reads them: no
 * target gives `{}`, any other first value is taken for a port (connect() checks both, with
 * Node's codes: see node-errors.ts).
 */
export function normalizeConnectArgs(args: readonly unknown[]): [ConnectOptions, Listener | undefined] {
  const first = args[0];
  // What net._normalizeArgs returned, passed back as it is: `[options, cb]`, already read.
  if (isNormalizedArgs(first)) return [first[0] as ConnectOptions, (first[1] ?? undefined) as Listener];
  const last = args.at(-1);
  const cb = typeof last === 'function' ? (last as Listener) : undefined;
  const a0 = args[0];
  if (typeof a0 === 'object' && a0 !== null) return [a0 as ConnectOptions, cb];
  if (typeof a0 === 'string' && !isNumeric(a0)) return [{ path: a0 }, cb];
  if (a0 === undefined || typeof a0 === 'function') return [{}, cb]; // ERR_MISSING_ARGS follows
  // As net: anything else is taken for a port, which connect() then checks (ERR_INVALID_ARG_TYPE).
  const options: ConnectOptions = { port: a0 as number | string };
  if (typeof args[1] === 'string') options.host = args[1];
  return [options, cb];
}

/**
 * `[options, listener]` from any of `server.listen`'s argument shapes.
 * @throws InvalidArgumentError for an unusable first argument
 */
export function normalizeListenArgs(args: readonly unknown[]): [ListenOptions, Listener | undefined] {
  const last = args.at(-1);
  const cb = typeof last === 'function' ? (last as Listener) : undefined;
  const rest = cb === undefined ? args : args.slice(0, -1);
  const a0 = rest[0];
  if (rest.length === 0 || a0 === undefined || a0 === null) return [{ port: 0 }, cb];
  if (typeof a0 === 'object') return [a0 as ListenOptions, cb];
  if (typeof a0 === 'string' && !isNumeric(a0)) {
    const backlog = rest[1];
    return [typeof backlog === 'number' ? { path: a0, backlog } : { path: a0 }, cb];
  }
  if (typeof a0 === 'number' || typeof a0 === 'string') {
    const options: ListenOptions = { port: a0 };
    let i = 1;
    if (typeof rest[i] === 'string') options.host = rest[i++] as string;
    if (typeof rest[i] === 'number') options.backlog = rest[i] as number;
    return [options, cb];
  }
  throw new InvalidArgumentError(
    `Cannot listen with ${describeValue(a0)}: pass a port, { port, host }, { path } or a Unix socket path.`,
  );
}

/**
 * A port as a number: `net` accepts numbers and numeric strings (undici passes `'3000'`).
 * @throws InvalidArgumentError for anything else or a value outside 0–65535
 */
export function toPort(port: unknown, what: 'connect' | 'listen'): number {
  const n = typeof port === 'string' && isNumeric(port) ? Number(port.trim()) : port;
  const min = what === 'connect' ? 1 : 0;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > 65535) {
    throw new InvalidArgumentError(
      `Invalid port ${describeValue(port)}: use an integer from ${min} to 65535${what === 'listen' ? ' (0 picks a free one)' : ''}.`,
    );
  }
  return n;
}

/**
 * `net`'s numeric family as nbio's name.
 * @throws InvalidArgumentError for anything but 0, 4, 6 (or undefined)
 */
export function toFamily(family: unknown): 'ipv4' | 'ipv6' | undefined {
  if (family === undefined || family === null || family === 0) return undefined;
  if (family === 4 || family === 'IPv4') return 'ipv4';
  if (family === 6 || family === 'IPv6') return 'ipv6';
  throw new InvalidArgumentError(`Invalid family ${describeValue(family)}: use 4, 6 or 0 (either).`);
}

/**
 * True for the array `net._normalizeArgs()` returns: marked with Node's internal
 * `normalizedArgs` symbol (not exported by `net`: found by its description).
 */
function isNormalizedArgs(x: unknown): x is [unknown, unknown] {
  if (!Array.isArray(x)) return false;
  return Object.getOwnPropertySymbols(x).some(
    (s) => s.description === 'normalizedArgs' && (x as unknown as Record<symbol, unknown>)[s] === true,
  );
}

/** True for a string of decimal digits (surrounding spaces allowed, as `net`'s `toNumber`). */
function isNumeric(s: string): boolean {
  return /^\s*\d+\s*$/.test(s);
}
