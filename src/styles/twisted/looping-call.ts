/**
 * `LoopingCall`: call a function every `interval` seconds (Twisted's `task.LoopingCall`).
 *
 * Like Twisted, calls are aligned to `start time + k × interval`. When a call runs late (a
 * busy loop, a slow previous call) the missed intervals are skipped, not made up in a burst:
 * the next call goes to the next multiple of the interval after now. When `fn` returns a
 * Deferred or a Promise, the next call is scheduled only after it fires. If `fn` throws (or
 * its Deferred fails), the looping stops and the Deferred from `start()` fails with that error.
 *
 * Intervals are in seconds (Twisted's unit); an interval of 0 calls `fn` once per loop turn.
 *
 * @module
 */
import { BusyResourceError, ClosedResourceError } from '../../errors.ts';
import type { EventLoop } from '../../loop/event-loop.ts';
import { type Chainable, Deferred, maybeDeferred } from './deferred.ts';
import { callLater, checkSeconds, type DelayedCall } from './delayed-call.ts';

/** Calls a function repeatedly; see the module comment. */
export class LoopingCall<A extends unknown[] = []> {
  readonly #loop: EventLoop;
  readonly #fn: (...args: A) => Chainable<unknown>;
  readonly #args: A;
  #running = false;
  #intervalMs: number | null = null;
  #startMs = 0;
  #call: DelayedCall | null = null;
  #deferred: Deferred<LoopingCall<A>> | null = null;

  /** @param loop the loop to schedule on; @param fn the function; @param args its arguments */
  constructor(loop: EventLoop, fn: (...args: A) => Chainable<unknown>, ...args: A) {
    this.#loop = loop;
    this.#fn = fn;
    this.#args = args;
  }

  /** True between `start()` and `stop()` (or a failure). */
  get running(): boolean {
    return this.#running;
  }

  /** The interval in seconds, or null before the first `start()`. */
  get interval(): number | null {
    return this.#intervalMs === null ? null : this.#intervalMs / 1000;
  }

  /**
   * Starts calling `fn` every `intervalSec` seconds; with `now` (default) the first call
   * happens at once, inside `start()`.
   * @returns a Deferred fired with this LoopingCall on `stop()`, or failed with `fn`'s error
   * @throws BusyResourceError when already running; InvalidArgumentError for a bad interval
   */
  start(intervalSec: number, now = true): Deferred<LoopingCall<A>> {
    if (this.#running) {
      throw new BusyResourceError('Cannot start a LoopingCall that is already running: stop() it first.');
    }
    checkSeconds('LoopingCall interval', intervalSec);
    const deferred = new Deferred<LoopingCall<A>>();
    this.#deferred = deferred;
    this.#running = true;
    this.#intervalMs = intervalSec * 1000;
    this.#startMs = this.#loop.time();
    if (now) this.#tick();
    else this.#scheduleFrom(this.#startMs);
    return deferred;
  }

  /**
   * Stops. The Deferred from `start()` fires now, or, while a Deferred `fn` returned is
   * pending, when that one fires.
   * @throws ClosedResourceError when not running
   */
  stop(): void {
    if (!this.#running) {
      throw new ClosedResourceError('Cannot stop a LoopingCall that is not running.');
    }
    this.#running = false;
    if (this.#call !== null) {
      this.#call.cancel();
      this.#call = null;
      this.#finish();
    }
  }

  /** Restarts the interval count from now (the next call is one interval away). */
  reset(): void {
    if (!this.#running) {
      throw new ClosedResourceError('Cannot reset a LoopingCall that is not running.');
    }
    if (this.#call !== null) {
      this.#call.cancel();
      this.#call = null;
      this.#startMs = this.#loop.time();
      this.#scheduleFrom(this.#startMs);
    }
  }

  #tick = (): void => {
    this.#call = null;
    maybeDeferred(this.#fn, ...this.#args).addCallbacks(
      () => {
        if (this.#running) this.#scheduleFrom(this.#loop.time());
        else this.#finish();
        return undefined;
      },
      (err) => {
        this.#running = false;
        const d = this.#deferred;
        this.#deferred = null;
        d?.errback(err);
        return undefined;
      },
    );
  };

  #finish(): void {
    const d = this.#deferred;
    this.#deferred = null;
    d?.callback(this);
  }

  /** Schedules the next call at the first multiple of the interval after `whenMs` (skipping missed ones). */
  #scheduleFrom(whenMs: number): void {
    const interval = this.#intervalMs ?? 0;
    let delayMs = 0;
    if (interval > 0) {
      const runningFor = whenMs - this.#startMs;
      delayMs = interval - (runningFor % interval);
    }
    this.#call = callLater(this.#loop, delayMs / 1000, this.#tick);
  }
}
