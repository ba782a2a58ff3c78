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
 * A list refuses a timer that would not sort after its last entry (an injected clock set back, a
 * `callAt`), and no new list is made past `MAX_LISTS` delays: the caller then keeps the timer in
 * its binary heap. Entries follow the heap's rules, with the sequence coded so the
 * owner can tell where a timer's entry is: an entry is current while `handle.heapSeq` equals
 * −2 − its sequence ( below the heap's codes and the −1 of "none"); cancel
 * leaves a dead entry, dropped in O(1) when it reaches the head, or at compaction. A list's key in the queue may be earlier than its true head (the head
 * was cancelled since), never later; `peek()` re-keys it when it reaches the top.
 *
 * @module
 */
import type { TimerHandle } from './handle.ts';

/**
 * At most this many delays have a list at once; timers of further delays go to the heap, so a
 * program that uses a new delay for every timer gets the heap's O(log n), not a queue of lists
 * as large as the heap plus a list per timer.
 */
const MAX_LISTS = 4096;
/** A list's consumed slots are reclaimed (copied down) once there are this many and they are the majority. */
const MIN_HEAD_TO_SHIFT = 1024;

/** The timers of one delay, in the order they were scheduled (so in (when, sequence) order). */
class DelayList {
  readonly delayMs: number;
  /** Entries from `head` on; consumed slots hold null (no reference kept to a fired timer). */
  readonly handles: (TimerHandle | null)[] = [];
  readonly seqs: number[] = [];
  head = 0;
  /** The key of the last entry appended: a new entry must sort after it. */
  lastWhen = Number.NEGATIVE_INFINITY;
  lastSeq = -1;
  /** The list's key in the queue: ≤ the key of its first current entry. */
  keyWhen = 0;
  keySeq = 0;
  /** Whether the list is in the queue (it is while it holds entries). */
  queued = false;

  constructor(delayMs: number) {
    this.delayMs = delayMs;
  }
}

/** @internal Per-delay lists of timers; see the module comment. */
export class TimerLists {
  readonly #byDelay = new Map<number, DelayList>();
  /** Binary min-heap of the non-empty lists by (keyWhen, keySeq). */
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
   * @param toHeap takes a timer whose current list entry was re-armed later in place and does
   *   not sort at its list's tail, to give it a heap entry
   */
  constructor(toHeap: (t: TimerHandle) => void) {
    this.#toHeap = toHeap;
  }

  /** Number of entries in all lists, live and dead. */
  get entries(): number {
    return this.#entries;
  }

  /** Number of lists (distinct delays with entries). */
  get lists(): number {
    return this.#byDelay.size;
  }

