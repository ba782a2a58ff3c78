/**
 * File-descriptor calls: read(2), write(2), readv/writev(2), close(2), fcntl(2), pipe2(2),
 * eventfd(2). Thin translations: flags in, numbers out, OsError on failure.
 *
 * Hot paths (`read`, `write`, `readv`, `writev`) return {@link WOULD_BLOCK} instead of
 * throwing when the descriptor is not ready: would-block is not an error.
 *
 * @module
 */
import { koffi, lastErrno, libc, osName } from './binding.ts';
import { sys } from './constants.ts';
import { EAGAIN, EBADF, EINTR, ENOSYS, EWOULDBLOCK, OsError } from './errno.ts';
import { countSyscall, Sc, syscallCounter } from './syscall-counter.ts';

/** Returned by the hot-path calls when the fd is not ready (EAGAIN/EWOULDBLOCK). */
export const WOULD_BLOCK = -1;

const c = {
  read: libc.func('intptr_t read(int fd, void *buf, size_t count)'),
  write: libc.func('intptr_t write(int fd, const void *buf, size_t count)'),
  close: libc.func('int close(int fd)'),
  // fcntl is variadic. On Linux x86_64/arm64 an int third argument is passed exactly like a
  // fixed one; Apple arm64 passes variadic arguments on the stack, so declare the varargs there.
  fcntl:
    osName === 'linux'
      ? libc.func('int fcntl(int fd, int cmd, int arg)')
      : libc.func('int fcntl(int fd, int cmd, ...)'),
  pipe2: osName === 'darwin' ? null : libc.func('int pipe2(_Out_ int *fds, int flags)'),
  pipe: libc.func('int pipe(_Out_ int *fds)'),
  eventfd: osName === 'linux' ? libc.func('int eventfd(unsigned int initval, int flags)') : null,
  dup: libc.func('int dup(int fd)'),
};

// struct iovec; koffi turns an array of {base, len} into a C array for the call.
koffi.struct('nbio_iovec', { base: 'void *', len: 'size_t' });
const cv = {
  readv: libc.func('intptr_t readv(int fd, const nbio_iovec *iov, int iovcnt)'),
  writev: libc.func('intptr_t writev(int fd, const nbio_iovec *iov, int iovcnt)'),
};

/** IOV_MAX on Linux, macOS and FreeBSD. */
export const IOV_MAX = 1024;

function failOrWouldBlock(syscall: string, fd: number): number {
  const errno = lastErrno();
  if (errno === EAGAIN || errno === EWOULDBLOCK) return WOULD_BLOCK;
  throw new OsError(syscall, errno, `fd ${fd}`);
}

/**
 * read(2) into `buf[offset, offset+length)`.
 * @returns bytes read, 0 at end of file, or {@link WOULD_BLOCK}
 * @throws OsError for any other failure
 */
export function read(fd: number, buf: Uint8Array, offset = 0, length = buf.length - offset): number {
  for (;;) {
    const n = Number(c.read(fd, offset === 0 ? buf : buf.subarray(offset), length));
    if (syscallCounter.on) countSyscall(Sc.read, n);
    if (n >= 0) return n;
    if (lastErrno() === EINTR) continue;
    return failOrWouldBlock('read', fd);
  }
}

/**
 * write(2) of `buf[offset, offset+length)`. May write less than asked.
 * @returns bytes written or {@link WOULD_BLOCK}
 * @throws OsError for any other failure (EPIPE on a pipe: sockets should use `send`)
 */
export function write(fd: number, buf: Uint8Array, offset = 0, length = buf.length - offset): number {
  for (;;) {
    const n = Number(c.write(fd, offset === 0 ? buf : buf.subarray(offset), length));
    if (syscallCounter.on) countSyscall(Sc.write, n);
    if (n >= 0) return n;
    if (lastErrno() === EINTR) continue;
    return failOrWouldBlock('write', fd);
  }
}

function toIov(bufs: readonly Uint8Array[]): { base: Uint8Array; len: number }[] {
  const n = Math.min(bufs.length, IOV_MAX);
  const iov = new Array<{ base: Uint8Array; len: number }>(n);
  for (let i = 0; i < n; i++) {
    const base = bufs[i]!; // i < n ≤ bufs.length
    iov[i] = { base, len: base.length };
  }
  return iov;
}

/**
 * writev(2): gathers up to {@link IOV_MAX} buffers in one call.
 * @returns bytes written (possibly fewer than the total) or {@link WOULD_BLOCK}
 */
export function writev(fd: number, bufs: readonly Uint8Array[]): number {
  if (bufs.length === 0) return 0;
  const iov = toIov(bufs);
  for (;;) {
    const n = Number(cv.writev(fd, iov, iov.length));
    if (syscallCounter.on) countSyscall(Sc.writev, n);
    if (n >= 0) return n;
    if (lastErrno() === EINTR) continue;
    return failOrWouldBlock('writev', fd);
  }
}

