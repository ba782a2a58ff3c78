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

/** What a TimerHandle needs from the loop that owns it. */
export interface TimerOwner {
  /** Removes a cancelled timer from the heap. */
  timerCancelled(timer: TimerHandle): void;
  /** Re-positions (or re-inserts) a timer whose deadline changed. */
  timerRescheduled(timer: TimerHandle): void;
  /** Loop time now. */
  time(): number;
}

/** A callback scheduled for a point in loop time. Ordered by (when, sequence). */
export class TimerHandle extends Handle {
  /** Deadline in loop time (ms). */
  when: number;
  /** Insertion order, the tie-break for equal deadlines (libuv's start_id). */
  sequence: number;
  /** Position in the owner's timer heap; −1 when not in it. Maintained by TimerHeap only. */
  heapIndex = -1;
  readonly #owner: TimerOwner;

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
    return this.heapIndex >= 0;
  }

  /** Cancels the timer; O(log n) removal from the heap. */
  override cancel(): void {
    if (this.isCancelled) return;
    this.isCancelled = true;
    this.#owner.timerCancelled(this);
  }

  /**
   * Moves the deadline to `delayMs` from now (an idle timeout that slides with activity, like
   * Node's `timeout.refresh()`); O(log n). Re-arms a timer that already fired or was cancelled.
   * @throws InvalidArgumentError unless `delayMs` is a finite number ≥ 0
   */
  reschedule(delayMs: number): void {
    checkDelay(delayMs, 'reschedule delay');
    this.when = this.#owner.time() + delayMs;
    this.isCancelled = false;
    this.#owner.timerRescheduled(this);
  }
}
