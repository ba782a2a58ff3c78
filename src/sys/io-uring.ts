/**
 * io_uring(7) from TypeScript, without liburing: io_uring_setup(2), the three mmap'd regions
 * (SQ ring, CQ ring, SQE array) seen through `koffi.view`, io_uring_enter(2), SQE encoding for
 * the operations nbio uses, and the completion queue read in place. Linux on x86_64/arm64 only.
 * Setup, teardown and the availability check are in io-uring-setup.ts, the CQ reader in
 * io-uring-cq.ts.
 *
 * ## Ordering (docs/backends/io_uring.md)
 * - SQEs are written first, then the SQ tail is published with `Atomics.store` (a release), and
 *   only `io_uring_enter` makes the kernel read the tail (no SQPOLL thread here).
 * - The CQ tail is read with `Atomics.load` (an acquire: the kernel may post completions from
 *   another context at any time), the entries are read, and only then is the head released with
 *   `Atomics.store`, so the kernel never overwrites an entry not yet consumed.
 * - With `IORING_FEAT_NODROP` a full CQ keeps completions in a kernel backlog and sets
 *   `IORING_SQ_CQ_OVERFLOW`; an `io_uring_enter(GETEVENTS)` moves them in once there is room.
 *
 * @module
 */

import { lastErrno } from './binding.ts';
import { EAGAIN, EINTR, errnoName, OsError } from './errno.ts';
import { close as closeFd } from './fd.ts';
import {
  CQE_BUFFER_SHIFT,
  EnterFlag,
  GeteventsArg,
  ioUringSyscalls as nr,
  Op,
  OpFlag,
  Sqe,
  SqeFlag,
  SqRingFlag,
} from './io-uring-abi.ts';
import { CompletionRing, type CqeSink } from './io-uring-cq.ts';
import type { Mapping } from './io-uring-mem.ts';
import {
  AUX_SIZE,
  type IoUringAvailability,
  type IoUringOptions,
  ioUringAvailability,
  type RingLayout,
  setupRing,
  ioUringSyscall as sys,
  unmapRings,
} from './io-uring-setup.ts';
import { countSyscall, Sc, syscallCounter } from './syscall-counter.ts';

export { CQE_BUFFER_SHIFT, CqeFlag, OpFlag, SetupFlag } from './io-uring-abi.ts';
export type { CompletionRing, CqeSink } from './io-uring-cq.ts';
export type { IoUringAvailability, IoUringOptions } from './io-uring-setup.ts';

const ETIME = 62;
const EBUSY = 16;
const TWO_32 = 2 ** 32;

/** An io_uring instance: the ring fd, its mappings and the SQE encoders. */
export class IoUring {
  /** The ring's descriptor (pollable: readable while completions wait). */
  readonly fd: number;
  /** SQ and CQ sizes the kernel chose. */
  readonly sqEntries: number;
  readonly cqEntries: number;
  /** `IORING_FEAT_*` bits. */
  readonly features: number;
  /** Calls to io_uring_enter so far. */
  enters = 0;
  /** The mappings (unmapped on close). */
  readonly #layout: RingLayout;
  readonly #aux: Mapping;
  readonly #sq32: Uint32Array;
  readonly #sqe8: Uint8Array;
  readonly #sqe16: Uint16Array;
  readonly #sqe32: Uint32Array;
  readonly #sqe32s: Int32Array;
  readonly #aux64: BigInt64Array;
  readonly #iSqHead: number;
  readonly #iSqTail: number;
  readonly #iSqFlags: number;
  readonly #sqMask: number;
  /** The completion queue, read in place (also by a caller's own loop: see CompletionRing). */
  readonly cq: CompletionRing;
  /** The SQ tail as we know it (SQEs prepared); published on submit. */
  #sqTail: number;
  /** The SQ head as last read (the kernel's may be ahead: it only moves forward). */
  #sqHead: number;
  #closed = false;

  private constructor(layout: RingLayout) {
    this.fd = layout.fd;
    this.sqEntries = layout.sqEntries;
    this.cqEntries = layout.cqEntries;
    this.features = layout.features;
    this.#layout = layout;
    this.#aux = layout.aux;
    this.#sq32 = new Uint32Array(layout.sqRing.buffer);
    this.#sqe8 = new Uint8Array(layout.sqes.buffer);
    this.#sqe16 = new Uint16Array(layout.sqes.buffer);
    this.#sqe32 = new Uint32Array(layout.sqes.buffer);
    this.#sqe32s = new Int32Array(layout.sqes.buffer);
    this.#aux64 = new BigInt64Array(layout.aux.buffer);
    this.#iSqHead = layout.iSqHead;
    this.#iSqTail = layout.iSqTail;
    this.#iSqFlags = layout.iSqFlags;
    this.#sqMask = layout.sqMask;
    this.cq = new CompletionRing(layout);
    this.#sqTail = this.#sq32[this.#iSqTail] ?? 0;
    this.#sqHead = this.#sq32[this.#iSqHead] ?? 0;
  }

