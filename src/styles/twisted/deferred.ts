/**
 * Deferred: a result that is not there yet, with a chain of callbacks and errbacks that run
 * when it arrives (Twisted's `twisted.internet.defer.Deferred`). No loop is involved: a
 * Deferred runs its chain synchronously, inside `callback()`/`errback()`, or at once when a
 * callback is added to a Deferred that already fired.
 *
 * ## The chain
 * Each link is a (callback, errback) pair. The result flows down the chain: a success goes to
 * the next callback, a failure (anything thrown, or `errback(error)`) to the next errback.
 * Whatever a link returns becomes the result, so an errback that returns recovers, and a
 * callback that throws fails. A link that returns a Deferred (or a Promise) pauses the chain
 * until that one fires; its result then continues down the outer chain.
 *
 * Errbacks receive the thrown value itself, not a Twisted `Failure`: in JavaScript an `Error`
 * already carries its stack, so test it with `instanceof` and rethrow what you do not handle
 * (that is `failure.trap()`).
 *
 * ## Faults
 * - Firing twice throws {@link AlreadyCalledError}, naming both call sites (the first one when
 *   debugging is on: see debugging.ts for the measured cost).
 * - `cancel()` runs the canceller and, if that did not fire the Deferred, errbacks it with
 *   {@link CancelledError}.
 * - A Deferred garbage-collected while its chain ends in an unhandled failure is reported
 *   (unhandled-error.ts), with where it was created when debugging is on.
 *
 * @module
 */
import { InvalidArgumentError } from '../../errors.ts';
import { captureSite, firstUserFrame, getDebugging, NOT_RECORDED, type Site } from './debugging.ts';
import { AlreadyCalledError, CancelledError } from './twisted-errors.ts';
import { type PendingFailure, trackFailure, untrackFailure } from './unhandled-error.ts';

// biome-ignore lint/suspicious/noExplicitAny: a link receives whatever the chain holds at that point
type LinkFn = (value: any, ...args: any[]) => unknown;

interface Link {
  callback: LinkFn | null;
  callbackArgs: readonly unknown[];
  errback: LinkFn | null;
  errbackArgs: readonly unknown[];
}

/** Cancels the operation behind a Deferred; may fire the Deferred itself. */
export type Canceller<T> = (deferred: Deferred<T>) => void;

/** What a link may return: a value, or a Deferred or Promise of one (the chain waits for it). */
export type Chainable<U> = U | Deferred<U> | PromiseLike<U>;

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (
    v !== null &&
    (typeof v === 'object' || typeof v === 'function') &&
    typeof (v as { then?: unknown }).then === 'function'
  );
}

function nameOf(fn: LinkFn): string {
  return fn.name === '' ? '(anonymous)' : fn.name;
}

/** A result that arrives later, with a chain of callbacks; see the module comment. */
export class Deferred<T = unknown> {
  #links: Link[] = [];
  #result: unknown = undefined;
  #failed = false;
  #called = false;
  #paused = 0;
  #running = false;
  #cancelling = false;
  #suppressAlreadyCalled = false;
  #canceller: Canceller<T> | null;
  #waitingOn: Deferred<unknown> | null = null;
  #created: Site | null;
  #firedBy = '';
  #fireSite: Site | null = null;
  #failedIn = '';
  #pending: PendingFailure | null = null;

  /**
   * @param canceller called by `cancel()` before the Deferred fired: stop the operation, and
   *   optionally fire the Deferred (else it errbacks with CancelledError)
   */
  constructor(canceller?: Canceller<T>) {
    this.#canceller = canceller ?? null;
    this.#created = getDebugging() ? captureSite(new.target) : null;
  }

