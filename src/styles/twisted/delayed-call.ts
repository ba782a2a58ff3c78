/**
 * `callLater` and `DelayedCall`: a call scheduled on the loop that can be cancelled, moved and
 * inspected (Twisted's `reactor.callLater` and `IDelayedCall`), plus `deferLater`.
 *
 * **Times are in seconds**, as in Twisted (`callLater(loop, 0.5, fn)` is 500 ms), including
 * `getTime()`, which is loop time in seconds. The rest of nbio counts milliseconds; the
 * conversion happens here only. Built on `loop.callLater` and `TimerHandle.reschedule`, so
 * `reset()` and `delay()` move the timer in the loop's heap in O(log n) without a new timer.
 *
 * @module
 */
import { checkDelay, TimeoutError } from '../../errors.ts';
import type { EventLoop } from '../../loop/event-loop.ts';
import type { TimerHandle } from '../../loop/handle.ts';
import { Deferred } from './deferred.ts';
import { AlreadyCalledError, AlreadyCancelledError, CancelledError } from './twisted-errors.ts';

/** Checks a delay in seconds. @throws InvalidArgumentError unless a finite number ≥ 0 */
export function checkSeconds(what: string, seconds: number): number {
  // The Twisted style counts seconds, not milliseconds: the message says so.
  return checkDelay(seconds, what, { unit: 's' });
}

/** A call scheduled with {@link callLater}. */
export class DelayedCall {
  readonly #loop: EventLoop;
  readonly #handle: TimerHandle;
  #state: 'pending' | 'called' | 'cancelled' = 'pending';

  /** Use {@link callLater}. */
  constructor(loop: EventLoop, delaySec: number, fn: (...args: never[]) => void, args: readonly unknown[]) {
    this.#loop = loop;
    this.#handle = loop.callLater(delaySec * 1000, () => {
      this.#state = 'called';
      (fn as (...a: unknown[]) => void)(...args);
    });
  }

  /** When the call will run: loop time in seconds (`loop.time() / 1000`). */
  getTime(): number {
    return this.#handle.when / 1000;
  }

  /** True until the call ran or was cancelled. */
  active(): boolean {
    return this.#state === 'pending';
  }

  /** True once the call ran. */
  get called(): boolean {
    return this.#state === 'called';
  }

  /** True once cancelled. */
  get cancelled(): boolean {
    return this.#state === 'cancelled';
  }

  /**
   * Cancels the call.
   * @throws AlreadyCalledError when it ran; AlreadyCancelledError when cancelled before
   */
  cancel(): void {
    this.#checkPending('cancel');
    this.#state = 'cancelled';
    this.#handle.cancel();
  }

  /**
   * Reschedules the call to run `secondsFromNow` from now.
   * @throws AlreadyCalledError, AlreadyCancelledError, InvalidArgumentError
   */
  reset(secondsFromNow: number): void {
    this.#checkPending('reset');
    checkSeconds('DelayedCall reset delay', secondsFromNow);
    this.#handle.reschedule(secondsFromNow * 1000);
  }

  /**
   * Moves the call `seconds` later than it was due (negative: earlier).
   * @throws AlreadyCalledError, AlreadyCancelledError, InvalidArgumentError
   */
  delay(seconds: number): void {
    this.#checkPending('delay');
    checkDelay(seconds, 'DelayedCall delay', { unit: 's', signed: true });
    // Moved into the past: due at once (the loop's timers take no negative delay).
    this.#handle.reschedule(Math.max(0, this.#handle.when + seconds * 1000 - this.#loop.time()));
  }

  #checkPending(what: string): void {
    if (this.#state === 'called') {
      throw new AlreadyCalledError(`Cannot ${what} a DelayedCall that already ran: check active() first.`);
    }
    if (this.#state === 'cancelled') {
      throw new AlreadyCancelledError(
        `Cannot ${what} a DelayedCall that was cancelled: check active() first.`,
      );
    }
  }
}

/**
 * Runs `fn(...args)` on `loop` after `delaySec` **seconds**. A throwing `fn` is reported to
 * the loop's exception handler (the loop goes on).
 * @throws InvalidArgumentError for a negative or non-finite delay
 */
export function callLater<A extends unknown[]>(
  loop: EventLoop,
  delaySec: number,
  fn: (...args: A) => void,
  ...args: A
): DelayedCall {
  checkSeconds('callLater delay', delaySec);
  return new DelayedCall(loop, delaySec, fn as unknown as (...a: never[]) => void, args);
}

/**
 * A Deferred fired with `fn(...args)` after `delaySec` seconds (or with `undefined` when no
 * `fn` is given); what `fn` throws becomes the failure. Cancelling it cancels the call.
 */
export function deferLater<U = undefined, A extends unknown[] = []>(
  loop: EventLoop,
  delaySec: number,
  fn?: (...args: A) => U,
  ...args: A
): Deferred<U> {
  const d: Deferred<U> = new Deferred<U>(() => {
    if (call.active()) call.cancel();
  });
  const call = callLater(loop, delaySec, () => {
    let value: U;
    try {
      value = fn === undefined ? (undefined as U) : fn(...args);
    } catch (err) {
      d.errback(err);
      return;
    }
    d.callback(value);
  });
  return d;
}

/**
 * Cancels `d` if it has not fired within `seconds`; the CancelledError that follows becomes a
 * `TimeoutError` (Twisted's `d.addTimeout(timeout, clock)`). The timer goes away once `d` fires.
 * @returns `d`
 */
export function addTimeout<T>(d: Deferred<T>, loop: EventLoop, seconds: number): Deferred<T> {
  let timedOut = false;
  const call = callLater(loop, seconds, () => {
    timedOut = true;
    d.cancel();
  });
  return d.addCallbacks<T, T>(
    (value) => {
      if (call.active()) call.cancel();
      return value;
    },
    (error) => {
      if (call.active()) call.cancel();
      if (timedOut && error instanceof CancelledError) {
        throw new TimeoutError(`The Deferred did not fire within ${seconds} s, so it was cancelled.`);
      }
      throw error;
    },
  );
}
