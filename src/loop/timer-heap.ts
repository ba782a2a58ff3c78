/**
 * The loop's timers, ordered by (when, sequence): equal deadlines fire in the order they were
 * scheduled (libuv's `start_id` tie-break).
 *
 * Two structures hold them, and `peek()`/`popDue()` take the earlier of their two tops:
 *
 * - **per-delay lists** (`src/loop/timer-lists.ts`, Node's design): a timer scheduled with a
 *   delay (`callLater`, `reschedule`) is appended to the list of that delay, already in order
 *   since the loop's time never goes backwards. The lists are intrusive (the handle is the list
 *   node): insert, cancel and fire are O(1) plus, for fire, a sift in a heap of *lists*, one per
 *   distinct delay: idle timeouts, thousands of timers sharing a delay, pay no O(log n) per
 *   timer and allocate nothing but their handle;
 * - **a binary heap** (`src/loop/timer-entry-heap.ts`) for the rest: `callAt`, and a timer a list
 *   cannot take in order. An entry is two numbers and a reference in parallel arrays.
 *
 * Cancel and re-arm:
 *
 * - **cancel** unlinks a listed timer (O(1); the list's key in its queue stays a lower bound,
 *   fixed when the list reaches the top). A heap entry is marked dead and stays until it reaches
 *   the top or the heap is compacted (when dead entries outnumber live ones, an O(n) rebuild, so
 *   amortized O(1));
 * - **re-arm to a later deadline** (a sliding idle timeout, Node's `timeout.refresh()`) changes
 *   only the handle: it keeps its place, keyed by the old, earlier deadline; at the top of the
 *   heap it is re-keyed once, at the head of a list it is appended again to that list's tail,
 *   or moved to the heap when it does not sort there;
 * - **re-arm to an earlier deadline** unlinks a listed timer and places it anew; a heap entry
 *   gets a new entry and the old one is dead.
 *
 * A heap entry is the timer's *current* entry while `handle.heapSeq` equals the entry's sequence
 * (every schedule takes a fresh sequence); a listed timer has `heapSeq` = −2 − the sequence it
 * was appended with, so a cancel knows which structure holds it. `peek()` and `popDue()` first
 * clean the tops (drop dead entries, re-key moved ones), so the deadline they report is exact: a
 * moved or cancelled timer never makes the loop wake early. `size` counts live timers only.
 *
 * @module
 */
import type { TimerHandle } from './handle.ts';
import { TimerEntryHeap } from './timer-entry-heap.ts';
import { TimerLists } from './timer-lists.ts';

/** Compaction waits for at least this many dead entries (a small heap is never rebuilt). */
const MIN_DEAD_TO_COMPACT = 256;
/**
 * A cancel or re-arm compacts the heap when its dead entries outnumber its live ones this many
 * times (a bound on memory: each cancel then costs O(1) amortized); `tidy()`, once per loop
 * iteration, at 1.
 */
const DEAD_PER_LIVE_ON_CANCEL = 3;

/** The loop's timers; see the module comment. */
export class TimerHeap {
  readonly #heap = new TimerEntryHeap();
  readonly #lists = new TimerLists((t) => this.#toHeap(t));
  /** Timers scheduled and not cancelled, fired or cleared. */
  #live = 0;
  /** The live timers whose current entry is in the heap (`heapSeq ≥ 0`; in a list it is ≤ −2). */
  #heapLive = 0;

  /** Number of live timers (cancelled ones not counted). */
  get size(): number {
    return this.#live;
  }

  /** Number of entries, live and dead (tests and stats; `size` is what callers want). */
  get entries(): number {
    return this.#heap.length + this.#lists.entries;
  }

  /** Number of per-delay lists in use (tests). */
  get lists(): number {
    return this.#lists.lists;
  }

  /** The earliest live timer, or undefined. */
  peek(): TimerHandle | undefined {
    const a = this.#lists.peek(); // first: it may hand a re-armed entry to the heap
    const b = this.#heap.peek();
    if (a === undefined) return b;
    if (b === undefined || a.when < b.when || (a.when === b.when && a.sequence < b.sequence)) return a;
    return b;
  }

  /**
   * Removes and returns the earliest live timer if it is due at `now` (`when ≤ now`), else
   * undefined. `now` is the loop's time (it never goes backwards).
   */
  popDue(now: number): TimerHandle | undefined {
    this.#lists.now = now;
    return this.#take(now);
  }