  /** Wraps a Promise: the Deferred fires when it settles. `cancel()` errbacks at once (a Promise cannot be stopped). */
  static fromPromise<T>(promise: PromiseLike<T>): Deferred<T> {
    const d = new Deferred<T>();
    promise.then(
      (v) => {
        if (!d.#called) d.callback(v);
      },
      (e: unknown) => {
        if (!d.#called) d.errback(e);
      },
    );
    return d;
  }

  /** True once `callback()`, `errback()` or `cancel()` fired it. */
  get called(): boolean {
    return this.#called;
  }

  /** True while the chain is paused (by `pause()` or waiting for a Deferred a link returned). */
  get paused(): boolean {
    return this.#paused > 0;
  }

  /**
   * Adds a callback and an errback as one link: exactly one of them runs.
   * @returns this Deferred, typed by what the link produces
   */
  addCallbacks<U, V = U>(
    callback: ((result: T) => Chainable<U>) | null,
    errback?: ((error: unknown) => Chainable<V>) | null,
  ): Deferred<U | V> {
    return this.#addLink({ callback, callbackArgs: [], errback: errback ?? null, errbackArgs: [] });
  }

  /** Adds a callback (`fn(result, ...args)`); a failure passes it by. */
  addCallback<U, A extends unknown[] = []>(
    fn: (result: T, ...args: A) => Chainable<U>,
    ...args: A
  ): Deferred<U> {
    return this.#addLink({ callback: fn, callbackArgs: args, errback: null, errbackArgs: [] });
  }

  /** Adds an errback (`fn(error, ...args)`); a success passes it by. Return to recover, throw to fail on. */
  addErrback<U = T, A extends unknown[] = []>(
    fn: (error: unknown, ...args: A) => Chainable<U>,
    ...args: A
  ): Deferred<T | U> {
    return this.#addLink({ callback: null, callbackArgs: [], errback: fn, errbackArgs: args });
  }

  /** Adds `fn` as both callback and errback (Twisted's `addBoth`, a `finally` that may change the result). */
  addBoth<U, A extends unknown[] = []>(
    fn: (resultOrError: unknown, ...args: A) => Chainable<U>,
    ...args: A
  ): Deferred<U> {
    return this.#addLink({ callback: fn, callbackArgs: args, errback: fn, errbackArgs: args });
  }

  /** Fires `other` with this chain's result at this point; this chain continues with `undefined`. */
  chainDeferred(other: Deferred<T>): Deferred<undefined> {
    return this.addCallbacks<undefined>(
      (r) => {
        other.callback(r);
        return undefined;
      },
      (e) => {
        other.errback(e);
        return undefined;
      },
    );
  }

  /**
   * Fires the chain with a success.
   * @throws AlreadyCalledError when it fired before; InvalidArgumentError for a Deferred `result`
   */
  callback(result: T): void {
    this.#fire(result, false, this.callback);
  }

  /**
   * Fires the chain with a failure.
   * @throws AlreadyCalledError when it fired before
   */
  errback(error: unknown): void {
    this.#fire(error, true, this.errback);
  }

  /**
   * Cancels: before the Deferred fired, runs the canceller and, if that did not fire it,
   * errbacks with {@link CancelledError}. While the chain waits for a Deferred a link returned,
   * cancels that one. Otherwise does nothing.
   */
  cancel(): void {
    if (this.#called) {
      this.#waitingOn?.cancel();
      return;
    }
    this.#cancelling = true;
    try {
      if (this.#canceller !== null) {
        try {
          this.#canceller(this);
        } catch (err) {
          if (!this.#called) this.errback(err);
        }
      } else {
        // No canceller: the operation goes on and will fire us later; let that pass once.
        this.#suppressAlreadyCalled = true;
      }
      if (!this.#called) this.errback(new CancelledError());
    } finally {
      this.#cancelling = false;
    }
  }

  /** Stops running links until `unpause()`. */
  pause(): void {
    this.#paused++;
  }

  /** Undoes one `pause()`; runs the pending links when no pause is left. */
  unpause(): void {
    if (this.#paused === 0) return;
    this.#paused--;
    if (this.#paused === 0 && this.#called) this.#run();
  }

  /**
   * A Promise of the chain's result at this point. The result is handed over: the chain
   * continues with `undefined` (like Twisted's `asFuture`), and a failure becomes the
   * Promise's rejection, so Node's unhandled-rejection check takes over from the Deferred's.
   */
  asPromise(): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.addCallbacks(
        (v) => {
          resolve(v);
          return undefined;
        },
        (e) => {
          reject(e);
          return undefined;
        },
      );
    });
  }

  /** Text for logs: state and current result. */
  toString(): string {
    const state = !this.#called
      ? 'waiting'
      : this.#paused > 0
        ? 'paused'
        : this.#failed
          ? `failed: ${String(this.#result)}`
          : 'succeeded';
    return `Deferred(${state})`;
  }

  // ── internals ─────────────────────────────────────────────────────────────────────────

  // biome-ignore lint/suspicious/noExplicitAny: the typed facade above re-types the same object
  #addLink(link: Link): Deferred<any> {
    this.#links.push(link);
    if (this.#called) this.#run();
    return this;
  }

  // biome-ignore lint/complexity/noBannedTypes: the method to leave out of the recorded stack
  #fire(value: unknown, failed: boolean, how: Function): void {
    if (this.#called) {
      if (this.#suppressAlreadyCalled) {
        this.#suppressAlreadyCalled = false;
        return;
      }
      throw this.#alreadyCalled(failed ? 'errback' : 'callback', how);
    }
    if (value instanceof Deferred) {
      throw new InvalidArgumentError(
        'Cannot fire a Deferred with another Deferred as its result: return that Deferred from a callback instead (the chain waits for it), or use chainDeferred().',
      );
    }
    this.#called = true;
    this.#firedBy = this.#cancelling ? 'cancel()' : failed ? 'errback()' : 'callback()';
    if (getDebugging()) this.#fireSite = captureSite(this.#cancelling ? this.cancel : how);
    if (failed) this.#failedIn = this.#firedBy;
    this.#result = value;
    this.#failed = failed;
    this.#run();
  }

  // biome-ignore lint/complexity/noBannedTypes: the method to leave out of the recorded stack
  #alreadyCalled(second: string, how: Function): AlreadyCalledError {
    const now = firstUserFrame(captureSite(how)) ?? 'an unknown site';
    const first = this.#fireSite === null ? null : firstUserFrame(this.#fireSite);
    const firstText = first === null ? `(first call site ${NOT_RECORDED})` : `at ${first}`;
    return new AlreadyCalledError(
      `Cannot ${second}() at ${now}: this Deferred was already fired by ${this.#firedBy} ${firstText}. ` +
        'A Deferred fires once: give each result its own Deferred, or test d.called before firing.',
    );
  }

  /** Runs links until the chain ends or pauses. The only place links are called. */
  #run(): void {
    if (this.#running) return; // a link added or unpaused from inside a link: the loop below takes it
    if (this.#pending !== null && this.#paused === 0 && this.#links.length > 0) {
      untrackFailure(this.#pending); // a new link will see the failure
      this.#pending = null;
    }
    this.#running = true;
    try {
      while (this.#paused === 0 && this.#links.length > 0) {
        const link = this.#links.shift()!;
        const failed = this.#failed;
        const fn = failed ? link.errback : link.callback;
        if (fn === null) continue;
        let r: unknown;
        try {
          r = fn(this.#result, ...(failed ? link.errbackArgs : link.callbackArgs));
        } catch (err) {
          this.#result = err;
          this.#failed = true;
          this.#failedIn = `${failed ? 'errback' : 'callback'} ${nameOf(fn)}`;
          continue;
        }
        this.#result = r;
        this.#failed = false;
        if (r instanceof Deferred) this.#waitFor(r, fn);
        else if (isThenable(r)) this.#waitFor(Deferred.fromPromise(r), fn);
      }
    } finally {
      this.#running = false;
    }
    if (this.#failed && this.#paused === 0 && this.#links.length === 0 && this.#pending === null) {
      this.#pending = trackFailure(this, this.#result, this.#created, this.#failedIn);
    }
  }

  /** A link returned `inner`: pause until it fires, then continue with its result. */
  #waitFor(inner: Deferred<unknown>, fn: LinkFn): void {
    if (inner === this) {
      this.#result = new InvalidArgumentError(
        `A callback (${nameOf(fn)}) returned the Deferred it was added to, which would wait for itself forever.`,
      );
      this.#failed = true;
      this.#failedIn = `callback ${nameOf(fn)}`;
      return;
    }
    this.#result = undefined;
    this.#paused++;
    this.#waitingOn = inner;
    const resume = (value: unknown, failed: boolean): undefined => {
      this.#waitingOn = null;
      this.#result = value;
      this.#failed = failed;
      if (failed) this.#failedIn = `the Deferred returned by ${nameOf(fn)}`;
      this.unpause();
      return undefined;
    };
    // Consumes inner's result (it is now ours), so inner reports no unhandled failure.
    inner.#addLink({
      callback: (v) => resume(v, false),
      callbackArgs: [],
      errback: (e) => resume(e, true),
      errbackArgs: [],
    });
  }
}

/** A Deferred that already succeeded with `value`. */
export function succeed<T>(value: T): Deferred<T> {
  const d = new Deferred<T>();
  d.callback(value);
  return d;
}

/** A Deferred that already failed with `error`. */
export function fail<T = never>(error: unknown): Deferred<T> {
  const d = new Deferred<T>();
  d.errback(error);
  return d;
}

/**
 * Calls `fn(...args)` and gives its outcome as a Deferred: its result, the Deferred or Promise
 * it returned, or what it threw (Twisted's `maybeDeferred`).
 */
export function maybeDeferred<U, A extends unknown[]>(
  fn: (...args: A) => Chainable<U>,
  ...args: A
): Deferred<U> {
  let r: Chainable<U>;
  try {
    r = fn(...args);
  } catch (err) {
    return fail<U>(err);
  }
  if (r instanceof Deferred) return r;
  if (isThenable(r)) return Deferred.fromPromise(r as PromiseLike<U>);
  return succeed(r as U);
}

/** True for a Deferred, a Promise or any thenable: what a generator driver can wait for. */
export function isAwaitable(value: unknown): value is Deferred<unknown> | PromiseLike<unknown> {
  return value instanceof Deferred || isThenable(value);
}
