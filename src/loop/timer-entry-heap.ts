/**
 * @internal The binary min-heap behind `TimerHeap` (src/loop/timer-heap.ts) for the timers that
 * no per-duration list takes (`callAt`, and a timer a list could not keep in order): entries
 * ordered by (when, sequence), three parallel arrays (deadline, sequence, handle), so an entry is
 * two numbers and a reference and sifting writes no timer object.
 *
 * An entry is its timer's *current* entry while `handle.heapSeq` equals the entry's sequence.
 * A current entry whose timer was re-armed later (`handle.sequence` moved on) keeps its earlier
 * key until it reaches the top, where it is re-keyed once. `peek()` cleans the top first (drops
 * dead entries, re-keys moved ones), so the deadline it reports is exact. Counting live and dead
 * timers is `TimerHeap`'s job.
 *
 * @module
 */
import type { TimerHandle } from './handle.ts';

/** @internal Min-heap of timer entries; see the module comment. */
export class TimerEntryHeap {
  #whens: number[] = [];
  #seqs: number[] = [];
  #handles: TimerHandle[] = [];

  /** Number of entries, live and dead. */
  get length(): number {
    return this.#handles.length;
  }

  /** The earliest live timer (after dropping dead entries and re-keying moved ones), or undefined. */
  peek(): TimerHandle | undefined {
    const handles = this.#handles;
    while (handles.length > 0) {
      const t = handles[0]!; // length > 0
      const seq = this.#seqs[0]!;
      if (t.heapSeq !== seq) {
        // dead: the timer was cancelled, fired, or has a newer entry
        this.removeTop();
      } else if (t.sequence !== seq) {
        // re-armed later since this entry was made: re-key it where it is, then sift down
        t.heapSeq = t.sequence;
        this.#whens[0] = t.when;
        this.#seqs[0] = t.sequence;
        this.#down(0);
      } else {
        return t;
      }
    }
    return undefined;
  }

  /** Adds an entry keyed by `t`'s current (when, sequence). O(log n). */
  append(t: TimerHandle): void {
    const i = this.#handles.length;
    this.#whens.push(t.when);
    this.#seqs.push(t.sequence);
    this.#handles.push(t);
    this.#up(i);
  }

  /** Removes every entry; returns the timers of the current ones (each marked out of the heap). */
  clear(live: TimerHandle[]): void {
    const handles = this.#handles;
    const seqs = this.#seqs;
    for (let i = 0; i < handles.length; i++) {
      const t = handles[i]!; // i < length
      if (t.heapSeq === seqs[i]) {
        live.push(t);
        t.heapSeq = -1;
      }
    }
    this.#whens = [];
    this.#seqs = [];
    this.#handles = [];
  }

  /** Drops the dead entries and rebuilds the heap in O(n). */
  compact(): void {
    const whens = this.#whens;
    const seqs = this.#seqs;
    const handles = this.#handles;
    let n = 0;
    for (let i = 0; i < handles.length; i++) {
      const t = handles[i]!; // i < length
      if (t.heapSeq !== seqs[i]) continue;
      // Live: keyed by its current deadline (a re-arm that moved it later lands here).
      t.heapSeq = t.sequence;
      whens[n] = t.when;
      seqs[n] = t.sequence;
      handles[n] = t;
      n++;
    }
    whens.length = n;
    seqs.length = n;
    handles.length = n;
    for (let i = (n >> 1) - 1; i >= 0; i--) this.#down(i);
  }

  /** Removes the top entry (the caller has looked at it). */
  removeTop(): void {
    const whens = this.#whens;
    const seqs = this.#seqs;
    const handles = this.#handles;
    // pop() then overwrite the root: cheaper than setting `length`
    const w = whens.pop()!;
    const s = seqs.pop()!;
    const t = handles.pop()!;
    const n = handles.length;
    if (n === 0) return;
    whens[0] = w;
    seqs[0] = s;
    handles[0] = t;
    if (n > 1) this.#down(0);
  }

  // The helpers below take an index `i < length`, so their `!` reads are in range.
  #up(i: number): void {
    const whens = this.#whens;
    const seqs = this.#seqs;
    const handles = this.#handles;
    const w = whens[i]!;
    const s = seqs[i]!;
    const t = handles[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pw = whens[p]!;
      if (pw < w || (pw === w && seqs[p]! < s)) break;
      whens[i] = pw;
      seqs[i] = seqs[p]!;
      handles[i] = handles[p]!;
      i = p;
    }
    whens[i] = w;
    seqs[i] = s;
    handles[i] = t;
  }

  #down(i: number): void {
    const whens = this.#whens;
    const seqs = this.#seqs;
    const handles = this.#handles;
    const n = handles.length;
    const w = whens[i]!;
    const s = seqs[i]!;
    const t = handles[i]!;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      let cw = whens[c]!;
      let cs = seqs[c]!;
      const r = c + 1;
      if (r < n) {
        const rw = whens[r]!;
        const rs = seqs[r]!;
        if (rw < cw || (rw === cw && rs < cs)) {
          c = r;
          cw = rw;
          cs = rs;
        }
      }
      if (w < cw || (w === cw && s < cs)) break;
      whens[i] = cw;
      seqs[i] = cs;
      handles[i] = handles[c]!;
      i = c;
    }
    whens[i] = w;
    seqs[i] = s;
    handles[i] = t;
  }
}
