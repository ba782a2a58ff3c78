/**
 * `inlineCallbacks`: write a chain of Deferreds as straight-line code with a generator
 * (Twisted's `@defer.inlineCallbacks`, the mechanism it had before `async`/`await`).
 *
 * ```ts
 * const fetchUser = inlineCallbacks(function* (id: number) {
 *   const row = yield db.query(id);      // a Deferred or a Promise: the generator suspends here
 *   return parseUser(row);               // fires the Deferred that fetchUser(id) returned
 * });
 * ```
 *
 * ## How it is driven
 * `step()` sends a value into the generator (`next`) or throws an error into it (`throw`) and
 * looks at what it yields. A Deferred (or a Promise, wrapped with `Deferred.fromPromise`) gets
 * one link that resumes the generator with its result. Like Twisted, a Deferred that already
 * fired resumes the generator at once, in the same `while` loop rather than by recursion, so a
 * long run of ready results does not grow the stack. Yielding anything else throws
 * {@link NotAwaitableError} into the generator at the `yield`, where its stack points.
 *
 * Cancelling the returned Deferred cancels the Deferred the generator waits on (its
 * CancelledError is thrown in at the `yield`). If the generator catches that and goes on
 * waiting, it is closed with `return()` (its `finally` blocks run) and the Deferred fails with
 * CancelledError.
 *
 * @module
 */
import { Deferred, fail, isAwaitable } from './deferred.ts';
import { NotAwaitableError } from './twisted-errors.ts';

/** What the driver knows about one running generator. */
interface Run<R> {
  gen: Generator<unknown, R, unknown>;
  result: Deferred<R>;
  waitingOn: Deferred<unknown> | null;
  closed: boolean;
}

/**
 * Wraps a generator function: each call runs the generator, suspending at each `yield` of a
 * Deferred or Promise, and returns a Deferred of its return value (or of what it threw).
 */
export function inlineCallbacks<A extends unknown[], R>(
  genFn: (...args: A) => Generator<unknown, R, unknown>,
): (...args: A) => Deferred<R> {
  return function (this: unknown, ...args: A): Deferred<R> {
    let gen: Generator<unknown, R, unknown>;
    try {
      gen = genFn.apply(this, args);
    } catch (err) {
      return fail<R>(err);
    }
    const run: Run<R> = {
      gen,
      result: new Deferred<R>(() => cancelRun(run)),
      waitingOn: null,
      closed: false,
    };
    step(run, undefined, false);
    return run.result;
  };
}

function toDeferred(value: unknown): Deferred<unknown> | null {
  if (value instanceof Deferred) return value;
  if (isAwaitable(value)) return Deferred.fromPromise(value as PromiseLike<unknown>);
  return null;
}

/** Resumes the generator with `value` (or throws it in) until it waits or ends. */
function step<R>(run: Run<R>, value: unknown, isError: boolean): void {
  for (;;) {
    if (run.closed) return;
    let next: IteratorResult<unknown, R>;
    try {
      next = isError ? run.gen.throw(value) : run.gen.next(value);
    } catch (err) {
      run.closed = true;
      if (!run.result.called) run.result.errback(err);
      return;
    }
    if (next.done) {
      run.closed = true;
      const returned = toDeferred(next.value);
      if (returned === null) {
        if (!run.result.called) run.result.callback(next.value);
      } else {
        returned.chainDeferred(run.result as Deferred<unknown>);
      }
      return;
    }
    const awaited = toDeferred(next.value);
    if (awaited === null) {
      value = new NotAwaitableError('inlineCallbacks', next.value, 'a Deferred or a Promise');
      isError = true;
      continue;
    }
    // Either the link below runs now (the Deferred already fired: loop again) or later (resume
    // from the Deferred's own callback).
    let sync = true;
    let readyValue: unknown;
    let readyIsError = false;
    let ready = false;
    const resume = (v: unknown, e: boolean): undefined => {
      if (sync) {
        ready = true;
        readyValue = v;
        readyIsError = e;
      } else {
        run.waitingOn = null;
        step(run, v, e);
      }
      return undefined; // the result is handed to the generator: the yielded Deferred ends with undefined
    };
    awaited.addCallbacks(
      (v) => resume(v, false),
      (e) => resume(e, true),
    );
    sync = false;
    if (!ready) {
      run.waitingOn = awaited;
      return;
    }
    value = readyValue;
    isError = readyIsError;
  }
}

function cancelRun<R>(run: Run<R>): void {
  const waiting = run.waitingOn;
  if (waiting !== null) waiting.cancel(); // throws CancelledError into the generator
  if (run.result.called || run.closed) return;
  // The generator caught the cancellation and waits again: close it (finally blocks run).
  run.closed = true;
  run.waitingOn = null;
  try {
    run.gen.return(undefined as R);
  } catch (err) {
    run.result.errback(err);
  }
  // Deferred.cancel() errbacks with CancelledError unless the line above fired it.
}
