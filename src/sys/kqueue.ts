/**
 * kqueue(2): kqueue() and kevent(). macOS and the BSDs; on Linux through a userspace library.
 *
 * Where the two symbols come from is one setting, the environment variable
 * `NBIO_KQUEUE_LIBRARY`: unset, they come from the C library (`libc` in binding.ts); set, from
 * the shared library at that path (for instance libkqueue on Linux, for testing). Nothing is
 * loaded until first use, so importing this module never fails.
 *
 * `struct kevent` differs per platform, so its layout is data ({@link kqueueLayouts}) and
 * {@link KeventArray} encodes and decodes entries for any of them (tests check every layout on
 * Linux). All layouts are for 64-bit little-endian machines, the only ones nbio runs on.
 * Facts this relies on: docs/backends/kqueue.md.
 *
 * @module
 */
import { endianness, release } from 'node:os';
import { koffi, lastErrno, libc, loadLibrary, osName } from './binding.ts';
import { EINTR, OsError } from './errno.ts';
import { close, setCloseOnExec } from './fd.ts';
import { countSyscall, Sc, syscallCounter } from './syscall-counter.ts';

/** Filters: the same numbers everywhere, except EVFILT_USER (see {@link KeventLayout}). */
export const EVFILT_READ = -1;
/** Ready when a write would not block. */
export const EVFILT_WRITE = -2;
/** A signal was delivered (counted, not caught). */
export const EVFILT_SIGNAL = -6;
/** A timer; `fflags = 0` means `data` is milliseconds on every platform. */
export const EVFILT_TIMER = -7;

/** Action: add the filter (or modify it when it exists); implies EV_ENABLE. */
export const EV_ADD = 0x1;
/** Action: remove the filter. */
export const EV_DELETE = 0x2;
/** Action: let the filter report again. */
export const EV_ENABLE = 0x4;
/** Action: keep the filter but do not report it. */
export const EV_DISABLE = 0x8;
/** Report once, then delete the filter. */
export const EV_ONESHOT = 0x10;
/** Reset the filter's state after it is reported (edge-triggered). */
export const EV_CLEAR = 0x20;
/** Return one EV_ERROR entry per change, with `data` = 0 on success, instead of waiting. */
export const EV_RECEIPT = 0x40;
/** Returned: the entry reports an error; `data` holds the errno. Test with `&`. */
export const EV_ERROR = 0x4000;
/** Returned: end of file (the peer shut down this direction); `fflags` may hold an errno. */
export const EV_EOF = 0x8000;

/** The layout of `struct kevent` on one platform: its size and field offsets in bytes. */
export interface KeventLayout {
  /** sizeof(struct kevent): the distance between entries. */
  readonly stride: number;
  /** uintptr_t ident (the fd for READ/WRITE). */
  readonly ident: number;
  /** int16_t filter. */
  readonly filter: number;
  /** uint16_t flags. */
  readonly flags: number;
  /** uint32_t fflags. */
  readonly fflags: number;
  /** int64_t data (intptr_t on the 64-bit layouts). */
  readonly data: number;
  /** void *udata. */
  readonly udata: number;
  /** uint64_t ext[4] (FreeBSD 12+), which must be zeroed; -1 where there is none. */
  readonly ext: number;
  /** The platform's EVFILT_USER: −10 on macOS, −11 on FreeBSD and libkqueue. */
  readonly EVFILT_USER: number;
}

const classic = { stride: 32, ident: 0, filter: 8, flags: 10, fflags: 12, data: 16, udata: 24, ext: -1 };

/**
 * `struct kevent` per platform (64-bit). FreeBSD 12 appended `uint64_t ext[4]` and versioned
 * the symbol; `kevent` resolves to that 64-byte version there.
 */
export const kqueueLayouts = Object.freeze({
  /** macOS, x86_64 and arm64. */
  darwin: Object.freeze({ ...classic, EVFILT_USER: -10 }),
  /** FreeBSD 11 and older (and the compat `kevent@FBSD_1.0` symbol). */
  freebsd11: Object.freeze({ ...classic, EVFILT_USER: -11 }),
  /** FreeBSD 12 and newer: 32 bytes of ext[4] appended. */
  freebsd12: Object.freeze({ ...classic, stride: 64, ext: 32, EVFILT_USER: -11 }),
  /** libkqueue (userspace, Linux): the FreeBSD 11 struct. */
  libkqueue: Object.freeze({ ...classic, EVFILT_USER: -11 }),
} satisfies Record<string, KeventLayout>);

/** The keys of {@link kqueueLayouts}. */
export type KeventLayoutName = keyof typeof kqueueLayouts;

/** The path in `NBIO_KQUEUE_LIBRARY`, or null when kqueue comes from the C library. */
export const libraryPath: string | null = process.env.NBIO_KQUEUE_LIBRARY || null;

/**
 * True when kqueue is the kernel's (the C library on macOS/FreeBSD): its fd is then readable
 * while events are pending. False for a userspace library, whose fd is not pollable.
 */
export const isKernel: boolean = libraryPath === null && osName !== 'linux';

