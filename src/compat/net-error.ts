/**
 * Errors the way Node's `net` shapes them. Libraries test `err.code === 'ECONNREFUSED'`,
 * `'EADDRINUSE'`, `'ECONNRESET'` …, so compat sockets and servers turn nbio's typed errors into
 * {@link NetError}s with the fields of Node's ErrnoException (`code`, `errno` as libuv's
 * negative number, `syscall`, `address`, `port`) and a message in Node's words
 * (`connect ECONNREFUSED 127.0.0.1:6379`). The nbio error is kept as `cause`, so nothing is lost.
 *
 * | nbio error                                 | NetError code            | syscall        |
 * |--------------------------------------------|--------------------------|----------------|
 * | `ConnectionRefusedError`                   | `ECONNREFUSED` (`ENOENT` for a missing Unix path) | `connect` |
 * | `AddressInUseError`                        | `EADDRINUSE`             | `listen`       |
 * | `TimeoutError` (connecting)                | `ETIMEDOUT`              | `connect`      |
 * | `NameResolutionError`                      | `ENOTFOUND`              | `getaddrinfo`  |
 * | `BrokenResourceError` (OsError cause)      | the OsError's (`ECONNRESET`, `EPIPE` …) | `read`/`write` |
 * | `OsError`                                  | its own                  | its own        |
 * | `AbortedError`                             | `ABORT_ERR` (name `AbortError`) | —       |
 *
 * Anything else (an `InvalidArgumentError`, a protocol callback's own error) passes unchanged.
 *
 * @module
 */

import { getSystemErrorMap } from 'node:util';
import {
  AbortedError,
  AddressInUseError,
  BrokenResourceError,
  ConnectionRefusedError,
  NameResolutionError,
  TimeoutError,
} from '../errors.ts';
import { OsError } from '../sys/errno.ts';

/** Where an error happened, for the message and the fields (`address`, `port`). */
export interface NetErrorTarget {
  address?: string;
  port?: number | undefined;
  /** A Unix socket path (goes into `address`, as in Node). */
  path?: string;
  /** The host name being resolved (`ENOTFOUND`). */
  hostname?: string;
}

/** An error shaped like Node's ErrnoException (`code`, `errno`, `syscall`, `address`, `port`). */
export class NetError extends Error {
  /** Node's code: `'ECONNREFUSED'`, `'EADDRINUSE'`, `'ECONNRESET'` … */
  readonly code: string;
  /** libuv's number: the negated errno (−111 for ECONNREFUSED on Linux), when there is one. */
  readonly errno: number | undefined;
  /** The operation: `'connect'`, `'listen'`, `'read'`, `'write'`, `'getaddrinfo'`. */
  readonly syscall: string | undefined;
  /** The address (or Unix path) involved. */
  readonly address: string | undefined;
  /** The port involved. */
  readonly port: number | undefined;
  /** The host name that did not resolve (`ENOTFOUND`). */
  readonly hostname: string | undefined;

  /**
   * @param code Node's code
   * @param syscall the operation, or undefined
   * @param target where it happened
   * @param options `cause`: the nbio error; `errno`: the positive errno value when known;
   *   `message`: instead of Node's `<syscall> <code> <address>` form
   */
  constructor(
    code: string,
    syscall: string | undefined,
    target: NetErrorTarget = {},
    options: { cause?: unknown; errno?: number | undefined; message?: string } = {},
  ) {
    const where = target.path ?? (target.address !== undefined ? hostPort(target.address, target.port) : '');
    // Node words listen errors as libuv does: `listen EADDRINUSE: address already in use …`.
    const description = syscall === 'listen' ? uvDescription(code) : undefined;
    const what =
      syscall === undefined
        ? code
        : `${syscall} ${code}${description === undefined ? '' : `: ${description}`}`;
    const name = target.hostname !== undefined ? ` ${target.hostname}` : where ? ` ${where}` : '';
    super(options.message ?? `${what}${name}`, { cause: options.cause });
    this.name = code === 'ABORT_ERR' ? 'AbortError' : 'Error'; // as Node names them
    this.code = code;
    this.errno = options.errno !== undefined ? -options.errno : undefined;
    this.syscall = syscall;
    this.address = target.path ?? target.address;
    this.port = target.port;
    this.hostname = target.hostname;
  }
}

/** Turns an nbio error into the NetError `net` would have given (see the module table). */
export function toNetError(err: unknown, target: NetErrorTarget = {}): Error {
  if (err instanceof NetError || !(err instanceof Error)) {
    return err instanceof Error ? err : new Error(String(err));
  }
  const os = err.cause instanceof OsError ? err.cause : err instanceof OsError ? err : undefined;
  if (err instanceof ConnectionRefusedError) {
    // A Unix path nobody listens on is ENOENT when the file is missing, as net reports it.
    return new NetError(os?.code ?? 'ECONNREFUSED', 'connect', target, { cause: err, errno: os?.errno });
  }
  if (err instanceof AddressInUseError) {
    return new NetError('EADDRINUSE', 'listen', target, { cause: err, errno: os?.errno });
  }
  if (err instanceof TimeoutError) return new NetError('ETIMEDOUT', 'connect', target, { cause: err });
  if (err instanceof NameResolutionError) {
    return new NetError('ENOTFOUND', 'getaddrinfo', { hostname: err.host }, { cause: err });
  }
  if (err instanceof AbortedError) return new NetError('ABORT_ERR', undefined, {}, { cause: err });
  if ((err instanceof BrokenResourceError || err instanceof OsError) && os !== undefined) {
    return new NetError(os.code, nodeSyscall(os.syscall), target, { cause: err, errno: os.errno });
  }
  return err;
}

let uvDescriptions: Map<string, string> | null = null;

/** libuv's description of an error name (`'address already in use'`), from Node's own table. */
function uvDescription(code: string): string | undefined {
  if (uvDescriptions === null) {
    uvDescriptions = new Map();
    for (const [name, description] of getSystemErrorMap().values()) uvDescriptions.set(name, description);
  }
  return uvDescriptions.get(code);
}

/** Node names reads and writes after the stream operation, not the system call. */
function nodeSyscall(syscall: string): string {
  if (syscall === 'recv' || syscall === 'read') return 'read';
  if (syscall === 'send' || syscall === 'writev' || syscall === 'write') return 'write';
  return syscall;
}

/** `127.0.0.1:6379`, and `::1:6379` for IPv6 (Node prints no brackets either). */
function hostPort(address: string, port: number | undefined): string {
  return port === undefined ? address : `${address}:${port}`;
}
