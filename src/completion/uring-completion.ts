/**
 * The io_uring completion backend: one ring per loop, one provided-buffer ring for every
 * multishot receive, a send arena, and a table of operations in flight keyed by the SQE's
 * user data. Kernel facts it relies on: docs/backends/io_uring.md.
 *
 * ## One system call per iteration
 * Operations are only *prepared* (an SQE written in the mapped SQ). `wait()` runs the
 * `beforeSubmit` hooks (transports gather the writes of the iteration into one SEND each,
 * the readiness adapter re-arms its polls), then makes one `io_uring_enter` that submits all
 * of it and, when asked, waits. Completions are read from the mapped CQ without a system call
 * when they are already there. In guest mode (libuv watches the ring fd) whatever an
 * iteration prepared is submitted by one more `io_uring_enter` at the end of the JS turn
 * (a microtask), since nobody would enter the ring otherwise: {@link GuestFlush}. What a reap
 * pass leaves for `runCompleted()` is kept in a {@link ReapedCompletions}.
 *
 * ## Setup flags
 * `COOP_TASKRUN | SINGLE_ISSUER` (see {@link SETUP_FLAGS}) for a ring libuv may watch: never
 * `DEFER_TASKRUN` there, completions would wait for our own `io_uring_enter(GETEVENTS)` and libuv
 * would never see the ring fd readable. A queue asked for with `mode: 'owner'` (an owner-mode
 * loop only; not the default) uses `DEFER_TASKRUN | SINGLE_ISSUER | TASKRUN_FLAG`
 * ({@link OWNER_SETUP_FLAGS}): it enters the ring itself in every wait, and a zero-timeout wait
 * enters when the kernel flags pending work.
 *
 * @module
 */

import { InvalidArgumentError } from '../errors.ts';
import { sys } from '../sys/constants.ts';
import { CqeFlag, cqeBufferId, type IoUring } from '../sys/io-uring.ts';
import { BufRing } from '../sys/io-uring-buf-ring.ts';
import type {
  CompletionCallbackKind,
  CompletionProbe,
  CompletionQueue,
  CompletionStats,
  ExceptionSink,
  OpCallback,
  OpOwner,
  RecvCallback,
} from './completion.ts';
import { GuestFlush } from './guest-flush.ts';
import { Kind, type Op, OpTable } from './op-table.ts';
import { closeAcceptedFds, ReapedCompletions } from './reaped-completions.ts';
import { SEND_CHUNK_SIZE, SendArena } from './send-arena.ts';
import { SubmitHooks } from './submit-hooks.ts';
import { openLoopRing, RECV_BUFFER_SIZE, RECV_BUFFERS } from './uring-setup.ts';

export { CQ_ENTRIES, RECV_BUFFER_SIZE, RECV_BUFFERS, SQ_ENTRIES } from './uring-setup.ts';

const ENOBUFS = 105;
/** What the probe is told a callback finished, by the operation's {@link Kind}. */
const PROBE_KINDS: readonly CompletionCallbackKind[] = ['op', 'recv', 'send', 'accept'];
/** User data of SQEs whose completion nobody waits for (cancels). */
const UNWATCHED = 0;

/** How a {@link UringCompletion} will be driven. */
export interface UringCompletionOptions {
  /**
   * `'guest'` (default): libuv may watch the ring fd, so completions are posted as they happen.
   * `'owner'`: only this queue's own `wait()` ever waits on the ring (an owner-mode loop), so
   * the ring defers completion work to it (`DEFER_TASKRUN`); it then cannot serve a guest loop.
   */
  mode?: 'guest' | 'owner';
}

/** io_uring as a {@link CompletionQueue}; see the module comment. */
export class UringCompletion implements CompletionQueue {
  readonly name = 'io_uring' as const;
  readonly pollableFd: number;
  readonly sendChunkSize: number = SEND_CHUNK_SIZE;
  /** @inheritDoc */
  probe: CompletionProbe | null = null;
  readonly #ring: IoUring;
  readonly #bufs: BufRing;
  readonly #arena = new SendArena();
  readonly #ops = new OpTable();
  /** Who submitted the operation in each slot (for the probe). */
  readonly #owners: (OpOwner | null)[] = [];
  /** Operations in flight that are not the readiness adapter's polls. */
  #userOps = 0;
  /** Hooks to run before the next submission. */
  readonly #hooks = new SubmitHooks();
  readonly #guestFlush: GuestFlush;
  #closed = false;
  /** Completions reaped, waiting for runCompleted(), and buffer ids to give back to the ring. */
  readonly #done = new ReapedCompletions();
  #submitted = 0;
  #completions = 0;
  #callbacksRun = 0;
  #exhaustions = 0;
  #overflows = 0;

