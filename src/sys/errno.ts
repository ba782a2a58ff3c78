/**
 * OS errors: `OsError` with `errno`, `code` and `syscall` (the fields of Node's ErrnoException),
 * and the few errno values the hot paths test for.
 *
 * Errno numbers differ per OS (EAGAIN is 11 on Linux, 35 on macOS), so they come from
 * `os.constants.errno`, which Node fills in for the platform it was built for.
 *
 * @module
 */
import { constants } from 'node:os';
import { lastErrno } from './binding.ts';

// Typed per name by @types/node, so each constant below is a number without a cast.
const table = constants.errno;
const names = new Map<number, string>();
for (const [name, value] of Object.entries(table)) {
  // EWOULDBLOCK == EAGAIN and ENOTSUP == EOPNOTSUPP on Linux: keep the name people expect.
  if (!names.has(value)) names.set(value, name);
}

/** errno values used by name in nbio. */
export const EAGAIN: number = table.EAGAIN;
/** Same value as EAGAIN on every platform nbio supports. */
export const EWOULDBLOCK: number = table.EWOULDBLOCK;
/** Interrupted by a signal: the call is retried (or, for a wait, treated as a timeout). */
export const EINTR: number = table.EINTR;
/** A non-blocking connect() has started. */
export const EINPROGRESS: number = table.EINPROGRESS;
/** Bad file descriptor. */
export const EBADF: number = table.EBADF;
/** Already exists (epoll_ctl ADD of a registered fd). */
export const EEXIST: number = table.EEXIST;
/** Not found (epoll_ctl DEL/MOD of an unregistered fd). */
export const ENOENT: number = table.ENOENT;
/** Invalid argument. */
export const EINVAL: number = table.EINVAL;
/** Broken pipe. */
export const EPIPE: number = table.EPIPE;
/** Connection reset by peer. */
export const ECONNRESET: number = table.ECONNRESET;
/** Connection refused. */
export const ECONNREFUSED: number = table.ECONNREFUSED;
/** Too many open files in this process. */
export const EMFILE: number = table.EMFILE;
/** Too many open files in the system. */
export const ENFILE: number = table.ENFILE;
/** Address already in use. */
export const EADDRINUSE: number = table.EADDRINUSE;
/** Connection aborted (accept of a connection reset before it was taken). */
export const ECONNABORTED: number = table.ECONNABORTED;
/** Operation not supported. */
export const EOPNOTSUPP: number = table.EOPNOTSUPP;
/** Socket is not connected. */
export const ENOTCONN: number = table.ENOTCONN;
/** Connection timed out. */
export const ETIMEDOUT: number = table.ETIMEDOUT;
/** Permission denied. */
export const EACCES: number = table.EACCES;
/** Function not implemented (a syscall this kernel lacks). */
export const ENOSYS: number = table.ENOSYS;

/** The symbolic name of an errno value (`'ECONNRESET'`), or `'E<number>'` when unknown. */
export function errnoName(errno: number): string {
  return names.get(errno) ?? `E${errno}`;
}

/**
 * An error a system call returned. Mirrors Node's ErrnoException: `errno` is the positive
 * C value, `code` its name, `syscall` the call that failed.
 */
export class OsError extends Error {
  /** The positive errno value, as C sees it. */
  readonly errno: number;
  /** The errno's name, e.g. `'ECONNREFUSED'`. Stable across platforms. */
  readonly code: string;
  /** The system call that failed, e.g. `'connect'`. */
  readonly syscall: string;

  /**
   * @param syscall the call that failed
   * @param errno the positive errno value
   * @param detail optional context appended to the message (an fd, an address)
   */
  constructor(syscall: string, errno: number, detail?: string) {
    const code = errnoName(errno);
    super(`${syscall}() failed: ${code}${detail ? ` (${detail})` : ''}`);
    this.name = 'OsError';
    this.errno = errno;
    this.code = code;
    this.syscall = syscall;
  }
}

/** Builds an OsError from the current errno. Call it right after the failing call. */
export function lastOsError(syscall: string, detail?: string): OsError {
  return new OsError(syscall, lastErrno(), detail);
}

/** True when `err` is an OsError meaning "try again later" (EAGAIN/EWOULDBLOCK). */
export function isWouldBlock(err: unknown): boolean {
  return err instanceof OsError && (err.errno === EAGAIN || err.errno === EWOULDBLOCK);
}
