/**
 * select(2) and the fd_set bitmap. An fd_set is FD_SETSIZE (1024) bits; touching a bit at or
 * past it writes outside the set, so {@link FdSet} refuses such an fd before the bitmap is
 * touched. On x86_64 glibc, select() is issued as the pselect6 syscall.
 *
 * @module
 */
import { lastErrno, libc } from './binding.ts';
import { sys } from './constants.ts';
import { EINTR, OsError } from './errno.ts';
import { countSyscall, Sc, syscallCounter } from './syscall-counter.ts';

const c = {
  select: libc.func('int select(int nfds, void *readfds, void *writefds, void *exceptfds, void *timeout)'),
};

/** sizeof(fd_set): FD_SETSIZE bits. */
export const FD_SET_BYTES: number = sys.FD_SETSIZE / 8;

/**
 * An fd_set. The bitmap is an array of `long` in host byte order; on the little-endian
 * machines nbio runs on, bit `fd` is bit `fd % 8` of byte `fd / 8`.
 */
export class FdSet {
  /** The bytes handed to select(). */
  readonly bytes: Uint8Array = new Uint8Array(FD_SET_BYTES);

  /** FD_SET. @throws RangeError when `fd` is negative or ≥ FD_SETSIZE (bitmap untouched) */
  add(fd: number): void {
    checkFd(fd);
    this.bytes[fd >> 3]! |= 1 << (fd & 7); // checkFd: fd >> 3 < FD_SET_BYTES
  }
  /** FD_CLR. */
  delete(fd: number): void {
    checkFd(fd);
    this.bytes[fd >> 3]! &= ~(1 << (fd & 7));
  }
  /** FD_ISSET. */
  has(fd: number): boolean {
    checkFd(fd);
    return (this.bytes[fd >> 3]! & (1 << (fd & 7))) !== 0;
  }
  /** FD_ZERO. */
  clear(): void {
    this.bytes.fill(0);
  }
  /** Copies another set's bits into this one (select() overwrites its arguments). */
  copyFrom(other: FdSet): void {
    this.bytes.set(other.bytes);
  }
}

function checkFd(fd: number): void {
  if (!(fd >= 0 && fd < sys.FD_SETSIZE)) {
    throw new RangeError(`fd ${fd} does not fit in an fd_set (0 ≤ fd < ${sys.FD_SETSIZE})`);
  }
}

const timeval = new BigInt64Array(2);

/**
 * select(2). The sets are overwritten with the ready descriptors.
 * @param timeoutMs milliseconds (fractions kept to the microsecond), or null to wait forever
 * @returns the number of ready descriptors; 0 on timeout or when a signal interrupted the wait
 * @throws OsError (EBADF when a set holds a closed fd, EINVAL …)
 */
export function select(
  nfds: number,
  readfds: FdSet | null,
  writefds: FdSet | null,
  exceptfds: FdSet | null,
  timeoutMs: number | null,
): number {
  let tv: BigInt64Array | null = null;
  if (timeoutMs !== null) {
    const us = Math.ceil(timeoutMs * 1000);
    timeval[0] = BigInt(Math.floor(us / 1e6));
    timeval[1] = BigInt(us % 1e6);
    tv = timeval;
  }
  const r = c.select(
    nfds,
    readfds === null ? null : readfds.bytes,
    writefds === null ? null : writefds.bytes,
    exceptfds === null ? null : exceptfds.bytes,
    tv,
  );
  if (syscallCounter.on) countSyscall(Sc.select);
  if (r >= 0) return r;
  const errno = lastErrno();
  if (errno === EINTR) return 0;
  throw new OsError('select', errno);
}