/**
 * readv(2): scatters into up to {@link IOV_MAX} buffers in one call.
 * @returns bytes read, 0 at end of file, or {@link WOULD_BLOCK}
 */
export function readv(fd: number, bufs: readonly Uint8Array[]): number {
  if (bufs.length === 0) return 0;
  const iov = toIov(bufs);
  for (;;) {
    const n = Number(cv.readv(fd, iov, iov.length));
    if (syscallCounter.on) countSyscall(Sc.readv, n);
    if (n >= 0) return n;
    if (lastErrno() === EINTR) continue;
    return failOrWouldBlock('readv', fd);
  }
}

/**
 * close(2). Not retried on EINTR: on Linux the descriptor is released even then, and a retry
 * could close a descriptor another part of the program just opened.
 * @throws OsError (EBADF when the fd was not open)
 */
export function close(fd: number): void {
  if (syscallCounter.on) countSyscall(Sc.close);
  if (c.close(fd) !== 0) {
    const errno = lastErrno();
    if (errno === EINTR) return;
    throw new OsError('close', errno, `fd ${fd}`);
  }
}

/** fcntl(2) with an int argument (or none). @throws OsError */
export function fcntl(fd: number, cmd: number, arg = 0): number {
  const r = osName === 'linux' ? c.fcntl(fd, cmd, arg) : c.fcntl(fd, cmd, 'int', arg);
  if (r < 0) throw new OsError('fcntl', lastErrno(), `fd ${fd}`);
  return r;
}

/**
 * True when `fd` is an open descriptor of this process (fcntl F_GETFD succeeds). Used before
 * handing an fd to code that aborts the process on a bad one.
 */
export function isOpen(fd: number): boolean {
  if (!Number.isInteger(fd) || fd < 0) return false;
  const r = osName === 'linux' ? c.fcntl(fd, sys.F_GETFD, 0) : c.fcntl(fd, sys.F_GETFD, 'int', 0);
  if (r >= 0) return true;
  const errno = lastErrno();
  if (errno === EBADF) return false;
  throw new OsError('fcntl', errno, `fd ${fd}`);
}

/** Sets or clears O_NONBLOCK with F_GETFL/F_SETFL. */
export function setNonBlocking(fd: number, on = true): void {
  const flags = fcntl(fd, sys.F_GETFL);
  const next = on ? flags | sys.O_NONBLOCK : flags & ~sys.O_NONBLOCK;
  if (next !== flags) fcntl(fd, sys.F_SETFL, next);
}

/** True when O_NONBLOCK is set on `fd`. */
export function isNonBlocking(fd: number): boolean {
  return (fcntl(fd, sys.F_GETFL) & sys.O_NONBLOCK) !== 0;
}

/** Sets FD_CLOEXEC so the descriptor does not leak into child processes. */
export function setCloseOnExec(fd: number): void {
  fcntl(fd, sys.F_SETFD, fcntl(fd, sys.F_GETFD) | sys.FD_CLOEXEC);
}

/**
 * A pipe, both ends non-blocking and close-on-exec (pipe2 where it exists; pipe + fcntl on
 * macOS, which has no pipe2).
 * @returns [readEnd, writeEnd]
 */
export function pipe(): [number, number] {
  const fds = new Int32Array(2);
  if (c.pipe2 !== null) {
    if (c.pipe2(fds, sys.O_NONBLOCK | sys.O_CLOEXEC) !== 0) throw new OsError('pipe2', lastErrno());
    return [fds[0]!, fds[1]!]; // an Int32Array(2)
  }
  if (c.pipe(fds) !== 0) throw new OsError('pipe', lastErrno());
  for (const fd of fds) {
    setNonBlocking(fd);
    setCloseOnExec(fd);
  }
  return [fds[0]!, fds[1]!];
}

/** True where eventfd(2) exists (Linux). */
export const hasEventfd: boolean = c.eventfd !== null;

/**
 * eventfd(2), non-blocking and close-on-exec. Linux only.
 * @throws OsError (ENOSYS where the platform has no eventfd)
 */
export function eventfd(initval = 0): number {
  if (c.eventfd === null) throw new OsError('eventfd', ENOSYS);
  const fd = c.eventfd(initval, sys.EFD_NONBLOCK | sys.EFD_CLOEXEC);
  if (fd < 0) throw new OsError('eventfd', lastErrno());
  return fd;
}

/** dup(2). Used by tests of the epoll file-description pitfall. @throws OsError */
export function dup(fd: number): number {
  const r = c.dup(fd);
  if (r < 0) throw new OsError('dup', lastErrno(), `fd ${fd}`);
  return r;
}
