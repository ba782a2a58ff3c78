/**
 * Timeouts and deadlines on the loop's clock: `withTimeout`/`withDeadline` fail with
 * {@link TimeoutError} (trio's `fail_after`/`fail_at`, asyncio's `timeout`/`wait_for`);
 * `moveOnAfter` gives up quietly (trio's `move_on_after`).
 *
 * ## What is bounded
 * - A **function** `(signal) => promise` is called at once with a fresh signal. When time is
 *   up the signal aborts (its reason: the `TimeoutError`), and the call **waits for the work
 *   to settle** before it rejects — no work outlives the call (trio's cancel scopes, asyncio's
 *   `timeout()`). The work settling with a cancellation (its signal's reason, an
 *   `AbortedError` or an `AbortError`) counts as timed out; any other error is rethrown as is;
 *   work that finished anyway (it ignored its signal) returns its value, as in trio. A
 *   function that ignores its signal therefore delays the timeout until it finishes.
 * - A bare **promise** cannot be cancelled: it is abandoned when time is up (the call rejects
 *   at once) and its later outcome is ignored (it is still observed, so an eventual rejection
 *   is never reported as unhandled).
 *
 * The timer is cancelled as soon as the work settles: no timer outlives the call.
 *
 * @module
 */
import { AbortedError, checkDeadline, checkDelay, TimeoutError } from '../errors.ts';
import type { EventLoop } from '../loop/event-loop.ts';
import type { TimerHandle } from '../loop/handle.ts';
import { abortedError, cancellable, isCancellation, linkSignal, type SignalOptions } from './cancellable.ts';

/**
 * Work a timeout can bound: a function that receives an AbortSignal (aborted when time is up)
 * or a promise (abandoned when time is up).
 */
export type Work<T> = Promise<T> | ((signal: AbortSignal) => Promise<T> | T);

/** The outcome of {@link moveOnAfter}: the value, or the fact that time ran out. */
export type MoveOnResult<T> = { readonly timedOut: false; readonly value: T } | { readonly timedOut: true };

type Outcome<T> = { timedOut: false; value: T } | { timedOut: true; error: TimeoutError };

/**
 * Runs `work`, failing with {@link TimeoutError} when it takes longer than `timeoutMs` of loop
 * time (see the module comment for what happens to the work).
 *
 * @example
 * ```ts
 * const line = await withTimeout(loop, (signal) => reader.readLine({ signal }), 5_000);
 * ```
 * @throws (rejects) TimeoutError when time ran out; AbortedError when `options.signal`
 *   aborted; InvalidArgumentError for a timeout that is not a finite number ≥ 0; else the work's error
 */
export async function withTimeout<T>(
  loop: EventLoop,
  work: Work<T>,
  timeoutMs: number,
  options: SignalOptions = {},
): Promise<T> {
  checkTimeout('withTimeout', timeoutMs);
  const outcome = await race(loop, work, loop.time() + timeoutMs, `after ${timeoutMs} ms`, options.signal);
  if (outcome.timedOut) throw outcome.error;
  return outcome.value;
}

/**
 * Like {@link withTimeout}, with an absolute deadline in loop time (`loop.time()`); a
 * deadline in the past aborts the work on the next loop iteration.
 * @throws (rejects) TimeoutError, AbortedError, InvalidArgumentError (not a finite number), or the work's error
 */
export async function withDeadline<T>(
  loop: EventLoop,
  work: Work<T>,
  deadline: number,
  options: SignalOptions = {},
): Promise<T> {
  checkDeadline(deadline, 'withDeadline deadline');
  const outcome = await race(loop, work, deadline, `at the deadline (loop time ${deadline})`, options.signal);
  if (outcome.timedOut) throw outcome.error;
  return outcome.value;
}

/**
 * Runs `work` for at most `timeoutMs` of loop time and then moves on: resolves
 * `{ timedOut: true }` instead of failing (trio's `move_on_after`).
 *
 * @example
 * ```ts
 * const r = await moveOnAfter(loop, 100, (signal) => queue.get({ signal }));
 * if (!r.timedOut) handle(r.value);
 * ```
 * @throws (rejects) AbortedError when `options.signal` aborted; InvalidArgumentError for a bad
 *   timeout; else the work's error
 */
export async function moveOnAfter<T>(
  loop: EventLoop,
  timeoutMs: number,
  work: Work<T>,
  options: SignalOptions = {},
): Promise<MoveOnResult<T>> {
  checkTimeout('moveOnAfter', timeoutMs);
  const outcome = await race(loop, work, loop.time() + timeoutMs, `after ${timeoutMs} ms`, options.signal);
  return outcome.timedOut ? { timedOut: true } : { timedOut: false, value: outcome.value };
}

function checkTimeout(what: string, timeoutMs: number): void {
  checkDelay(timeoutMs, `${what} timeout`);
}

function timeoutError(when: string): TimeoutError {
  return new TimeoutError(`Timed out ${when}: the work did not finish in time and was aborted.`);
}

function race<T>(
  loop: EventLoop,
  work: Work<T>,
  deadline: number,
  when: string,
  outer: AbortSignal | undefined,
): Promise<Outcome<T>> {
  if (outer?.aborted) return Promise.reject(abortedError('The timed work', outer));
  return typeof work === 'function'
    ? raceFunction(loop, work, deadline, when, outer)
    : racePromise(loop, work, deadline, when, outer);
}

async function raceFunction<T>(
  loop: EventLoop,
  fn: (signal: AbortSignal) => Promise<T> | T,
  deadline: number,
  when: string,
  outer: AbortSignal | undefined,
): Promise<Outcome<T>> {
  const controller = new AbortController();
  const fired: { error: TimeoutError | null } = { error: null };
  const timer: TimerHandle = loop.callAt(deadline, () => {
    fired.error = timeoutError(when);
    controller.abort(fired.error);
  });
  const unlink = linkSignal(outer, controller);
  try {
    return { timedOut: false, value: await fn(controller.signal) };
  } catch (error) {
    if (!isCancellation(error, controller.signal)) throw error;
    if (fired.error !== null) return { timedOut: true, error: fired.error };
    throw error instanceof AbortedError ? error : abortedError('The timed work', controller.signal);
  } finally {
    timer.cancel();
    unlink();
  }
}

function racePromise<T>(
  loop: EventLoop,
  promise: Promise<T>,
  deadline: number,
  when: string,
  outer: AbortSignal | undefined,
): Promise<Outcome<T>> {
  return cancellable<Outcome<T>>('The timed work', outer, (settle) => {
    const timer = loop.callAt(deadline, () => settle.resolve({ timedOut: true, error: timeoutError(when) }));
    promise.then(
      (value) => {
        timer.cancel();
        settle.resolve({ timedOut: false, value });
      },
      (error: unknown) => {
        timer.cancel();
        settle.reject(error);
      },
    );
    return () => timer.cancel();
  });
}
