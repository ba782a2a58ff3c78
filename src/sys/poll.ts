/**
 * poll(2) and the `struct pollfd` array: `{ int fd; short events; short revents; }`, 8 bytes,
 * the same on every platform nbio supports. The kernel scans every entry on every call.
 *
 * @module
 */
import { lastErrno, libc, osName } from './binding.ts';
import { EINTR, OsError } from './errno.ts';
import { countSyscall, Sc, syscallCounter } from './syscall-counter.ts';

const c = {
  poll:
    // nfds_t: unsigned long on Linux, unsigned int on macOS and FreeBSD.
    osName === 'linux'
      ? libc.func('int poll(void *fds, unsigned long nfds, int timeout)')
      : libc.func('int poll(void *fds, unsigned int nfds, int timeout)'),
};

/** sizeof(struct pollfd). */
export const POLLFD_SIZE = 8;

/**
 * A growable `struct pollfd` array, allocated once and reused between calls; entries are read
 * and written through typed views (no allocation per call).
 */
export class PollFdArray {
  #buf: ArrayBuffer;
  #i32: Int32Array;
  #i16: Int16Array;
  #bytes: Uint8Array;
  /** Number of entries in use. */
  length = 0;

  /** @param capacity initial number of entries */
  constructor(capacity = 64) {
    this.#buf = new ArrayBuffer(capacity * POLLFD_SIZE);
    this.#i32 = new Int32Array(this.#buf);
    this.#i16 = new Int16Array(this.#buf);
    this.#bytes = new Uint8Array(this.#buf);
  }

  /** Appends an entry. @returns its index */
  push(fd: number, events: number): number {
    if ((this.length + 1) * POLLFD_SIZE > this.#buf.byteLength) this.#grow();
    const i = this.length++;
    this.set(i, fd, events);
    return i;
  }
  /** Overwrites entry `i`. */
  set(i: number, fd: number, events: number): void {
    this.#i32[i * 2] = fd;
    this.#i16[i * 4 + 2] = events;
    this.#i16[i * 4 + 3] = 0;
  }
  /** Moves the last entry into slot `i` and shrinks by one. @returns the fd moved, or -1 */
  swapRemove(i: number): number {
    const last = this.length - 1;
    let moved = -1;
    if (i !== last) {
      moved = this.fd(last);
      this.set(i, moved, this.events(last));
    }
    this.length = last;
    return moved;
  }
  // The readers below take `i < length` (the buffer holds at least `length` entries): `!` is safe.
  /** Entry `i`'s fd. */
  fd(i: number): number {
    return this.#i32[i * 2]!;
  }
  /** Entry `i`'s requested events. */
  events(i: number): number {
    return this.#i16[i * 4 + 2]!;
  }
  /** Entry `i`'s returned events. */
  revents(i: number): number {
    return this.#i16[i * 4 + 3]! & 0xffff;
  }
  /** The bytes handed to poll(). */
  get bytes(): Uint8Array {
    return this.#bytes;
  }

  #grow(): void {
    const next = new ArrayBuffer(this.#buf.byteLength * 2);
    new Uint8Array(next).set(this.#bytes);
    this.#buf = next;
    this.#i32 = new Int32Array(next);
    this.#i16 = new Int16Array(next);
    this.#bytes = new Uint8Array(next);
  }
}

/**
 * poll(2) over the first `fds.length` entries.
 * @param timeoutMs whole milliseconds (callers round up), or -1 to wait forever
 * @returns the number of entries with nonzero revents; 0 on timeout or EINTR
 */
export function poll(fds: PollFdArray, timeoutMs: number): number {
  const r = c.poll(fds.bytes, fds.length, timeoutMs);
  if (syscallCounter.on) countSyscall(Sc.poll);
  if (r >= 0) return r;
  const errno = lastErrno();
  if (errno === EINTR) return 0;
  throw new OsError('poll', errno);
}
