/**
 * `PeriodicCallback`: call a function every `callbackTimeMs` milliseconds (Tornado's
 * `tornado.ioloop.PeriodicCallback`, which, unlike the rest of Tornado, counts milliseconds).
 *
 * Tornado's schedule, kept exactly: the period runs from the start of one call to the start of
 * the next; when a call starts late (a busy loop, a slow callback) the missed periods are
 * skipped, and the next call goes to the next multiple of the period on the original grid.
 * A callback that returns a Promise is awaited before the next call is scheduled. A callback
 * that throws (or rejects) is reported to the loop's exception handler and the calls go on.
 * `jitter` (0..1) varies each period by ±jitter/2 of its length, as in Tornado.
 *
 * @module
 */
import { checkDelay, InvalidArgumentError } from '../../errors.ts';
import type { EventLoop } from '../../loop/event-loop.ts';
import type { TimerHandle } from '../../loop/handle.ts';
import { IOLoop } from './io-loop.ts';

/** Calls a function periodically; see the module comment. */
export class PeriodicCallback {
  readonly #loop: EventLoop;
  readonly #callback: () => unknown;
  readonly #periodMs: number;
  readonly #jitter: number;
  #running = false;
  #nextMs = 0;
  #timer: TimerHandle | null = null;

  /**
   * @param loop an EventLoop or an IOLoop façade
   * @param callback the function (may return a Promise)
   * @param callbackTimeMs the period in milliseconds (> 0)
   * @param jitter fraction of the period to vary it by (0 to 1; default 0)
   */
  constructor(loop: EventLoop | IOLoop, callback: () => unknown, callbackTimeMs: number, jitter = 0) {
    checkDelay(callbackTimeMs, 'PeriodicCallback callbackTimeMs', { positive: true });
    if (!(jitter >= 0 && jitter <= 1)) {
      throw new InvalidArgumentError(`Invalid jitter ${String(jitter)}: pass a fraction from 0 to 1.`);
    }
    this.#loop = loop instanceof IOLoop ? loop.loop : loop;
    this.#callback = callback;
    this.#periodMs = callbackTimeMs;
    this.#jitter = jitter;
  }

  /** Starts: the first call comes one period from now. Does nothing when running. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#nextMs = this.#loop.time();
    this.#scheduleNext();
  }

  /** Stops; a call in progress finishes but no other follows. */
  stop(): void {
    this.#running = false;
    this.#timer?.cancel();
    this.#timer = null;
  }

  /** True between `start()` and `stop()`. */
  isRunning(): boolean {
    return this.#running;
  }

  #run = (): void => {
    this.#timer = null;
    if (!this.#running) return;
    let result: unknown;
    try {
      result = this.#callback();
    } catch (err) {
      this.#loop.reportException(err, 'PeriodicCallback callback');
      this.#scheduleNext();
      return;
    }
    const thenable = result as PromiseLike<unknown> | null;
    if (thenable !== null && typeof thenable === 'object' && typeof thenable.then === 'function') {
      thenable.then(
        () => this.#scheduleNext(),
        (err: unknown) => {
          if (!this.#loop.isClosed) this.#loop.reportException(err, 'PeriodicCallback callback (rejected)');
          this.#scheduleNext();
        },
      );
    } else {
      this.#scheduleNext();
    }
  };

  #scheduleNext(): void {
    if (!this.#running || this.#loop.isClosed) return;
    const now = this.#loop.time();
    let period = this.#periodMs;
    if (this.#jitter > 0) period *= 1 + this.#jitter * (Math.random() - 0.5);
    if (this.#nextMs <= now) {
      // Skip the periods that were missed, to stay on the original grid.
      this.#nextMs += (Math.floor((now - this.#nextMs) / period) + 1) * period;
    } else {
      // The clock did not reach the last deadline (the call ran early): just advance.
      this.#nextMs += period;
    }
    this.#timer = this.#loop.callAt(this.#nextMs, this.#run);
  }
}
