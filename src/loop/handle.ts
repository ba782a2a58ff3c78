/**
 * Handles: scheduled callbacks that can be cancelled. `Handle` comes from `callSoon`;
 * `TimerHandle` from `callLater`/`callAt` and also knows its deadline.
 *
 * @module
 */
import { checkDelay } from '../errors.ts';

/** A callback the loop will run once, unless cancelled first. */
export class Handle {
  /** The function to call. */
  readonly callback: (...args: never[]) => void;
  /** Arguments to pass. */
  readonly args: readonly unknown[];
  /** Set by cancel(); a TimerHandle clears it when rescheduled. */
  protected isCancelled = false;

  /** Created by the loop; user code receives it from `callSoon`. */
  constructor(callback: (...args: never[]) => void, args: readonly unknown[]) {
    this.callback = callback;
    this.args = args;
  }

  /** True once `cancel()` was called. */
  get cancelled(): boolean {
    return this.isCancelled;
  }

  /** Prevents the callback from running. Idempotent; harmless after it ran. */
  cancel(): void {
    this.isCancelled = true;
  }

  /** Runs the callback (the loop calls this). */
  run(): void {
    const args = this.args;
    if (args.length === 0) (this.callback as () => void)();
    else (this.callback as (...a: unknown[]) => void)(...args);
  }
}

/**
 * @internal The deadline of a timer set `delayMs` after loop time `baseMs`: rounded up to a
 * whole millisecond (never early; Node's and libuv's timers have whole milliseconds too), except
 * that a delay of 0 is due at `baseMs` itself (the next iteration, not up to 1 ms later). The
 * loop's time itself stays fractional.
 */
export function deadlineAfter(baseMs: number, delayMs: number): number {
  return delayMs === 0 ? baseMs : Math.ceil(baseMs + delayMs);
}

/** What a TimerHandle needs from the loop that owns it. */
export interface TimerOwner {
  /** Removes a cancelled timer from the heap. */
  timerCancelled(timer: TimerHandle): void;
  /**
   * Re-arms `timer` `delayMs` from the loop time a new deadline counts from (the loop's cached
   * time, like libuv's `uv_now`): sets its `when` and a new sequence, and re-positions (or
   * re-inserts) it.
   */
  timerRescheduled(timer: TimerHandle, delayMs: number): void;
  /** `timer.ref()`/`unref()` changed whether it keeps the process alive. */
  timerRefChanged?(timer: TimerHandle): void;
}

/**
 * @internal A link of a per-delay timer list (src/loop/timer-lists.ts): a `TimerHandle`, or the
 * list's own sentinel. The list is circular and doubly linked, so a timer unlinks itself in O(1).
 */
export interface TimerLink {
  listPrev: TimerLink;
  listNext: TimerLink;
}

/** The owner of `TimerHandle.shapeAnchor`: a timer that is never scheduled. */
const INERT_OWNER: TimerOwner = {
  timerCancelled() {},
  timerRescheduled() {},
};

/**
 * A callback scheduled for a point in loop time. Ordered by (when, sequence).
 *
 * One handle (`shapeAnchor`, never scheduled) lives as long as the module: V8 keeps the hidden
 * classes ("maps") a class's objects went through only while some object still has them. Once
 * every TimerHandle has been collected (a program with no timer pending across a full GC, or
 * a benchmark round), the next one is built on new maps, and each optimized function that saw
 * the old ones (cancel, reschedule, the lists' unlink) is deoptimized ("wrong map") at its
 * first call and runs unoptimized until V8 compiles it again: in B5's cancel-heavy case,
 * 900,000 cancels at ~100 ns of CPU instead of ~30 (a loaded machine, same run). Node's timers
 * rarely meet this, since some `Timeout` is nearly always alive. It costs one handle (104 bytes)
 * per process. `timer-shapes.test.ts` checks that `cancel` stays optimized across such a GC.
 */
export class TimerHandle extends Handle implements TimerLink {
  // `when` is declared without a value, so V8 keeps it as a tagged field: a whole-ms deadline
  // (callLater, reschedule: see deadlineAfter) is stored as a small integer inside the handle,
  // no HeapNumber beside it (a second object per timer for the scavenger to copy: ~20% of the
  // insert cost); a fractional one (callAt, a delay of 0) is a HeapNumber per store.
  /** Deadline in loop time (ms). */
  when: number;
  /** Insertion order, the tie-break for equal deadlines (libuv's start_id). */
  sequence = 0;
  /**
   * Where this timer's current entry in its owner's TimerHeap is: the entry's sequence when it is
   * in the binary heap, −2 − that sequence when it is in a per-delay list, −1 when it has none
   * (fired or cancelled). Maintained by TimerHeap only.
   */
  heapSeq = -1;
  /**
   * @internal Its neighbours in a per-delay list while it is in one (`heapSeq` ≤ −2; the timer
   * is its own list node, so a timer costs no other allocation); itself otherwise.
   */
  listPrev: TimerLink = this;
  /** @internal See `listPrev`. */
  listNext: TimerLink = this;
  readonly #owner: TimerOwner;
  #refed = true;

  /** Created by the loop; user code receives it from `callLater`/`callAt`. */
  constructor(
    owner: TimerOwner,
    when: number,
    sequence: number,
    callback: (...args: never[]) => void,
    args: readonly unknown[],
  ) {
    super(callback, args);
    this.#owner = owner;
    this.when = when;
    this.sequence = sequence;
  }

  /** True while the timer waits in the heap (not yet due, not cancelled). */
  get active(): boolean {
    return this.heapSeq !== -1;
  }

  /** False after `unref()`: the timer does not keep a guest loop's process alive. */
  hasRef(): boolean {
    return this.#refed;
  }

  /**
   * Lets the process exit while this timer is pending, as Node's `timeout.unref()` (libuv's
   * `uv_unref`): a guest loop stops holding Node's loop open when only unreferenced timers and
   * watchers remain. The timer still fires if the process is alive then. Owner-mode `run()`
   * ignores it (it runs until `stop()`).
   */
  unref(): this {
    if (this.#refed) {
      this.#refed = false;
      this.#owner.timerRefChanged?.(this);
    }
    return this;
  }

  /** Undoes `unref()`. */
  ref(): this {
    if (!this.#refed) {
      this.#refed = true;
      this.#owner.timerRefChanged?.(this);
    }
    return this;
  }

  /** Cancels the timer; O(1) (its heap entry is dropped lazily). */
  override cancel(): void {
    if (this.isCancelled) return;
    this.isCancelled = true;
    this.#owner.timerCancelled(this);
  }

  /**
   * Moves the deadline to `delayMs` from now (an idle timeout that slides with activity, like
   * Node's `timeout.refresh()`); O(1) when the deadline moves later, O(log n) when earlier.
   * Re-arms a timer that already fired or was cancelled. Counts from the loop's cached time
   * (see `EventLoop.callLater`).
   * @throws InvalidArgumentError unless `delayMs` is a finite number ≥ 0
   */
  reschedule(delayMs: number): void {
    checkDelay(delayMs, 'reschedule delay');
    this.isCancelled = false;
    this.#owner.timerRescheduled(this, delayMs);
  }

  /** @internal The handle that keeps this class's V8 maps alive, never scheduled; see the class comment. */
  static readonly shapeAnchor: TimerHandle = new TimerHandle(INERT_OWNER, 0, -1, () => {}, []);
}