  /**
   * io_uring_setup(2) and the mappings (io-uring-setup.ts).
   * @param entries SQ size (rounded up to a power of two by the kernel)
   * @throws OsError (ENOSYS: no io_uring; EPERM: disabled by sysctl `kernel.io_uring_disabled` or seccomp)
   */
  static create(entries: number, options: IoUringOptions = {}): IoUring {
    return new IoUring(setupRing(entries, options));
  }

  /** Whether io_uring works here (tried once: a small ring is set up and closed); the reason if not. */
  static availability(): IoUringAvailability {
    return ioUringAvailability();
  }

  // ── submission ────────────────────────────────────────────────────────────────────────

  /** SQEs prepared and not yet handed to the kernel. */
  get pending(): number {
    return (this.#sqTail - (this.#sq32[this.#iSqTail] ?? 0)) >>> 0;
  }

  /**
   * The next free SQE, zeroed, as an index into the SQE array; submits what is pending first
   * when the ring is full.
   */
  #next(op: number, fd: number, userData: number): number {
    // The kernel only moves the SQ head forward, so a head read earlier understates the room:
    // the head is read again (acquire) only when the ring looks full by the last one read.
    if ((this.#sqTail - this.#sqHead) >>> 0 >= this.sqEntries) {
      this.#sqHead = Atomics.load(this.#sq32, this.#iSqHead);
      if ((this.#sqTail - this.#sqHead) >>> 0 >= this.sqEntries) {
        this.submit();
        this.#sqHead = Atomics.load(this.#sq32, this.#iSqHead);
        if ((this.#sqTail - this.#sqHead) >>> 0 >= this.sqEntries)
          throw new OsError('io_uring_enter', EBUSY, 'the submission queue stays full');
      }
    }
    const i = this.#sqTail & this.#sqMask;
    this.#sqTail = (this.#sqTail + 1) >>> 0;
    const w = i * (Sqe.SIZE / 4);
    // Sixteen stores, not TypedArray#fill: fill is a C++ builtin, a runtime call per SQE.
    const sqe = this.#sqe32;
    for (let k = 0; k < Sqe.SIZE / 4; k++) sqe[w + k] = 0;
    this.#sqe8[i * Sqe.SIZE + Sqe.opcode] = op;
    this.#sqe32s[w + Sqe.fd / 4] = fd;
    this.#sqe32[w + Sqe.userData / 4] = userData >>> 0;
    this.#sqe32[w + Sqe.userData / 4 + 1] = Math.floor(userData / TWO_32);
    return i;
  }

  #set64(i: number, offset: number, value: number): void {
    const w = i * (Sqe.SIZE / 4) + offset / 4;
    this.#sqe32[w] = value >>> 0;
    this.#sqe32[w + 1] = Math.floor(value / TWO_32);
  }

  #set32(i: number, offset: number, value: number): void {
    this.#sqe32[i * (Sqe.SIZE / 4) + offset / 4] = value >>> 0;
  }

  /** IORING_OP_NOP: completes with res 0. */
  nop(userData: number): void {
    this.#next(Op.NOP, -1, userData);
  }

  /**
   * IORING_OP_POLL_ADD: completes with the `POLL*` mask once `fd` has one of `events` (checked
   * at once, so a ready fd completes on the next enter: level-triggered when re-armed).
   * @param multishot keep posting (CQE_F_MORE) on every wake-up instead of once
   */
  pollAdd(fd: number, events: number, userData: number, multishot = false): void {
    const i = this.#next(Op.POLL_ADD, fd, userData);
    this.#set32(i, Sqe.opFlags, events);
    if (multishot) this.#set32(i, Sqe.len, OpFlag.POLL_ADD_MULTI);
  }

  /** IORING_OP_POLL_REMOVE of the poll submitted with `targetUserData`. */
  pollRemove(targetUserData: number, userData: number): void {
    const i = this.#next(Op.POLL_REMOVE, -1, userData);
    this.#set64(i, Sqe.addr, targetUserData);
  }

  /**
   * IORING_OP_ACCEPT with accept4 flags (SOCK_NONBLOCK|SOCK_CLOEXEC as the caller passes);
   * res is the new fd. Multishot: one CQE per connection while CQE_F_MORE is set.
   */
  accept(fd: number, acceptFlags: number, userData: number, multishot = false): void {
    const i = this.#next(Op.ACCEPT, fd, userData);
    this.#set32(i, Sqe.opFlags, acceptFlags);
    if (multishot) this.#sqe16[(i * Sqe.SIZE + Sqe.ioprio) / 2] = OpFlag.ACCEPT_MULTISHOT;
  }

  /** IORING_OP_RECV into `len` bytes at `address` (memory that stays mapped until the CQE). */
  recv(fd: number, address: number, len: number, userData: number): void {
    const i = this.#next(Op.RECV, fd, userData);
    this.#set64(i, Sqe.addr, address);
    this.#set32(i, Sqe.len, len);
  }

  /**
   * IORING_OP_RECV with a buffer picked by the kernel from provided-buffer group `bufGroup`
   * (CQE_F_BUFFER; id in flags >>> 16). Multishot: one CQE per arrival until one without
   * CQE_F_MORE (EOF res 0, an error, ENOBUFS when the group ran dry, or a cancel).
   */
  recvSelect(fd: number, bufGroup: number, userData: number, multishot = true): void {
    const i = this.#next(Op.RECV, fd, userData);
    this.#sqe8[i * Sqe.SIZE + Sqe.flags] = SqeFlag.BUFFER_SELECT;
    this.#sqe16[(i * Sqe.SIZE + Sqe.bufGroup) / 2] = bufGroup;
    if (multishot) this.#sqe16[(i * Sqe.SIZE + Sqe.ioprio) / 2] = OpFlag.RECV_MULTISHOT;
  }

  /** IORING_OP_SEND of `len` bytes at `address` (must stay mapped until the CQE); res = bytes sent. */
  send(fd: number, address: number, len: number, msgFlags: number, userData: number): void {
    const i = this.#next(Op.SEND, fd, userData);
    this.#set64(i, Sqe.addr, address);
    this.#set32(i, Sqe.len, len);
    this.#set32(i, Sqe.opFlags, msgFlags);
  }

  /** IORING_OP_CONNECT to the encoded sockaddr `addr` (copied into ring memory: it may be a JS buffer). */
  connect(fd: number, addr: Uint8Array, userData: number): void {
    if (addr.length > AUX_SIZE)
      throw new RangeError(`a sockaddr of ${addr.length} bytes is longer than ${AUX_SIZE}`);
    const i = this.#next(Op.CONNECT, fd, userData);
    new Uint8Array(this.#aux.buffer, i * AUX_SIZE, addr.length).set(addr);
    this.#set64(i, Sqe.addr, this.#aux.address + i * AUX_SIZE);
    this.#set64(i, Sqe.off, addr.length);
  }

  /** IORING_OP_CLOSE: the kernel closes `fd`; res 0 or −errno. */
  closeFile(fd: number, userData: number): void {
    this.#next(Op.CLOSE, fd, userData);
  }

  /** IORING_OP_SHUTDOWN(fd, how). */
  shutdown(fd: number, how: number, userData: number): void {
    const i = this.#next(Op.SHUTDOWN, fd, userData);
    this.#set32(i, Sqe.len, how);
  }

  /** IORING_OP_TIMEOUT: completes with −ETIME after `timeoutMs` (or res 0 after `count` other completions when count > 0). */
  timeout(timeoutMs: number, userData: number, count = 0): void {
    const i = this.#next(Op.TIMEOUT, -1, userData);
    const t = (i * AUX_SIZE) / 8;
    this.#aux64[t] = BigInt(Math.floor(timeoutMs / 1000));
    this.#aux64[t + 1] = BigInt(Math.round((timeoutMs % 1000) * 1e6));
    this.#set64(i, Sqe.addr, this.#aux.address + i * AUX_SIZE);
    this.#set32(i, Sqe.len, 1);
    this.#set64(i, Sqe.off, count);
  }

  /**
   * IORING_OP_ASYNC_CANCEL of the request(s) submitted with `targetUserData`. The target then
   * completes with −ECANCELED (or its own result if it finished first); this SQE's res is 0,
   * −ENOENT (nothing found) or −EALREADY (already running).
   */
  cancel(targetUserData: number, userData: number, all = false): void {
    const i = this.#next(Op.ASYNC_CANCEL, -1, userData);
    this.#set64(i, Sqe.addr, targetUserData);
    if (all) this.#set32(i, Sqe.opFlags, OpFlag.CANCEL_ALL);
  }

  /** IORING_OP_ASYNC_CANCEL of every request on `fd` (res: how many were found, or −ENOENT). */
  cancelFd(fd: number, userData: number): void {
    const i = this.#next(Op.ASYNC_CANCEL, fd, userData);
    this.#set32(i, Sqe.opFlags, OpFlag.CANCEL_FD | OpFlag.CANCEL_ALL);
  }

  // ── io_uring_enter ────────────────────────────────────────────────────────────────────

  /**
   * io_uring_enter(2): publishes the prepared SQEs (release), submits them, and when `waitNr` > 0
   * or `getEvents` waits for that many completions, at most `timeoutMs` (null: no limit).
   * One system call. EINTR, ETIME and EBUSY (a CQ backlog) end the wait without an error.
   * @returns the number of SQEs the kernel consumed
   * @throws OsError for anything else (per-operation errors arrive in CQEs)
   */
  enter(waitNr = 0, timeoutMs: number | null = 0, getEvents = waitNr > 0): number {
    if (sys === null || nr === null) return 0;
    const toSubmit = this.pending;
    Atomics.store(this.#sq32, this.#iSqTail, this.#sqTail);
    let flags = getEvents || this.cqOverflowPending ? EnterFlag.GETEVENTS : 0;
    let arg = 0;
    let argSize = 0;
    if (waitNr > 0 && timeoutMs !== null) {
      // struct io_uring_getevents_arg + __kernel_timespec at the end of the aux page.
      const base = (this.sqEntries * AUX_SIZE) / 8;
      this.#aux64[base] = 0n;
      this.#aux64[base + 1] = 0n;
      this.#aux64[base + 2] = BigInt(this.#aux.address + this.sqEntries * AUX_SIZE + 32);
      this.#aux64[base + 4] = BigInt(Math.floor(timeoutMs / 1000));
      this.#aux64[base + 5] = BigInt(Math.round((timeoutMs % 1000) * 1e6));
      flags |= EnterFlag.EXT_ARG;
      arg = this.#aux.address + this.sqEntries * AUX_SIZE;
      argSize = GeteventsArg.SIZE;
    }
    if (toSubmit === 0 && flags === 0) return 0;
    this.enters++;
    if (syscallCounter.on) countSyscall(Sc.io_uring_enter);
    const r = Number(sys(nr.enter, this.fd, toSubmit, waitNr, flags, arg, argSize));
    if (r >= 0) return r;
    const errno = lastErrno();
    if (errno === EINTR || errno === ETIME || errno === EBUSY || errno === EAGAIN) return 0;
    throw new OsError('io_uring_enter', errno, errnoName(errno));
  }

  /** Submits what is prepared without waiting. @returns SQEs consumed */
  submit(): number {
    return this.enter(0, 0, false);
  }

  // ── completion ────────────────────────────────────────────────────────────────────────

  /** Completions waiting in the CQ ring (read with acquire order). */
  get cqReady(): number {
    return this.cq.ready;
  }

  /** True when the kernel holds completions that did not fit (IORING_SQ_CQ_OVERFLOW): enter with GETEVENTS. */
  get cqOverflowPending(): boolean {
    return ((this.#sq32[this.#iSqFlags] ?? 0) & SqRingFlag.CQ_OVERFLOW) !== 0;
  }

  /**
   * True when the kernel queued completion work that only an `io_uring_enter(GETEVENTS)` of this
   * thread will run (`IORING_SQ_TASKRUN`; set only on rings created with `TASKRUN_FLAG`).
   */
  get taskrunPending(): boolean {
    return ((this.#sq32[this.#iSqFlags] ?? 0) & SqRingFlag.TASKRUN) !== 0;
  }

  /**
   * Hands every completion in the CQ ring to `sink`, then releases the head (so entries are
   * consumed before the kernel may reuse them). @returns how many
   */
  reap(sink: CqeSink): number {
    return this.cq.reap(sink);
  }

  /**
   * Like {@link IoUring.reap}, but stops before the first completion whose user data `take`
   * refuses; that one and the rest stay in the CQ (so the ring fd stays readable).
   * @returns how many were handed out
   */
  reapWhile(sink: CqeSink, take: (userData: number) => boolean): number {
    return this.cq.reapWhile(sink, take);
  }

  /** True after close(). */
  get isClosed(): boolean {
    return this.#closed;
  }

  /** Unmaps the rings and closes the ring fd (the kernel cancels what is in flight). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    unmapRings(this.#layout);
    closeFd(this.fd);
  }

  /**
   * io_uring_register(2) with an argument in ring memory the caller prepared.
   * @throws OsError
   */
  register(opcode: number, argAddress: number, nrArgs: number): void {
    if (sys === null || nr === null) return;
    const r = Number(sys(nr.register, this.fd, opcode, argAddress, nrArgs, 0, 0));
    if (r < 0) throw new OsError('io_uring_register', lastErrno(), `opcode ${opcode}`);
  }
}

/** The provided-buffer id of a CQE with CQE_F_BUFFER. */
export function cqeBufferId(flags: number): number {
  return flags >>> CQE_BUFFER_SHIFT;
}
