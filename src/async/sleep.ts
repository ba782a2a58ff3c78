/**
 * Waiting for loop time to pass: `sleep` (relative) and `sleepUntil` (absolute, in the loop's
 * clock from `loop.time()`), both on the loop's own timer heap and cancellable (asyncio's
 * `sleep`, trio's `sleep`/`sleep_until`).
 *
 * @module
 */
import { checkDeadline, checkDelay } from '../errors.ts';
import type { EventLoop } from '../loop/event-loop.ts';
import { cancellable, type SignalOptions } from './cancellable.ts';

/**
 * Resolves after `delayMs` milliseconds of loop time. `sleep(loop, 0)` resolves on the next
 * loop iteration (a checkpoint that lets other callbacks run).
 *
 * @example
 * ```ts
 * await loop.runUntilComplete(async () => {
 *   await sleep(loop, 50, { signal });
 * });
 * ```
 * @throws (rejects) InvalidArgumentError for a delay that is not a finite number ≥ 0;
 *   AbortedError when `signal` aborts first (the timer is cancelled)
 */
export function sleep(loop: EventLoop, delayMs: number, options: SignalOptions = {}): Promise<void> {
  try {
    checkDelay(delayMs, 'sleep delay');
  } catch (err) {
    return Promise.reject(err);
  }
  return sleepUntil(loop, loop.time() + delayMs, options);
}

/**
 * Resolves once the loop's clock reaches `when` (see `loop.time()`); a `when` in the past
 * resolves on the next iteration.
 * @throws (rejects) InvalidArgumentError unless `when` is a finite number; AbortedError when `signal` aborts first
 */
export function sleepUntil(loop: EventLoop, when: number, options: SignalOptions = {}): Promise<void> {
  try {
    checkDeadline(when, 'sleepUntil time');
  } catch (err) {
    return Promise.reject(err);
  }
  return cancellable<void>('sleep', options.signal, (settle) => {
    const timer = loop.callAt(when, settle.resolve, undefined);
    return () => timer.cancel();
  });
}