/** The layout this process uses: by OS, and libkqueue's on Linux. */
export const layoutName: KeventLayoutName =
  osName === 'darwin'
    ? 'darwin'
    : osName === 'freebsd'
      ? Number.parseInt(release(), 10) >= 12
        ? 'freebsd12'
        : 'freebsd11'
      : 'libkqueue';

/** The layout this process uses. */
export const layout: KeventLayout = kqueueLayouts[layoutName];

/** sizeof(struct timespec) on 64-bit: { int64_t tv_sec; int64_t tv_nsec; }. */
export const TIMESPEC_SIZE = 16;

/**
 * A reusable array of `struct kevent` in one layout: allocated once, grown on demand, every
 * field read and written through a DataView (little-endian), `udata` and `ext` always zeroed.
 */
export class KeventArray {
  /** The layout entries are encoded in. */
  readonly layout: KeventLayout;
  #bytes: Uint8Array;
  #view: DataView;

  /**
   * @param layout one of {@link kqueueLayouts} (the default is this platform's)
   * @param capacity initial number of entries
   */
  constructor(entryLayout: KeventLayout = layout, capacity = 8) {
    this.layout = entryLayout;
    this.#bytes = new Uint8Array(Math.max(1, capacity) * entryLayout.stride);
    this.#view = new DataView(this.#bytes.buffer);
  }

  /** The bytes handed to kevent(): valid until the next {@link reserve} that grows. */
  get bytes(): Uint8Array {
    return this.#bytes;
  }
  /** The number of entries that fit. */
  get capacity(): number {
    return this.#bytes.length / this.layout.stride;
  }