  /**
   * True when the ring was set up with `DEFER_TASKRUN` (asked for with `mode: 'owner'`, and the
   * kernel has it: 6.1): completions appear only inside this queue's own `wait()`.
   */
  readonly deferTaskrun: boolean;

  /**
   * @param options `mode: 'owner'` for a queue only an owner-mode loop drives (see {@link UringCompletionOptions})
   * @throws OsError when the ring or its buffers cannot be set up (see IoUring.availability)
   */
  constructor(options: UringCompletionOptions = {}) {
    const { ring, deferTaskrun } = openLoopRing(options.mode === 'owner');
    this.#ring = ring;
    this.deferTaskrun = deferTaskrun;
    try {
      this.#bufs = new BufRing(this.#ring, 0, RECV_BUFFERS, RECV_BUFFER_SIZE);
    } catch (err) {
      this.#ring.close();
      throw err;
    }
    this.pollableFd = this.#ring.fd;
    this.#guestFlush = new GuestFlush(this.#ring, this.#hooks);
  }

  /**
   * @inheritDoc
   * @throws InvalidArgumentError (NBIO_UNSUPPORTED) when turned on for a `DEFER_TASKRUN` ring
   */
  get autoFlush(): boolean {
    return this.#guestFlush.enabled;
  }
  set autoFlush(on: boolean) {
    if (on && this.deferTaskrun)
      throw new InvalidArgumentError(
        "This io_uring queue was made for an owner-mode loop (DEFER_TASKRUN): libuv would never see its completions. Create it without mode: 'owner' for a guest loop.",
        'NBIO_UNSUPPORTED',
      );
    this.#guestFlush.enabled = on;
  }

  // ── operations ────────────────────────────────────────────────────────────────────────

