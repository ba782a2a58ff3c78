/**
 * `CompletionRing`: an io_uring's completion queue, read in place from its mapping. The CQ tail
 * is read with `Atomics.load` (an acquire: the kernel may post completions from another context
 * at any time), an entry is read, and only then is the head released with `Atomics.store`, so
 * the kernel never overwrites an entry not yet consumed (docs/backends/io_uring.md).
 *
 * @internal
 * @module
 */
import { Cqe } from './io-uring-abi.ts';
import type { RingLayout } from './io-uring-setup.ts';

const TWO_32 = 2 ** 32;

/** Receives one completion: the user data given at submit, the result (≥ 0, or −errno) and the CQE flags. */
export type CqeSink = (userData: number, res: number, flags: number) => void;

/**
 * The CQ of one ring; `IoUring` holds one and reaps through it.
 * @internal
 */
export class CompletionRing {
  readonly #cq32: Uint32Array;
  readonly #cqRes: Int32Array;
  readonly #iCqHead: number;
  readonly #iCqTail: number;
  readonly #iCqes: number;
  readonly #cqMask: number;
  /**
   * The CQ ring's mapping as 32-bit words, for a caller that reads completions in its own loop
   * (uring-completion.ts, no call per completion). Entry `k` (`k` = head & {@link CompletionRing.mask})
   * starts at word `entries + 4k`: user data low and high words, `res` (as `int32`: read it through
   * {@link CompletionRing.results}), flags. Keep the ordering rules of the module comment:
   * tail with `Atomics.load`, entries, then the head with `Atomics.store`.
   */
  readonly words: Uint32Array;
  /** The same mapping as signed words (a CQE's `res`). */
  readonly results: Int32Array;
  /** Word index of the CQ head. */
  readonly head: number;
  /** Word index of the CQ tail. */
  readonly tail: number;
  /** Word index of the first CQE. */
  readonly entries: number;
  /** CQ entries − 1. */
  readonly mask: number;

  /** @param layout the ring's mappings and field positions (io-uring-setup.ts) */
  constructor(layout: RingLayout) {
    this.#cq32 = new Uint32Array(layout.cqRing.buffer);
    this.#cqRes = new Int32Array(layout.cqRing.buffer);
    this.#iCqHead = layout.iCqHead;
    this.#iCqTail = layout.iCqTail;
    this.#iCqes = layout.iCqes;
    this.#cqMask = layout.cqMask;
    this.words = this.#cq32;
    this.results = this.#cqRes;
    this.head = layout.iCqHead;
    this.tail = layout.iCqTail;
    this.entries = layout.iCqes;
    this.mask = layout.cqMask;
  }

  /** Completions waiting in the CQ ring (read with acquire order). */
  get ready(): number {
    return (Atomics.load(this.#cq32, this.#iCqTail) - (this.#cq32[this.#iCqHead] ?? 0)) >>> 0;
  }

  /**
   * Hands every completion in the CQ ring to `sink`, then releases the head (so entries are
   * consumed before the kernel may reuse them). @returns how many
   */
  reap(sink: CqeSink): number {
    const cq = this.#cq32;
    let head = cq[this.#iCqHead] ?? 0;
    const tail = Atomics.load(cq, this.#iCqTail);
    const n = (tail - head) >>> 0;
    for (let k = 0; k < n; k++) {
      const w = this.#iCqes + (head & this.#cqMask) * (Cqe.SIZE / 4);
      const ud = (cq[w] ?? 0) + (cq[w + 1] ?? 0) * TWO_32;
      const res = this.#cqRes[w + Cqe.res / 4] ?? 0;
      const flags = cq[w + Cqe.flags / 4] ?? 0;
      head = (head + 1) >>> 0;
      // Release each entry before the callback runs: a sink that submits and enters again
      // must not see (or let the kernel keep) entries already handed out.
      Atomics.store(cq, this.#iCqHead, head);
      sink(ud, res, flags);
    }
    return n;
  }

  /**
   * Like {@link CompletionRing.reap}, but stops before the first completion whose user data `take`
   * refuses; that one and the rest stay in the CQ (so the ring fd stays readable).
   * @returns how many were handed out
   */
  reapWhile(sink: CqeSink, take: (userData: number) => boolean): number {
    const cq = this.#cq32;
    let head = cq[this.#iCqHead] ?? 0;
    const tail = Atomics.load(cq, this.#iCqTail);
    let n = 0;
    while (head !== tail) {
      const w = this.#iCqes + (head & this.#cqMask) * (Cqe.SIZE / 4);
      const ud = (cq[w] ?? 0) + (cq[w + 1] ?? 0) * TWO_32;
      if (!take(ud)) break;
      const res = this.#cqRes[w + Cqe.res / 4] ?? 0;
      const flags = cq[w + Cqe.flags / 4] ?? 0;
      head = (head + 1) >>> 0;
      Atomics.store(cq, this.#iCqHead, head);
      n++;
      sink(ud, res, flags);
    }
    return n;
  }
}
