/**
 * epoll(7): epoll_create1(2), epoll_ctl(2), epoll_wait(2). Linux only.
 *
 * `struct epoll_event { uint32_t events; epoll_data_t data; }` is packed (12 bytes) on x86_64
 * and 16 bytes elsewhere; the layout comes from `sys.EPOLL_EVENT_SIZE`/`EPOLL_DATA_OFFSET`.
 * nbio stores the fd in `data` (its low 32 bits).
 *
 * @module
 */
import { lastErrno, libc, osName } from './binding.ts';
import { sys } from './constants.ts';
import { EINTR, OsError } from './errno.ts';
import { countSyscall, Sc, syscallCounter } from './syscall-counter.ts';

const c =
  osName === 'linux'
    ? {
        create1: libc.func('int epoll_create1(int flags)'),
        ctl: libc.func('int epoll_ctl(int epfd, int op, int fd, void *event)'),
        wait: libc.func('int epoll_wait(int epfd, void *events, int maxevents, int timeout)'),
      }
    : null;

/** True where epoll exists (Linux). */
export const available: boolean = c !== null;

function api(): NonNullable<typeof c> {
  if (c === null) throw new Error('epoll exists only on Linux; use the kqueue or poll selector here.');
  return c;
}

/** epoll_create1(EPOLL_CLOEXEC). @returns the epoll fd */
export function create1(): number {
  const fd = api().create1(sys.EPOLL_CLOEXEC);
  if (fd < 0) throw new OsError('epoll_create1', lastErrno());
  return fd;
}

const one = new Uint8Array(16);
const oneView = new DataView(one.buffer);

/**
 * epoll_ctl(2).
 * @param op EPOLL_CTL_ADD, EPOLL_CTL_MOD or EPOLL_CTL_DEL
 * @param events EPOLLIN|EPOLLOUT|… (ignored for DEL)
 * @returns 0, or the errno when it is one of `tolerate` (callers decide what EEXIST means)
 * @throws OsError for any other failure
 */
export function ctl(
  epfd: number,
  op: number,
  fd: number,
  events: number,
  tolerate: readonly number[] = [],
): number {
  oneView.setUint32(0, events >>> 0, true);
  oneView.setUint32(sys.EPOLL_DATA_OFFSET, fd, true);
  oneView.setUint32(sys.EPOLL_DATA_OFFSET + 4, 0, true);
  if (syscallCounter.on) countSyscall(Sc.epoll_ctl);
  if (api().ctl(epfd, op, fd, one) === 0) return 0;
  const errno = lastErrno();
  if (tolerate.includes(errno)) return errno;
  throw new OsError('epoll_ctl', errno, `fd ${fd}`);
}

/**
 * A reusable `struct epoll_event` array for epoll_wait, read through a Uint32Array
 * (stride 3 on x86_64, 4 elsewhere). Callers read only `i < count` returned by the wait, so
 * every index below is in range (hence the `!`).
 */
export class EpollEvents {
  /** The bytes handed to epoll_wait. */
  readonly bytes: Uint8Array;
  /** Capacity in events. */
  readonly capacity: number;
  readonly #u32: Uint32Array;
  readonly #stride: number = sys.EPOLL_EVENT_SIZE / 4;
  readonly #dataIndex: number = sys.EPOLL_DATA_OFFSET / 4;

  /** @param capacity the most events one wait returns */
  constructor(capacity: number) {
    this.capacity = capacity;
    this.bytes = new Uint8Array(capacity * sys.EPOLL_EVENT_SIZE);
    this.#u32 = new Uint32Array(this.bytes.buffer);
  }
  /** Event `i`'s EPOLL* mask. */
  events(i: number): number {
    return this.#u32[i * this.#stride]!;
  }
  /** Event `i`'s fd (the low 32 bits of data). */
  fd(i: number): number {
    return this.#u32[i * this.#stride + this.#dataIndex]! | 0;
  }
}

/**
 * epoll_wait(2).
 * @param timeoutMs whole milliseconds (callers round up), or -1 to wait forever
 * @returns the number of events filled in; 0 on timeout or EINTR
 */
export function wait(epfd: number, out: EpollEvents, timeoutMs: number): number {
  const r = api().wait(epfd, out.bytes, out.capacity, timeoutMs);
  if (syscallCounter.on) countSyscall(Sc.epoll_wait);
  if (r >= 0) return r;
  const errno = lastErrno();
  if (errno === EINTR) return 0;
  throw new OsError('epoll_wait', errno);
}
