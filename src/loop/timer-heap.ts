/**
 * A binary min-heap of TimerHandles ordered by (when, sequence): equal deadlines fire in the
 * order they were scheduled (libuv's `start_id` tie-break). Each timer knows its index, so
 * removal and re-keying are O(log n) — no lazy deletion, so cancelled timers never pile up
 * (asyncio needs a periodic heap rebuild for that).
 *
 * @module
 */
import type { TimerHandle } from './handle.ts';

function less(a: TimerHandle, b: TimerHandle): boolean {
  return a.when < b.when || (a.when === b.when && a.sequence < b.sequence);
}

/** Min-heap of timers; see the module comment. */
export class TimerHeap {
  readonly #items: TimerHandle[] = [];

  /** Number of timers in the heap. */
  get size(): number {
    return this.#items.length;
  }

  /** The earliest timer, or undefined. */
  peek(): TimerHandle | undefined {
    return this.#items[0];
  }

  /** Adds a timer. O(log n). */
  push(t: TimerHandle): void {
    t.heapIndex = this.#items.length;
    this.#items.push(t);
    this.#up(t.heapIndex);
  }

  /** Removes and returns the earliest timer. O(log n). */
  pop(): TimerHandle | undefined {
    const items = this.#items;
    if (items.length === 0) return undefined;
    const top = items[0];
    this.#removeAt(0);
    return top;
  }

  /** Removes `t` wherever it is. O(log n). No-op if it is not in the heap. */
  remove(t: TimerHandle): void {
    if (t.heapIndex < 0 || this.#items[t.heapIndex] !== t) return;
    this.#removeAt(t.heapIndex);
  }

  /** Restores order after `t.when` changed (inserts it if it was not in the heap). O(log n). */
  update(t: TimerHandle): void {
    if (t.heapIndex < 0 || this.#items[t.heapIndex] !== t) {
      this.push(t);
      return;
    }
    this.#up(t.heapIndex);
    this.#down(t.heapIndex);
  }

  /** Removes every timer (marking each as out of the heap). */
  clear(): TimerHandle[] {
    const all = this.#items.splice(0);
    for (const t of all) t.heapIndex = -1;
    return all;
  }

  // The private helpers below take an index `i < items.length` (a timer's own heapIndex, or a
  // child/parent index checked against the length), so their `!` reads are in range.
  #removeAt(i: number): void {
    const items = this.#items;
    const gone = items[i]!;
    const last = items.pop()!;
    gone.heapIndex = -1;
    if (i < items.length) {
      items[i] = last;
      last.heapIndex = i;
      this.#up(i);
      this.#down(last.heapIndex);
    }
  }

  #up(i: number): void {
    const items = this.#items;
    const t = items[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = items[p]!;
      if (!less(t, parent)) break;
      items[i] = parent;
      parent.heapIndex = i;
      i = p;
    }
    items[i] = t;
    t.heapIndex = i;
  }

  #down(i: number): void {
    const items = this.#items;
    const n = items.length;
    const t = items[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      let c = l;
      let child = items[l]!;
      if (l + 1 < n) {
        const right = items[l + 1]!;
        if (less(right, child)) {
          c = l + 1;
          child = right;
        }
      }
      if (!less(child, t)) break;
      items[i] = child;
      child.heapIndex = i;
      i = c;
    }
    items[i] = t;
    t.heapIndex = i;
  }
}
