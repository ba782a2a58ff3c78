/**
 * A binary min-heap of timers ordered by (when, sequence): equal deadlines fire in the order
 * they were scheduled (libuv's `start_id` tie-break).
 *
 * The heap is three parallel arrays (deadline, sequence, handle): an entry is two numbers and a
 * reference, sifting writes no timer object, and the only allocation per timer is the
 * TimerHandle its caller holds. Cancel and re-arm are O(1) and lazy, as in Node's timer lists
 * (`timeout.refresh()` only moves its start; `unenroll` unlinks):
 *
 * - **cancel** marks the timer; its entry stays until it reaches the top or the heap is
 *   compacted (when dead entries outnumber live ones, an O(n) rebuild, so amortized O(1));
 * - **re-arm to a later deadline** (a sliding idle timeout) changes only the handle: its entry
 *   keeps the old, earlier key, and when that entry reaches the top it is re-keyed once;
 * - **re-arm to an earlier deadline** pushes a new entry; the old one is dead.
 *
 * An entry is the timer's *current* entry while `handle.heapSeq` equals the entry's sequence
 * (every schedule takes a fresh sequence). `peek()` and `pop()` first clean the top (drop dead
 * entries, re-key moved ones), so the deadline they report is exact: a moved or cancelled timer
 * never makes the loop wake early. `size` counts live timers only.
 *
 * @module
 */
import type { TimerHandle } from './handle.ts';

/** Compaction waits for at least this many dead entries (a small heap is never rebuilt). */
const MIN_DEAD_TO_COMPACT = 256;
/**
 * A cancel or re-arm compacts when dead entries outnumber live ones this many times (a bound on
 * memory: each cancel then costs O(1) amortized); `tidy()`, once per loop iteration, at 1.
 */
const DEAD_PER_LIVE_ON_CANCEL = 3;

/** Min-heap of timers; see the module comment. */
export class TimerHeap {
  #whens: number[] = [];
  #seqs: number[] = [];
  #handles: TimerHandle[] = [];
  /** Timers scheduled and not cancelled, fired or cleared. */
  #live = 0;
  /** Entries that no longer stand for a live timer (cancelled, or superseded by a newer entry). */
  #dead = 0;

  /** Number of live timers in the heap (cancelled ones not counted). */
  get size(): number {
    return this.#live;
  }

  /** Number of entries, live and dead (tests and stats; `size` is what callers want). */
  get entries(): number {
    return this.#handles.length;
  }

  /** The earliest live timer, or undefined. Amortized O(log n). */
  peek(): TimerHandle | undefined {
    const handles = this.#handles;
    while (handles.length > 0) {
      const t = handles[0]!; // length > 0
      const seq = this.#seqs[0]!;
      if (t.heapSeq !== seq) {
        // dead: the timer was cancelled, fired, or has a newer entry
        this.#dead--;
        this.#removeTop();
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

  /** Removes and returns the earliest live timer (marking it out of the heap). */
  pop(): TimerHandle | undefined {
    const t = this.peek();
    if (t === undefined) return undefined;
    this.#removeTop();
    t.heapSeq = -1;
    this.#live--;
    return t;
  }

  /** Adds a timer that is not in the heap (`t.heapSeq` is −1). O(log n). */
  push(t: TimerHandle): void {
    t.heapSeq = t.sequence;
    this.#live++;
    this.#append(t);
  }

  /** Takes `t` out (a cancel): O(1), its entry is dropped lazily. No-op if `t` is not in it. */
  remove(t: TimerHandle): void {
    if (t.heapSeq < 0) return;
    t.heapSeq = -1;
    this.#live--;
    this.#dead++;
    this.#maybeCompact();
  }

  /**
   * `t.when` and `t.sequence` were set anew (a re-arm; `t.sequence` must never have been used
   * before); `previousWhen` is `t.when` before the change. O(1) when the deadline did not move
   * earlier (the entry is re-keyed when it reaches the top), else O(log n). A timer not in the
   * heap (fired or cancelled) is pushed.
   */
  update(t: TimerHandle, previousWhen: number): void {
    if (t.heapSeq < 0) {
      this.push(t);
      return;
    }
    // The entry's key is ≤ previousWhen: keys only ever lag behind a later re-arm.
    if (t.when >= previousWhen) return;
    this.#dead++;
    t.heapSeq = t.sequence;
    this.#append(t);
    this.#maybeCompact();
  }

  /** Removes every timer; returns the live ones (each marked out of the heap). */
  clear(): TimerHandle[] {
    const live: TimerHandle[] = [];
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
    this.#live = 0;
    this.#dead = 0;
    return live;
  }

  #append(t: TimerHandle): void {
    const i = this.#handles.length;
    this.#whens.push(t.when);
    this.#seqs.push(t.sequence);
    this.#handles.push(t);
    this.#up(i);
  }

  /**
   * Drops the dead entries when they outnumber the live ones (O(n)): the loop calls this once per
   * iteration before taking due timers, since popping a dead entry costs O(log n) and skipping
   * it in a rebuild costs O(1).
   */
  tidy(): void {
    if (this.#dead >= MIN_DEAD_TO_COMPACT && this.#dead > this.#live) this.#compact();
  }

  #maybeCompact(): void {
    if (this.#dead >= MIN_DEAD_TO_COMPACT && this.#dead > DEAD_PER_LIVE_ON_CANCEL * this.#live)
      this.#compact();
  }

  /** Drops the dead entries and rebuilds the heap in O(n). */
  #compact(): void {
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
    this.#dead = 0;
    for (let i = (n >> 1) - 1; i >= 0; i--) this.#down(i);
  }

  #removeTop(): void {
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