  #add(kind: Kind, fd: number, cb: OpCallback | null, immediate = false, owner: OpOwner | null = null): Op {
    const op = this.#ops.add(kind, fd, immediate);
    op.cb = cb;
    this.#owners[op.slot] = owner;
    if (!immediate) this.#userOps++;
    this.#submitted++;
    this.#guestFlush.schedule();
    return op;
  }

  /** The operation's last callback ran: its slot, and the owner kept for it, are let go. */
  #release(op: Op): void {
    this.#owners[op.slot] = null;
    this.#ops.release(op);
  }

  /** @inheritDoc */
  pollAdd(fd: number, events: number, cb: OpCallback): number {
    const { id } = this.#add(Kind.Plain, fd, cb);
    this.#ring.pollAdd(fd, events, id);
    return id;
  }

  /**
   * A poll whose callback runs while the completions are reaped (inside `wait()`), not in
   * `runCompleted()`: for the readiness adapter, which turns it into a selector event.
   */
  pollAddImmediate(fd: number, events: number, cb: OpCallback): number {
    const { id } = this.#add(Kind.Plain, fd, cb, true);
    this.#ring.pollAdd(fd, events, id);
    return id;
  }

  /** @inheritDoc */
  accept(fd: number, multishot: boolean, cb: OpCallback, owner: OpOwner | null = null): number {
    const { id } = this.#add(Kind.Accept, fd, cb, false, owner);
    this.#ring.accept(fd, sys.SOCK_NONBLOCK | sys.SOCK_CLOEXEC, id, multishot);
    return id;
  }

  /** @inheritDoc */
  recv(fd: number, cb: RecvCallback, owner: OpOwner | null = null): number {
    const op = this.#add(Kind.Recv, fd, null, false, owner);
    op.recvCb = cb;
    const id = op.id;
    this.#ring.recvSelect(fd, this.#bufs.groupId, id, true);
    return id;
  }

  /** @inheritDoc */
  send(
    fd: number,
    chunks: readonly Uint8Array[],
    offset: number,
    cb: OpCallback,
    owner: OpOwner | null = null,
  ): number {
    const chunk = this.#arena.take();
    const n = SendArena.fill(chunk, chunks, offset);
    const op = this.#add(Kind.Send, fd, cb, false, owner);
    op.chunk = chunk;
    const id = op.id;
    this.#ring.send(fd, chunk.address, n, sys.MSG_NOSIGNAL, id);
    return id;
  }

  /** @inheritDoc */
  connect(fd: number, addr: Uint8Array, cb: OpCallback): number {
    const { id } = this.#add(Kind.Plain, fd, cb);
    this.#ring.connect(fd, addr, id);
    return id;
  }

  /** @inheritDoc */
  closeFile(fd: number, cb: OpCallback): number {
    const { id } = this.#add(Kind.Plain, fd, cb);
    this.#ring.closeFile(fd, id);
    return id;
  }

  /** @inheritDoc */
  timeout(timeoutMs: number, cb: OpCallback): number {
    const { id } = this.#add(Kind.Plain, -1, cb);
    this.#ring.timeout(timeoutMs, id);
    return id;
  }

  /** @inheritDoc */
  cancel(id: number): void {
    if (this.#closed || this.#ops.get(id) === undefined) return;
    this.#ring.cancel(id, UNWATCHED);
    this.#guestFlush.schedule();
  }

  /** @inheritDoc */
  beforeSubmit(fn: () => void): void {
    this.#hooks.add(fn);
    this.#guestFlush.schedule();
  }

  // ── submitting and reaping ────────────────────────────────────────────────────────────

  /** @inheritDoc */
  wait(timeoutMs: number | null): void {
    this.#hooks.run();
    const ring = this.#ring;
    if (timeoutMs === 0 || ring.cqReady > 0) {
      // DEFER_TASKRUN: work the kernel queued (IORING_SQ_TASKRUN) runs only in a GETEVENTS enter.
      const getEvents = ring.cqOverflowPending || (this.deferTaskrun && ring.taskrunPending);
      if (ring.pending > 0 || getEvents) ring.enter(0, 0, getEvents);
    } else {
      ring.enter(1, timeoutMs);
    }
    this.#reapAll();
  }

  /**
   * @inheritDoc
   * Completions of the readiness adapter's polls are left in the CQ (they belong to the next
   * `select()`), and so is everything behind the first of them: the ring fd stays readable.
   */
  submitAndRunInline(exceptions: ExceptionSink): number {
    this.#hooks.run();
    if (this.#ring.pending === 0 || this.#closed) return 0;
    this.#ring.submit();
    this.#completions += this.#reap(true);
    return this.runCompleted(exceptions);
  }

  #reapAll(): void {
    const ring = this.#ring;
    this.#completions += this.#reap(false);
    // The CQ was full: the kernel kept the rest (IORING_FEAT_NODROP); GETEVENTS moves them in.
    for (let i = 0; i < 8 && ring.cqOverflowPending; i++) {
      this.#overflows++;
      ring.enter(0, 0, true);
      this.#completions += this.#reap(false);
    }
  }

  /**
   * Reads the CQ in place in one pass, with no call per completion: each CQE's user data words
   * find its operation in the table (integer compares only), and the completion is recorded in
   * the reused arrays for runCompleted(); the head is released once, after the pass. A CQE
   * nobody waits for (a cancel's, or a late one of an ended operation) is dropped, its buffer
   * recycled. A readiness poll's callback runs here (the head released first: it may submit);
   * with `stopAtPoll` the pass stops before it instead, leaving it and the rest in the CQ.
   * @returns the completions consumed
   */
  #reap(stopAtPoll: boolean): number {
    const cq = this.#ring.cq;
    const words = cq.words;
    const results = cq.results;
    const iHead = cq.head;
    const base = cq.entries;
    const mask = cq.mask;
    const ops = this.#ops;
    const done = this.#done;
    const start = words[iHead] as number;
    const tail = Atomics.load(words, cq.tail);
    let head = start;
    while (head !== tail) {
      const w = base + ((head & mask) << 2);
      const flags = words[w + 3] as number;
      const op = ops.lookup(words[w] as number, words[w + 1] as number);
      if (op === undefined) {
        // A cancel's own CQE (UNWATCHED) or a late one of an ended operation.
        if (flags & CqeFlag.BUFFER) done.recycle[done.recycleN++] = cqeBufferId(flags);
        head = (head + 1) >>> 0;
        continue;
      }
      const res = results[w + 2] as number;
      const more = (flags & CqeFlag.MORE) !== 0;
      if (op.immediate) {
        if (stopAtPoll) break;
        head = (head + 1) >>> 0;
        Atomics.store(words, iHead, head);
        if (!more) ops.end(op);
        try {
          op.cb?.(res, more);
        } finally {
          if (!more) this.#release(op);
        }
        continue;
      }
      head = (head + 1) >>> 0;
      if (!more) {
        ops.end(op);
        this.#userOps--;
      }
      const n = done.n++;
      done.ops[n] = op;
      done.res[n] = res;
      done.flags[n] = flags;
    }
    Atomics.store(words, iHead, head);
    return (head - start) >>> 0;
  }

  /** @inheritDoc */
  runCompleted(exceptions: ExceptionSink): number {
    const done = this.#done;
    const n = done.n;
    if (n === 0) {
      this.#recycleBuffers();
      return 0;
    }
    const ops = done.ops;
    const res = done.res;
    const flags = done.flags;
    // Completions reaped while these callbacks run go to the other set of arrays.
    const reentered = done.detach();
    this.#callbacksRun += n;
    const probe = this.probe;
    for (let i = 0; i < n; i++) {
      const op = ops[i] as Op;
      const r = res[i] as number;
      const f = flags[i] as number;
      const more = (f & CqeFlag.MORE) !== 0;
      if (probe !== null)
        probe.begin(
          PROBE_KINDS[op.kind] ?? 'op',
          op.fd,
          op.kind === Kind.Recv ? op.recvCb : op.cb,
          this.#owners[op.slot] ?? null,
        );
      try {
        if (op.kind === Kind.Recv) {
          const hasBuf = (f & CqeFlag.BUFFER) !== 0;
          if (r === -ENOBUFS) this.#exhaustions++;
          const data = hasBuf && r > 0 ? this.#bufs.copyOut(cqeBufferId(f), r) : null;
          try {
            op.recvCb?.(r, data, more);
          } finally {
            if (hasBuf) done.recycle[done.recycleN++] = cqeBufferId(f);
          }
        } else {
          if (op.kind === Kind.Send && !more && op.chunk !== null) {
            this.#arena.release(op.chunk);
            op.chunk = null;
          }
          op.cb?.(r, more);
        }
      } catch (err) {
        exceptions.report(err, 'completion callback', op.fd);
      }
      if (probe !== null) probe.end();
      if (!more) this.#release(op);
      if (this.#closed) {
        // Closed by a callback: the connections of accepts not delivered yet are closed here.
        closeAcceptedFds(ops, res, i + 1, n);
        return i + 1;
      }
    }
    if (!reentered) done.giveBack(ops, res, flags);
    this.#recycleBuffers();
    return n;
  }

  #recycleBuffers(): void {
    const done = this.#done;
    if (done.recycleN === 0 || this.#closed) return;
    this.#bufs.recycleMany(done.recycle, done.recycleN);
    done.recycleN = 0;
  }

  /** @inheritDoc */
  get pendingOperations(): number {
    return this.#userOps;
  }

  /** @inheritDoc */
  stats(): CompletionStats {
    return Object.freeze({
      enters: this.#ring.enters,
      submitted: this.#submitted,
      completions: this.#completions,
      callbacksRun: this.#callbacksRun,
      inFlight: this.#ops.size,
      bufferExhaustions: this.#exhaustions,
      overflows: this.#overflows,
      sendChunksInUse: this.#arena.inUse,
    });
  }

  /** True after close(). */
  get isClosed(): boolean {
    return this.#closed;
  }

  /** @inheritDoc */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#guestFlush.stop();
    // Accepted connections no callback will receive are closed here, once.
    this.#done.closeUndelivered(this.#ring, this.#ops);
    this.#ops.clear();
    this.#owners.length = 0;
    this.#userOps = 0;
    this.#hooks.clear();
    this.#done.clear();
    // Ring first: closing it cancels what is in flight and drops the buffer group with it
    // (BufRing.close then only unmaps). See docs/backends/io_uring.md, "closing".
    this.#ring.close();
    this.#bufs.close();
    this.#arena.close();
  }
}
