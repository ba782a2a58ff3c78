/**
 * @internal Per-delay timer lists, the common case of `TimerHeap` (src/loop/timer-heap.ts), after
 * Node's timer lists (lib/internal/timers.js: one list per duration, only the lists' heads in a
 * priority queue).
 *
 * A timer set with `callLater(delayMs)` or `reschedule(delayMs)` is due at the loop's cached time
 * plus `delayMs`. That time never goes backwards and every schedule takes a larger sequence, so
 * the timers of one delay, appended in the order they are scheduled, are already sorted by
 * (when, sequence): appending is O(1), and only the lists' heads need ordering, in a small binary
 * heap of lists (one entry per distinct delay in use, not one per timer). Idle timeouts, where
 * thousands of timers share one delay, cost no O(log n) sift per insert or per fire.
 *
 * The lists are intrusive: a `TimerHandle` is its own list node (`listPrev`/`listNext`), and a
 * `DelayList` is the sentinel that closes its circle, so appending allocates nothing and a cancel
 * unlinks the timer in O(1) (`unlink`), touching neither the queue nor any array. The queue is
 * lazy: a list's key there is a lower bound of its first timer's key (a cancel or a fire may have
 * taken the first one since), fixed when the list reaches the top (`peek()`), and an emptied list
 * stays queued until then.
 *
 * A list refuses a timer that would not sort after the last one appended to it (an injected
 * clock set back, a `callAt`), and no new list is made past `MAX_LISTS` delays: the caller then
 * keeps the timer in its binary heap. A listed timer has `heapSeq` = −2 − the sequence it was
 * appended with (below the heap's codes and the −1 of "none"). A timer re-armed later in place
 * (`TimerHeap.update`) keeps its place, keyed by that older sequence; at the head of its list
 * it is appended again to the tail, or handed to the heap when it does not sort there.
 *
 * @module
 */
import type { TimerHandle, TimerLink } from './handle.ts';

/**
 * At most this many delays have a list at once; timers of further delays go to the heap, so a
 * program that uses a new delay for every timer gets the heap's O(log n), not a queue of lists
 * as large as the heap.
 */
const MAX_LISTS = 4096;

/**
 * The timers of one delay, in the order they were appended (so in (when, sequence) order): the
 * sentinel of a circular doubly linked list (`listNext` is the first timer, `listPrev` the
 * last; both are the list itself when it is empty).
 */
class DelayList implements TimerLink {
  listPrev: TimerLink = this;
  listNext: TimerLink = this;
  readonly delayMs: number;
  /** The key of the last timer appended since the list was queued: a new one must sort after it. */
  lastWhen = Number.NEGATIVE_INFINITY;
  lastSeq = -1;
  /** The list's key in the queue: ≤ the key of its first timer. */
  keyWhen = 0;
  keySeq = 0;
  /** Whether the list is in the queue (from its first append until it is found empty at the top). */
  queued = false;

  constructor(delayMs: number) {
    this.delayMs = delayMs;
  }

  /**
   * A list that lives as long as the module, never queued: it keeps the class's V8 maps alive
   * between programs' bursts of timers, as `TimerHandle.shapeAnchor` does (see there).
   */
  static readonly shapeAnchor = new DelayList(-1);
}

/** @internal Per-delay lists of timers; see the module comment. */
export class TimerLists {
  readonly #byDelay = new Map<number, DelayList>();
  /** Binary min-heap of the queued lists by (keyWhen, keySeq). */
  readonly #queue: DelayList[] = [];
  /** The list used last (most programs schedule with one or two delays). */
  #lastList: DelayList | null = null;
  #entries = 0;
  readonly #toHeap: (t: TimerHandle) => void;
  /**
   * The loop time last seen by the owner (`TimerHeap.popDue`): a lower bound of the time later
   * timers count from, so a timer due by `now + delayMs` never sorts after a later one of that
   * delay. −∞ until the first `popDue`.
   */
  now = Number.NEGATIVE_INFINITY;

  /**
   * @param toHeap takes a timer re-armed later in place that does not sort at its list's tail,
   *   to give it a heap entry
   */
  constructor(toHeap: (t: TimerHandle) => void) {
    this.#toHeap = toHeap;
  }

  /** Number of timers in all lists. */
  get entries(): number {
    return this.#entries;
  }

  /** Number of lists (distinct delays queued, emptied ones until they reach the top). */
  get lists(): number {
    return this.#byDelay.size;
  }