  /** Removes and returns the earliest live timer (marking it out of the heap). */
  pop(): TimerHandle | undefined {
    return this.#take(Number.POSITIVE_INFINITY);
  }

  #take(now: number): TimerHandle | undefined {
    const a = this.#lists.peek();
    const b = this.#heap.peek();
    let t: TimerHandle;
    if (
      a !== undefined &&
      (b === undefined || a.when < b.when || (a.when === b.when && a.sequence < b.sequence))
    ) {
      if (a.when > now) return undefined;
      this.#lists.shift();
      t = a;
    } else {
      if (b === undefined || b.when > now) return undefined;
      this.#heap.removeTop();
      this.#heapLive--;
      t = b;
    }
    t.heapSeq = -1;
    this.#live--;
    return t;
  }

  /**
   * Adds a timer that is not in the heap (`t.heapSeq` is −1). `delayMs`: the delay it was set
   * with (`callLater`), which picks its list; −1 for a deadline given as such (`callAt`).
   */
  push(t: TimerHandle, delayMs = -1): void {
    this.#live++;
    this.#place(t, delayMs);
  }

  /** Gives `t` a new current entry: in its delay's list if it has one that takes it, else in the heap. */
  #place(t: TimerHandle, delayMs: number): void {
    if (delayMs < 0 || !this.#lists.append(t, delayMs)) this.#toHeap(t);
  }

  #toHeap(t: TimerHandle): void {
    t.heapSeq = t.sequence;
    this.#heap.append(t);
    this.#heapLive++;
  }

  /**
   * Takes `t` out (a cancel): O(1). A listed timer is unlinked; a heap entry is dropped lazily.
   * No-op if `t` is not in it.
   */
  remove(t: TimerHandle): void {
    const code = t.heapSeq;
    if (code === -1) return;
    t.heapSeq = -1;
    this.#live--;
    if (code <= -2) this.#lists.unlink(t);
    else {
      this.#heapLive--;
      this.#maybeCompact();
    }
  }

  /**
   * `t.when` and `t.sequence` were set anew (a re-arm; `t.sequence` must never have been used
   * before); `earlier`: the new deadline is before the one it replaces; `delayMs` the delay it
   * was re-armed with (−1: none). O(1) when the deadline did not move earlier: the timer stays
   * where it is, keyed by the earlier deadline, until it reaches the top of the heap (re-keyed
   * there) or the head of its list (appended again to the list's tail if it sorts there, else
   * moved to the heap). An earlier deadline is placed anew (in `delayMs`'s list, else the heap).
   * A timer not in the heap (fired or cancelled) is pushed. (A flag, not the old deadline: a
   * double passed to a call that is not inlined is boxed, an allocation per re-arm.)
   */
  update(t: TimerHandle, earlier: boolean, delayMs = -1): void {
    const code = t.heapSeq;
    if (code === -1) {
      this.push(t, delayMs);
      return;
    }
    // A later deadline leaves the entry where it is, keyed by the earlier one (keys only ever lag
    // behind a later re-arm): the heap re-keys it when it reaches the top, a list appends it again.
    if (!earlier) return;
    if (code <= -2) this.#lists.unlink(t);
    else this.#heapLive--;
    this.#place(t, delayMs);
    this.#maybeCompact();
  }

  /** Removes every timer; returns the live ones (each marked out of the heap). */
  clear(): TimerHandle[] {
    const live: TimerHandle[] = [];
    this.#lists.clear(live);
    this.#heap.clear(live);
    this.#live = 0;
    this.#heapLive = 0;
    return live;
  }

  /**
   * Rebuilds the heap without its dead entries when they outnumber its live ones (O(n)): the loop
   * calls this once per iteration before taking due timers, since popping a dead heap entry
   * costs O(log n) and skipping it in a rebuild O(1). Lists hold no dead entries (a cancel
   * unlinks).
   */
  tidy(): void {
    const live = this.#heapLive;
    const dead = this.#heap.length - live;
    if (dead >= MIN_DEAD_TO_COMPACT && dead > live) this.#heap.compact();
  }

  #maybeCompact(): void {
    const live = this.#heapLive;
    const dead = this.#heap.length - live;
    if (dead >= MIN_DEAD_TO_COMPACT && dead > DEAD_PER_LIVE_ON_CANCEL * live) this.#heap.compact();
  }
}