  /** Makes room for at least `n` entries, keeping the ones written so far. */
  reserve(n: number): void {
    if (n <= this.capacity) return;
    const next = new Uint8Array(Math.max(n, this.capacity * 2) * this.layout.stride);
    next.set(this.#bytes);
    this.#bytes = next;
    this.#view = new DataView(next.buffer);
  }

  /**
   * Writes entry `i` (growing the array if needed), as C's `EV_SET` does; `udata` and `ext`
   * are zeroed.
   * @param data an integer within ±2^53
   */
  set(i: number, ident: number, filter: number, flags: number, fflags = 0, data = 0): void {
    this.reserve(i + 1);
    const L = this.layout;
    const o = i * L.stride;
    this.#bytes.fill(0, o, o + L.stride);
    const v = this.#view;
    setInt64(v, o + L.ident, ident);
    v.setInt16(o + L.filter, filter, true);
    v.setUint16(o + L.flags, flags, true);
    v.setUint32(o + L.fflags, fflags >>> 0, true);
    setInt64(v, o + L.data, data);
  }

  /** Entry `i`'s ident (an fd, a signal number, a timer id). */
  ident(i: number): number {
    const o = i * this.layout.stride + this.layout.ident;
    return this.#view.getUint32(o + 4, true) * 2 ** 32 + this.#view.getUint32(o, true);
  }
  /** Entry `i`'s filter (negative: EVFILT_READ is −1). */
  filter(i: number): number {
    return this.#view.getInt16(i * this.layout.stride + this.layout.filter, true);
  }
  /** Entry `i`'s flags (EV_*). */
  flags(i: number): number {
    return this.#view.getUint16(i * this.layout.stride + this.layout.flags, true);
  }
  /** Entry `i`'s filter flags (NOTE_*; for EV_EOF, a socket error). */
  fflags(i: number): number {
    return this.#view.getUint32(i * this.layout.stride + this.layout.fflags, true);
  }
  /** Entry `i`'s data: bytes available, buffer space, or the errno of an EV_ERROR entry. */
  data(i: number): number {
    return getInt64(this.#view, i * this.layout.stride + this.layout.data);
  }
}

/** Writes an integer (|v| < 2^53) as a little-endian int64 without BigInt. */
function setInt64(v: DataView, o: number, value: number): void {
  const hi = Math.floor(value / 2 ** 32);
  v.setUint32(o, value - hi * 2 ** 32, true);
  v.setInt32(o + 4, hi, true);
}

/** Reads a little-endian int64 as a number (exact within ±2^53). */
function getInt64(v: DataView, o: number): number {
  return v.getInt32(o + 4, true) * 2 ** 32 + v.getUint32(o, true);
}

/**
 * Writes `timeoutMs` as a `struct timespec` into `out` (16 bytes). Nanosecond precision, so
 * a fractional millisecond is kept, rounded up to the next nanosecond.
 */
export function encodeTimespec(out: DataView, timeoutMs: number): void {
  let sec = Math.floor(timeoutMs / 1000);
  let nsec = Math.ceil((timeoutMs - sec * 1000) * 1e6);
  if (nsec >= 1e9) {
    sec += 1;
    nsec -= 1e9;
  }
  setInt64(out, 0, sec);
  setInt64(out, 8, nsec);
}

interface Api {
  kqueue: () => number;
  kevent: (
    kq: number,
    changes: Uint8Array | null,
    nchanges: number,
    events: Uint8Array | null,
    nevents: number,
    timeout: Uint8Array | null,
  ) => number;
  /** libkqueue only: waits until kqueues closed so far have released their descriptors. */
  drainPendingClose: (() => void) | null;
}

let api: Api | null = null;
let unavailable: string | null | undefined;

function bind(lib: ReturnType<typeof loadLibrary>, userspace: boolean): Api {
  let drainPendingClose: (() => void) | null = null;
  if (userspace) {
    try {
      drainPendingClose = lib.func('void libkqueue_drain_pending_close()');
    } catch {
      // Another userspace kqueue, or an older libkqueue: closes settle on their own schedule.
    }
  }
  return {
    kqueue: lib.func('int kqueue()'),
    kevent: lib.func(
      'int kevent(int kq, const void *changelist, int nchanges, void *eventlist, int nevents, const void *timeout)',
    ),
    drainPendingClose,
  };
}

/**
 * A userspace kqueue (libkqueue) opens two process-wide descriptors on its first `kqueue()` and
 * keeps them: open and close one kqueue as soon as the library loads, so that they exist before
 * any caller counts descriptors, rather than appearing as a leak of whoever came first.
 */
function warmUp(a: Api): void {
  const kq = a.kqueue();
  if (kq < 0) return; // the first real kqueue() call will report the errno
  close(kq);
  a.drainPendingClose?.();
}

/**
 * Why kqueue cannot be used in this process, or null when it can. Loads the library on the
 * first call (and remembers the outcome).
 */
export function unavailableReason(): string | null {
  if (unavailable !== undefined) return unavailable;
  if (koffi.sizeof('void *') !== 8 || endianness() !== 'LE') {
    unavailable = `nbio's struct kevent layouts are for 64-bit little-endian machines; this is ${process.arch}`;
  } else if (libraryPath === null && osName === 'linux') {
    unavailable =
      'kqueue is the macOS/BSD mechanism; this is Linux (set NBIO_KQUEUE_LIBRARY to a userspace kqueue library such as libkqueue to run it here)';
  } else {
    try {
      const loaded = bind(libraryPath === null ? libc : loadLibrary(libraryPath), libraryPath !== null);
      if (libraryPath !== null) warmUp(loaded);
      api = loaded;
      unavailable = null;
    } catch (err) {
      unavailable = `cannot load kqueue from NBIO_KQUEUE_LIBRARY=${libraryPath}: ${(err as Error).message}`;
    }
  }
  return unavailable;
}

function c(): Api {
  const reason = unavailableReason();
  if (api === null) throw new Error(`kqueue is not available: ${reason}`);
  return api;
}

/**
 * kqueue(2): a new kernel event queue, close-on-exec.
 * @returns the kqueue fd
 * @throws OsError (EMFILE …); Error when kqueue is not available (see {@link unavailableReason})
 */
export function kqueue(): number {
  const kq = c().kqueue();
  if (kq < 0) throw new OsError('kqueue', lastErrno());
  try {
    setCloseOnExec(kq);
  } catch (err) {
    close(kq);
    throw err;
  }
  return kq;
}

/**
 * Closes a kqueue descriptor. A userspace kqueue (libkqueue) frees what stands behind it (an
 * epoll fd, an eventfd) later, on a thread of its own; this waits for that, so once it returns
 * every descriptor the kqueue used is closed, as with a kernel kqueue.
 * @throws OsError from close(2)
 */
export function closeKqueue(kq: number): void {
  close(kq);
  api?.drainPendingClose?.();
}

const timespec = new Uint8Array(TIMESPEC_SIZE);
const timespecView = new DataView(timespec.buffer);

function checkArray(what: string, arr: KeventArray | null, n: number): void {
  if (arr === null ? n !== 0 : n < 0 || n > arr.capacity || arr.layout !== layout) {
    throw new RangeError(
      `kevent(): ${what} must be a KeventArray in this platform's layout holding at least ${n} entries`,
    );
  }
}

/**
 * kevent(2): applies `nchanges` changes, then collects up to `nevents` events.
 * @param timeoutMs how long to wait for events (fractions kept), or null to wait forever
 * @returns the number of entries written to `eventlist`; 0 on timeout or EINTR
 * @throws OsError for a failure of the call itself; RangeError when an array is too small
 */
export function kevent(
  kq: number,
  changelist: KeventArray | null,
  nchanges: number,
  eventlist: KeventArray | null,
  nevents: number,
  timeoutMs: number | null,
): number {
  checkArray('changelist', changelist, nchanges);
  checkArray('eventlist', eventlist, nevents);
  if (timeoutMs !== null) encodeTimespec(timespecView, timeoutMs);
  const r = c().kevent(
    kq,
    changelist === null ? null : changelist.bytes,
    nchanges,
    eventlist === null ? null : eventlist.bytes,
    nevents,
    timeoutMs === null ? null : timespec,
  );
  if (syscallCounter.on) countSyscall(Sc.kevent);
  if (r >= 0) return r;
  const errno = lastErrno();
  if (errno === EINTR) return 0;
  throw new OsError('kevent', errno, `kq ${kq}`);
}