  /**
   * Appends `t` (keyed by its current when and sequence) to the list of `delayMs` and marks it
   * listed (`t.heapSeq`). O(1). False (and `t` untouched) when that list cannot take it in
   * order, or a new list would pass `MAX_LISTS`.
   */
  append(t: TimerHandle, delayMs: number): boolean {
    let list = this.#lastList;
    if (list === null || list.delayMs !== delayMs) {
      list = this.#byDelay.get(delayMs) ?? null;
      if (list === null) {
        if (this.#byDelay.size >= MAX_LISTS) return false;
        list = new DelayList(delayMs);
        this.#byDelay.set(delayMs, list);
      }
      this.#lastList = list;
    }
    if (!this.#appendTo(list, t)) return false;
    if (!list.queued) {
      list.keyWhen = t.when;
      list.keySeq = t.sequence;
      list.queued = true;
      this.#queue.push(list);
      this.#up(this.#queue.length - 1);
    }
    return true;
  }

  /** Links `t` at the tail of `list` if it sorts after the list's last append (the queue is the caller's). */
  #appendTo(list: DelayList, t: TimerHandle): boolean {
    const when = t.when;
    const seq = t.sequence;
    if (when < list.lastWhen || (when === list.lastWhen && seq <= list.lastSeq)) return false;
    t.heapSeq = -2 - seq;
    const last = list.listPrev;
    t.listPrev = last;
    t.listNext = list;
    last.listNext = t;
    list.listPrev = t;
    list.lastWhen = when;
    list.lastSeq = seq;
    this.#entries++;
    return true;
  }

  /**
   * Takes listed `t` out of its list in O(1); the list's key in the queue stays (a lower bound).
   * `t.heapSeq` is the caller's.
   */
  unlink(t: TimerHandle): void {
    const prev = t.listPrev;
    const next = t.listNext;
    prev.listNext = next;
    next.listPrev = prev;
    // No references into the list from a handle the caller may keep.
    t.listPrev = t;
    t.listNext = t;
    this.#entries--;
  }

  /** The earliest timer of all lists, or undefined; fixes the top list's key first. */
  peek(): TimerHandle | undefined {
    const queue = this.#queue;
    while (queue.length > 0) {
      const list = queue[0]!; // length > 0
      const first = list.listNext;
      if (first === list) {
        this.#dropTop(list);
        continue;
      }
      const t = first as TimerHandle; // a list links timers and its own sentinel only
      if (t.heapSeq !== -2 - t.sequence) {
        // Re-armed later in place (a sliding timeout): to the tail if it sorts there and is due
        // no later than a timer set now with this list's delay (else, re-armed with a longer
        // delay, it would make the list refuse the next timers of its own delay); else to the
        // heap, which can key it anywhere. Either way the list's key stays a lower bound.
        this.unlink(t);
        if (!(t.when <= this.now + list.delayMs && this.#appendTo(list, t))) this.#toHeap(t);
      } else if (t.when !== list.keyWhen || t.sequence !== list.keySeq) {
        list.keyWhen = t.when;
        list.keySeq = t.sequence;
        this.#down(0);
      } else return t;
    }
    return undefined;
  }

  /** Removes the timer `peek()` just returned (the first of the top list); the key is fixed lazily. */
  shift(): void {
    const list = this.#queue[0]!; // peek() returned a timer, so the queue is not empty
    this.unlink(list.listNext as TimerHandle);
  }

  /** Removes every timer; appends them to `live` (marked out: `heapSeq` −1). */
  clear(live: TimerHandle[]): void {
    for (const list of this.#byDelay.values()) {
      for (let link = list.listNext; link !== list; ) {
        const t = link as TimerHandle; // every link but the sentinel is a timer
        link = t.listNext;
        t.listPrev = t;
        t.listNext = t;
        t.heapSeq = -1;
        live.push(t);
      }
    }
    this.#byDelay.clear();
    this.#queue.length = 0;
    this.#lastList = null;
    this.#entries = 0;
  }

  /** `list`, at the top of the queue, is empty: out of the queue and the map. */
  #dropTop(list: DelayList): void {
    const queue = this.#queue;
    const last = queue.pop()!; // list is in the queue
    if (last !== list) {
      queue[0] = last;
      this.#down(0);
    }
    list.queued = false;
    this.#byDelay.delete(list.delayMs);
    if (this.#lastList === list) this.#lastList = null;
  }

  // Queue helpers: `i < queue.length`, so their `!` reads are in range.
  #up(i: number): void {
    const queue = this.#queue;
    const x = queue[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const q = queue[p]!;
      if (q.keyWhen < x.keyWhen || (q.keyWhen === x.keyWhen && q.keySeq < x.keySeq)) break;
      queue[i] = q;
      i = p;
    }
    queue[i] = x;
  }

  #down(i: number): void {
    const queue = this.#queue;
    const n = queue.length;
    const x = queue[i]!;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      let y = queue[c]!;
      const r = c + 1;
      if (r < n) {
        const z = queue[r]!;
        if (z.keyWhen < y.keyWhen || (z.keyWhen === y.keyWhen && z.keySeq < y.keySeq)) {
          c = r;
          y = z;
        }
      }
      if (x.keyWhen < y.keyWhen || (x.keyWhen === y.keyWhen && x.keySeq < y.keySeq)) break;
      queue[i] = y;
      i = c;
    }
    queue[i] = x;
  }
}
