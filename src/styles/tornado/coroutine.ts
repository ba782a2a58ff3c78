/**
 * `coroutine`: generator-based coroutines driven by the loop (Tornado's `@gen.coroutine`, the
 * mechanism Tornado had before `async`/`await`, and what `async`/`await` does underneath).
 *
 * ```ts
 * const handle = coroutine(loop, function* (stream: IOStream) {
 *   const line = yield stream.readUntil('\n');   // suspends here; the loop runs other work
 *   yield stream.write(line);                     // resumes here once the read finished
 *   return line.length;
 * });
 * const n = await handle(stream);                 // a coroutine call returns a Promise
 * ```
 *
 * ## How `yield` suspends and the loop resumes
 * A generator stops at each `yield` and hands the yielded value to whoever called `next()`.
 * The {@link Runner} below is that caller. For each value the generator yields it:
 * 1. turns it into a future (a Promise): a Promise or thenable as is, a Twisted-style Deferred
 *    through `asPromise()`, an array through `Promise.all` (Tornado's multi-yield);
 * 2. subscribes to the future and **returns**: the generator stays suspended, holding its local
 *    variables, and nothing of it runs while the loop goes on with other callbacks;
 * 3. when the future settles, puts one callback on the loop's ready queue (`loop.callSoon`);
 * 4. when the loop runs that callback, sends the result into the generator (`next(value)`) or
 *    throws the error in at the `yield` (`throw(error)`), and the generator runs to its next
 *    `yield`, or returns (resolving the coroutine's Promise), or throws (rejecting it).
 *
 * The body runs synchronously up to its first `yield` when the coroutine is called (as in
 * Tornado). Yielding something that is not awaitable throws {@link NotAwaitableError} in at
 * that `yield`. `yield moment` gives the loop one turn (Tornado's `gen.moment`).
 *
 * @module
 */
import { ClosedResourceError, checkDelay } from '../../errors.ts';
import type { EventLoop } from '../../loop/event-loop.ts';
import { Deferred } from '../twisted/deferred.ts';
import { NotAwaitableError } from '../twisted/twisted-errors.ts';
import { IOLoop } from './io-loop.ts';

/** Yield this to let the loop run one iteration before resuming (Tornado's `gen.moment`). */
export const moment: unique symbol = Symbol('moment');

/** How a suspended generator is resumed: with a value, or with an error thrown in. */
type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

const EXPECTED = 'a Promise, a Deferred, an array of them, or `moment`';

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (
    v !== null &&
    (typeof v === 'object' || typeof v === 'function') &&
    typeof (v as { then?: unknown }).then === 'function'
  );
}

/**
 * Turns a yielded value into a future, or returns null when it is not awaitable.
 * (`moment` is handled by the Runner before this.)
 */
function toFuture(yielded: unknown): PromiseLike<unknown> | null {
  if (yielded instanceof Deferred) return yielded.asPromise();
  if (isThenable(yielded)) return yielded;
  if (Array.isArray(yielded)) {
    const futures: PromiseLike<unknown>[] = [];
    for (const item of yielded) {
      const f = toFuture(item);
      if (f === null) return null;
      futures.push(f);
    }
    return Promise.all(futures);
  }
  return null;
}

/** Drives one generator on one loop; see the module comment. */
class Runner<R> {
  readonly #loop: EventLoop;
  readonly #gen: Generator<unknown, R, unknown>;
  readonly #resolve: (value: R | PromiseLike<R>) => void;
  readonly #reject: (error: unknown) => void;

  constructor(
    loop: EventLoop,
    gen: Generator<unknown, R, unknown>,
    resolve: (value: R | PromiseLike<R>) => void,
    reject: (error: unknown) => void,
  ) {
    this.#loop = loop;
    this.#gen = gen;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  /** Runs the generator from `outcome` until it suspends on a future or finishes. */
  step = (outcome: Outcome): void => {
    for (;;) {
      // 1. Resume the generator. It runs until its next `yield` (or its end).
      let next: IteratorResult<unknown, R>;
      try {
        next = outcome.ok ? this.#gen.next(outcome.value) : this.#gen.throw(outcome.error);
      } catch (error) {
        this.#reject(error); // the generator threw: the coroutine fails
        return;
      }
      if (next.done) {
        this.#resolve(next.value); // the generator returned: the coroutine succeeds
        return;
      }
      // 2. It yielded. `moment`: resume on the loop's next turn.
      if (next.value === moment) {
        this.#resumeSoon({ ok: true, value: undefined });
        return;
      }
      // 3. A future: subscribe and return. The generator stays suspended at its `yield`.
      const future = toFuture(next.value);
      if (future !== null) {
        future.then(
          (value) => this.#resumeSoon({ ok: true, value }),
          (error: unknown) => this.#resumeSoon({ ok: false, error }),
        );
        return;
      }
      // 4. Not awaitable: throw the error in at that `yield`, where its stack points.
      outcome = { ok: false, error: new NotAwaitableError('coroutine', next.value, EXPECTED) };
    }
  };

  /**
   * The future settled: ask the loop to resume the generator, rather than resuming it here.
   *
   * Why through `loop.callSoon` and not synchronously:
   * - **The loop decides when code runs.** Each resume is one callback in the ready queue, run
   *   in FIFO order with every other ready callback, so one coroutine whose futures are all
   *   ready cannot starve the others, and its stack does not grow with each step.
   * - **No re-entrancy.** A future can settle in the middle of someone else's code (a Deferred
   *   fired inside a protocol callback, a stream resolving a read inside `dataReceived`).
   *   Resuming there would run the coroutine's next stretch before that code finished
   *   updating its own state. From the ready queue, it runs after.
   * - **It is visible.** The resume counts in `loop.stats().soonCallbacks`, reaches the
   *   observer's `callbackRan`, and, in owner mode, happens only while the loop runs (as in
   *   Tornado, where nothing moves unless the IOLoop runs).
   */
  #resumeSoon(outcome: Outcome): void {
    if (this.#loop.isClosed) {
      try {
        this.#gen.return(undefined as R); // run the generator's finally blocks
      } catch {
        // a finally block threw while closing: the loop is gone either way
      }
      this.#reject(new ClosedResourceError('Cannot resume the coroutine: its event loop was closed.'));
      return;
    }
    this.#loop.callSoon(this.step, outcome);
  }
}

/**
 * Wraps a generator function as a coroutine driven by `loop`: each call starts the generator
 * and returns a Promise of its return value (or of what it throws).
 * @param loop the EventLoop (or IOLoop façade) that resumes the generator
 */
export function coroutine<A extends unknown[], R>(
  loop: EventLoop | IOLoop,
  genFn: (...args: A) => Generator<unknown, R, unknown>,
): (...args: A) => Promise<R> {
  const eventLoop = loop instanceof IOLoop ? loop.loop : loop;
  return function (this: unknown, ...args: A): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const gen = genFn.apply(this, args);
      new Runner(eventLoop, gen, resolve, reject).step({ ok: true, value: undefined });
    });
  };
}

/**
 * A Promise resolved after `seconds` on `loop` (Tornado's `gen.sleep`).
 * @throws InvalidArgumentError for a negative or non-finite number of seconds
 */
export function sleep(loop: EventLoop | IOLoop, seconds: number): Promise<void> {
  checkDelay(seconds, 'sleep delay', { unit: 's' });
  const eventLoop = loop instanceof IOLoop ? loop.loop : loop;
  return new Promise<void>((resolve) => {
    eventLoop.callLater(seconds * 1000, resolve);
  });
}
