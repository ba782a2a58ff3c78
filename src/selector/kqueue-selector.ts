/**
 * The kqueue backend (macOS, FreeBSD; Linux through a userspace library named by
 * `NBIO_KQUEUE_LIBRARY`). The kernel keeps the interest set, so a wait costs O(ready).
 *
 * kqueue watches *filters*, not descriptors: Readable is an EVFILT_READ filter on the fd and
 * Writable a separate EVFILT_WRITE filter, so one fd can come back as two kevents in one wait;
 * they are merged into one ReadyEvent. Every change carries EV_RECEIPT and is submitted with an
 * event list exactly as long as the change list, so each change answers with its own errno and
 * no real event can be consumed (and lost) by a call that only changes the set.
 * Kernel facts it relies on: docs/backends/kqueue.md.
 *
 * @module
 */
import { EBADF, ENOENT, OsError } from '../sys/errno.ts';
import * as kqueue from '../sys/kqueue.ts';
import { BaseSelector, MAX_TIMEOUT_MS, type Registration } from './registrations.ts';
import { Interest, type SelectorCapabilities, type Token } from './selector.ts';

/** Events returned by one kevent() wait; the rest come with the next (zero-timeout) wait. */
const MAX_EVENTS = 1024;

/** Interest bit → filter, in the order changes are queued. */
const FILTERS: readonly (readonly [bit: number, filter: number])[] = [
  [Interest.Readable, kqueue.EVFILT_READ],
  [Interest.Writable, kqueue.EVFILT_WRITE],
];

/** The trigger bits: a change in them means delete and re-add (EV_ADD alone may keep old flags). */
const MODE = Interest.Edge | Interest.OneShot;

/** Raw readiness collected per fd while merging one wait's kevents. */
const R = 1;
const W = 2;
const ERR = 4;
const HUP = 8;

function addFlags(interest: Interest): number {
  let flags = kqueue.EV_ADD;
  if (interest & Interest.Edge) flags |= kqueue.EV_CLEAR;
  if (interest & Interest.OneShot) flags |= kqueue.EV_ONESHOT;
  return flags;
}

function filterName(filter: number): string {
  return filter === kqueue.EVFILT_READ
    ? 'EVFILT_READ'
    : filter === kqueue.EVFILT_WRITE
      ? 'EVFILT_WRITE'
      : `filter ${filter}`;
}

/** Readiness through kqueue(2). Level-triggered by default; Edge (EV_CLEAR) and OneShot on request. */
export class KqueueSelector<T = Token> extends BaseSelector<T> {
  readonly capabilities: SelectorCapabilities;
  readonly #kq: number;
  readonly #changes = new kqueue.KeventArray(kqueue.layout, 4);
  readonly #receipts = new kqueue.KeventArray(kqueue.layout, 4);
  readonly #events = new kqueue.KeventArray(kqueue.layout, MAX_EVENTS);
  #nchanges = 0;
  // Merging one wait's kevents into one event per fd, without allocating per wait.
  readonly #slot = new Map<number, number>();
  readonly #fds: number[] = [];
  readonly #bits: number[] = [];
  /** Userspace kqueue: fd → the errno it took from SO_ERROR (see takeSocketError). */
  readonly #socketErrors = new Map<number, number>();

  /**
   * Whether kqueue can run in this process: on macOS/FreeBSD, or on Linux when
   * `NBIO_KQUEUE_LIBRARY` names a library that loads. Loads it on the first call.
   */
  static availability(): { available: true } | { available: false; reason: string } {
    const reason = kqueue.unavailableReason();
    return reason === null ? { available: true } : { available: false, reason };
  }

  /** @throws Error when kqueue is unavailable (see {@link KqueueSelector.availability}); OsError */
  constructor() {
    super();
    this.#kq = kqueue.kqueue();
    this.capabilities = Object.freeze({
      name: 'kqueue',
      maxFd: Number.POSITIVE_INFINITY,
      kernelInterestSet: true,
      // A kernel kqueue fd is readable while events are pending (guest mode works); a
      // userspace library's fd is not pollable, so the loop must own the wait.
      pollableFd: kqueue.isKernel ? this.#kq : null,
      triggers: Object.freeze(['level', 'edge', 'oneshot'] as const),
      idleCost: 'O(1)',
      syscall: 'kevent',
    });
  }

