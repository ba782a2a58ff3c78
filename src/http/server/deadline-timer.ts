/**
 * `DeadlineTimer`: one connection's timeout, whose deadline changes with each phase of a
 * request, moved lazily. The loop's timer is moved only when a new deadline comes before the
 * armed one; one that fires early re-arms for what is left (a keep-alive request changes the
 * deadline three times and touches the loop's timer heap not at all).
 *
 * @internal
 * @module
 */
import type { EventLoop } from '../../loop/event-loop.ts';
import type { TimerHandle } from '../../loop/handle.ts';

/**
 * A deadline on the loop's clock that calls `onExpired` once it has passed; see the module
 * comment.
 * @internal
 */
export class DeadlineTimer {
  readonly #loop: EventLoop;
  readonly #onExpired: () => void;
  #timer: TimerHandle | null = null;
  /** Loop time when the current phase's timeout is due (Infinity: none). */
  #deadlineMs = Number.POSITIVE_INFINITY;
  /** Loop time the armed timer fires at (Infinity: not armed). */
  #timerDueMs = Number.POSITIVE_INFINITY;

  /** @param onExpired called when the deadline has passed (not when one fires early) */
  constructor(loop: EventLoop, onExpired: () => void) {
    this.#loop = loop;
    this.#onExpired = onExpired;
  }

  /** The deadline is `ms` from the loop's time now. */
  set(ms: number): void {
    const deadlineMs = this.#loop.time() + ms;
    this.#deadlineMs = deadlineMs;
    if (this.#timerDueMs <= deadlineMs) return;
    this.#timerDueMs = deadlineMs;
    if (this.#timer === null) this.#timer = this.#loop.callLater(ms, this.#onTimer);
    else this.#timer.reschedule(ms);
  }

  /** No deadline in this phase (the armed timer, if any, fires and finds none). */
  clear(): void {
    this.#deadlineMs = Number.POSITIVE_INFINITY;
  }

  /** Cancels the loop's timer; the deadline stays as it was. */
  cancel(): void {
    this.#timer?.cancel();
  }

  /** Cancels the loop's timer and forgets the deadline. */
  stop(): void {
    this.#timer?.cancel();
    this.#deadlineMs = this.#timerDueMs = Number.POSITIVE_INFINITY;
  }

  #onTimer = (): void => {
    this.#timerDueMs = Number.POSITIVE_INFINITY;
    const deadlineMs = this.#deadlineMs;
    if (deadlineMs === Number.POSITIVE_INFINITY) return; // no timeout in this phase
    const leftMs = deadlineMs - this.#loop.time();
    if (leftMs > 0) {
      this.#timerDueMs = deadlineMs;
      this.#timer?.reschedule(leftMs);
      return;
    }
    this.#onExpired();
  };
}