  /**
   * Appends an entry for `t` (keyed by its current when and sequence) to the list of `delayMs`
   * and makes it `t`'s current entry (`t.heapSeq`). O(1). False (and `t` untouched) when that list cannot take it in order, or a new list would pass `MAX_LISTS`.
   */
  append(t: TimerHandle, delayMs: number): boolean {
    let list: DelayList | undefined = this.#lastList ?? undefined;
    if (list === undefined || list.delayMs !== delayMs) {
      list = this.#byDelay.get(delayMs);
      if (list === undefined) {
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

  /** Appends `t` to `list` if it sorts after the list's last entry (the queue is the caller's). */
  #appendTo(list: DelayList, t: TimerHandle): boolean {
    const when = t.when;
    const seq = t.sequence;
    if (when < list.lastWhen || (when === list.lastWhen && seq <= list.lastSeq)) return false;
    t.heapSeq = -2 - seq;
    list.handles.push(t);
    list.seqs.push(seq);
    list.lastWhen = when;
    list.lastSeq = seq;
    this.#entries++;
    return true;
  }

  /** The earliest current timer of all lists, or undefined; cleans and re-keys the top list. */
  peek(): TimerHandle | undefined {
    const queue = this.#queue;
    while (queue.length > 0) {
      const list = queue[0]!; // length > 0
      const t = this.#cleanHead(list);
      if (t === undefined) this.#dropTop(list);
      else if (t.when !== list.keyWhen || t.sequence !== list.keySeq) {
        list.keyWhen = t.when;
        list.keySeq = t.sequence;
        this.#down(0);
      } else return t;
    }
    return undefined;
  }

  /** Removes the timer `peek()` just returned (the head of the top list). */
  shift(): void {
    const list = this.#queue[0]!; // peek() returned a timer, so the queue is not empty
    list.handles[list.head] = null;
    list.head++;
    this.#entries--;
    const t = this.#cleanHead(list);
    if (t === undefined) this.#dropTop(list);
    else {
      list.keyWhen = t.when;
      list.keySeq = t.sequence;
      this.#down(0);
    }
  }

  /** Drops every entry that is not current, keeping the order; O(entries + lists log lists). */
  compact(): void {
    const queue = this.#queue;
    queue.length = 0;
    this.#entries = 0;
    for (const list of this.#byDelay.values()) {
      const { handles, seqs } = list;
      let n = 0;
      for (let i = list.head; i < handles.length; i++) {
        const t = handles[i]!; // i < length; slots from head on are not null
        const s = seqs[i]!;
        if (t.heapSeq !== -2 - s) continue;
        handles[n] = t;
        seqs[n] = s;
        n++;
      }
      handles.length = n;
      seqs.length = n;
      list.head = 0;
      this.#entries += n;
      if (n === 0) {
        this.#forget(list);
        continue;
      }
      // The first entry's key, or −∞ if it was re-armed in place (peek() then moves it to the heap).
      const first = handles[0]!;
      const current = first.sequence === seqs[0];
      list.keyWhen = current ? first.when : Number.NEGATIVE_INFINITY;
      list.keySeq = current ? first.sequence : -1;
      list.queued = true;
      queue.push(list);
    }
    for (let i = (queue.length >> 1) - 1; i >= 0; i--) this.#down(i);
  }

  /** Removes every entry; appends the timers of the current ones to `live` (marked out). */
  clear(live: TimerHandle[]): void {
    for (const list of this.#byDelay.values()) {
      const { handles, seqs } = list;
      for (let i = list.head; i < handles.length; i++) {
        const t = handles[i]!; // slots from head on are not null
        if (t.heapSeq === -2 - seqs[i]!) {
          live.push(t);
          t.heapSeq = -1;
        }
      }
    }
    this.#byDelay.clear();
    this.#queue.length = 0;
    this.#lastList = null;
    this.#entries = 0;
  }

  /**
   * Drops the dead entries at the head of `list` and hands on the ones re-armed in place; returns
   * its first current timer, or undefined when the list is empty. Reclaims consumed slots.
   */
  #cleanHead(list: DelayList): TimerHandle | undefined {
    const { handles, seqs } = list;
    let head = list.head;
    let found: TimerHandle | undefined;
    while (head < handles.length) {
      const t = handles[head]!; // slots from head on are not null
      const s = seqs[head]!;
      const current = t.heapSeq === -2 - s;
      if (current && t.sequence === s) {
        found = t;
        break;
      }
      handles[head] = null;
      head++;
      this.#entries--;
      // Current but re-armed later in place (a sliding timeout): to the tail if it sorts there
      // and is due no later than a timer set now with this list's delay (else, re-armed with a
      // longer delay, it would make the list refuse the next timers of its own delay); else to
      // the heap, which can re-key it anywhere.
      if (current && !(t.when <= this.now + list.delayMs && this.#appendTo(list, t))) this.#toHeap(t);
    }
    if (head >= MIN_HEAD_TO_SHIFT && head * 2 >= handles.length) {
      handles.copyWithin(0, head);
      seqs.copyWithin(0, head);
      handles.length -= head;
      seqs.length -= head;
      head = 0;
    }
    list.head = head;
    return found;
  }

  /** `list`, at the top of the queue, is empty: out of the queue and the map. */
  #dropTop(list: DelayList): void {
    const queue = this.#queue;
    const last = queue.pop()!; // list is in the queue
    if (last !== list) {
      queue[0] = last;
      this.#down(0);
    }
    this.#forget(list);
  }

  #forget(list: DelayList): void {
    list.queued = false;
    list.handles.length = 0;
    list.seqs.length = 0;
    list.head = 0;
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