  /**
   * kqueue drops an fd's filters when the fd is closed, so a map entry for a closed-then-reused
   * number is stale. EV_ENABLE probes without disturbing a live filter: ENOENT means gone.
   * A fired one-shot is gone too and cannot be told apart, so one-shot entries are trusted.
   */
  protected override replaceStale(fd: number): boolean {
    const reg = this.registrations.get(fd)!;
    if (reg.interest & Interest.OneShot) return false;
    for (const [bit, filter] of FILTERS) if (reg.interest & bit) this.#queue(fd, filter, kqueue.EV_ENABLE);
    const n = this.#submit(fd);
    for (let i = 0; i < n; i++) if (this.#errno(i) !== ENOENT) return false;
    this.registrations.delete(fd);
    return true;
  }

  protected kernelAdd(reg: Registration<T>): void {
    this.#socketErrors.delete(reg.fd); // a new registration: an old socket error is not its own
    const flags = addFlags(reg.interest);
    for (const [bit, filter] of FILTERS) if (reg.interest & bit) this.#queue(reg.fd, filter, flags);
    const err = this.#failure(this.#submit(reg.fd), reg.fd);
    if (err === null) return;
    // Read may have been added before write failed: leave nothing behind.
    for (const [bit, filter] of FILTERS)
      if (reg.interest & bit) this.#queue(reg.fd, filter, kqueue.EV_DELETE);
    this.#submit(reg.fd);
    throw err;
  }

  /**
   * Changes only what changed: EV_DELETE for a dropped filter (or one whose trigger mode
   * changed), EV_ADD for a newly wanted filter, a changed one, or an edge/one-shot one (EV_ADD
   * re-arms a one-shot that fired and re-evaluates an edge filter, like EPOLL_CTL_MOD). A live
   * level-triggered filter is left alone: re-adding it gains nothing, and libkqueue answers such
   * an EV_ADD on a socket with −1 and a stale errno. On a failure, the changes that succeeded
   * are undone, so the kernel keeps the old interest, as the registration does.
   */
  protected kernelModify(reg: Registration<T>, old: Interest): void {
    const now = reg.interest;
    const modeChanged = (old & MODE) !== (now & MODE);
    const rearm = (now & MODE) !== 0;
    const flags = addFlags(now);
    for (const [bit, filter] of FILTERS) {
      const had = (old & bit) !== 0;
      const wants = (now & bit) !== 0;
      // A DELETE of a fired one-shot answers ENOENT, which #failure tolerates.
      if (had && (!wants || modeChanged)) this.#queue(reg.fd, filter, kqueue.EV_DELETE);
      if (wants && (!had || modeChanged || rearm)) this.#queue(reg.fd, filter, flags);
    }
    if (this.#nchanges === 0) return; // the token alone changed
    const n = this.#submit(reg.fd);
    const err = this.#failure(n, reg.fd);
    if (err === null) return;
    this.#undo(reg.fd, old, n);
    throw err;
  }

  /** After a failed modify: reverts the `n` submitted changes that succeeded, back to `old`. */
  #undo(fd: number, old: Interest, n: number): void {
    const added = new Set<number>();
    const deleted = new Set<number>();
    for (let i = 0; i < n; i++) {
      if (this.#errno(i) !== 0) continue;
      const f = this.#changes.filter(i);
      if (this.#changes.flags(i) & kqueue.EV_DELETE) deleted.add(f);
      else added.add(f);
    }
    const oldFlags = addFlags(old);
    for (const [bit, filter] of FILTERS) {
      if (old & bit) {
        if (added.has(filter)) this.#queue(fd, filter, kqueue.EV_DELETE);
        if (added.has(filter) || deleted.has(filter)) this.#queue(fd, filter, oldFlags);
      } else if (added.has(filter)) {
        this.#queue(fd, filter, kqueue.EV_DELETE);
      }
    }
    if (this.#nchanges > 0) this.#submit(fd); // best effort: the first error is what we report
  }

  /** @inheritDoc */
  takeSocketError(fd: number): number {
    const errno = this.#socketErrors.get(fd) ?? 0;
    this.#socketErrors.delete(fd);
    return errno;
  }

  protected kernelRemove(reg: Registration<T>): void {
    // ENOENT/EBADF: the fd was closed (its filters went with it) or a one-shot already fired.
    for (const [bit, filter] of FILTERS)
      if (reg.interest & bit) this.#queue(reg.fd, filter, kqueue.EV_DELETE);
    const err = this.#failure(this.#submit(reg.fd), reg.fd);
    if (err !== null) throw err;
  }

  protected kernelWait(timeoutMs: number | null): void {
    const ev = this.#events;
    const timeout =
      timeoutMs === null || timeoutMs === Number.POSITIVE_INFINITY
        ? null
        : Math.min(timeoutMs, MAX_TIMEOUT_MS);
    const n = kqueue.kevent(this.#kq, null, 0, ev, ev.capacity, timeout);
    if (n === 0) return;
    const slot = this.#slot;
    const fds = this.#fds;
    const bits = this.#bits;
    slot.clear();
    let m = 0;
    for (let i = 0; i < n; i++) {
      const filter = ev.filter(i);
      if (filter !== kqueue.EVFILT_READ && filter !== kqueue.EVFILT_WRITE) continue;
      const fd = ev.ident(i);
      let j = slot.get(fd);
      if (j === undefined) {
        j = m++;
        slot.set(fd, j);
        fds[j] = fd;
        bits[j] = 0;
      }
      const flags = ev.flags(i);
      let b = filter === kqueue.EVFILT_READ ? R : W;
      if (flags & kqueue.EV_EOF) {
        // fflags: the socket error (BSD kernels and libkqueue alike). libkqueue has read and so
        // cleared SO_ERROR to get it: keep it for takeSocketError (a failed connect asks).
        const soError = ev.fflags(i);
        if (soError !== 0) {
          b |= HUP | ERR;
          if (!kqueue.isKernel) this.#socketErrors.set(fd, soError);
        } else b |= HUP;
      }
      if (flags & kqueue.EV_ERROR) b |= ERR;
      bits[j]! |= b; // slot j was filled above
    }
    // fds and bits hold m filled slots.
    for (let j = 0; j < m; j++) {
      const reg = this.registrations.get(fds[j]!);
      if (reg === undefined) continue; // unregistered by a callback of this same batch
      const b = bits[j]!;
      const ready = BaseSelector.readyBits(
        reg.interest,
        (b & R) !== 0,
        (b & W) !== 0,
        (b & ERR) !== 0,
        (b & HUP) !== 0,
      );
      if (ready !== 0) this.emit(reg, ready);
    }
  }

  protected kernelClose(): void {
    this.#socketErrors.clear();
    kqueue.closeKqueue(this.#kq); // a userspace kqueue's descriptors are released before it returns
  }

  /** Queues one change; EV_RECEIPT is added so it answers with its own errno. */
  #queue(fd: number, filter: number, flags: number): void {
    this.#changes.set(this.#nchanges++, fd, filter, flags | kqueue.EV_RECEIPT);
  }

  /**
   * Submits the queued changes. The event list is exactly as long as the change list, so it
   * fills with receipts only (receipt i answers change i) and the call never waits.
   * @returns the number of changes submitted
   */
  #submit(fd: number): number {
    const n = this.#nchanges;
    this.#nchanges = 0;
    this.#receipts.reserve(n);
    const got = kqueue.kevent(this.#kq, this.#changes, n, this.#receipts, n, 0);
    if (got !== n) {
      throw new Error(
        `kevent() answered ${got} of ${n} changes for fd ${fd} (interrupted, or a kqueue library without EV_RECEIPT support)`,
      );
    }
    return n;
  }

  /** The errno receipt `i` reports (0 for success). EV_ERROR is a bit: test it with `&`. */
  #errno(i: number): number {
    return this.#receipts.flags(i) & kqueue.EV_ERROR ? this.#receipts.data(i) : 0;
  }

  /**
   * The first receipt error among `n`, as an OsError; null when all succeeded. ENOENT and EBADF
   * on a DELETE are tolerated (the filter is already gone).
   */
  #failure(n: number, fd: number): OsError | null {
    for (let i = 0; i < n; i++) {
      const errno = this.#errno(i);
      if (errno === 0) continue;
      const flags = this.#changes.flags(i);
      if (flags & kqueue.EV_DELETE && (errno === ENOENT || errno === EBADF)) continue;
      const what =
        flags & kqueue.EV_DELETE ? 'EV_DELETE' : flags & kqueue.EV_ADD ? 'EV_ADD' : `flags ${flags}`;
      return new OsError('kevent', errno, `fd ${fd}, ${filterName(this.#changes.filter(i))} ${what}`);
    }
    return null;
  }
}
