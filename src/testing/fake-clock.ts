/**
 * A clock that moves only when told to (Twisted's `task.Clock`, Deno's `FakeTime`): pass it to
 * an EventLoop and timers fire when the test advances time, not when real time passes. The
 * loop reads the clock to decide which timers are due and how long to wait, so drive a
 * fake-clocked loop in owner mode with `loop.runOnce(0)` (a zero wait: real time is not what
 * decides anything any more).
 *
 * @example
 * ```ts
 * const clock = new FakeClock();
 * const loop = new EventLoop({ selector: 'poll', mode: 'owner', clock });
 * loop.callLater(10, () => console.log('fired'));
 * loop.runOnce(0);      // nothing: no time has passed
 * clock.advance(10);
 * loop.runOnce(0);      // fired
 * loop.close();
 * ```
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.ts';
import type { Clock } from '../loop/clock.ts';

/** A {@link Clock} whose time changes only through `advance()` and `set()`. Never goes back. */
export class FakeClock implements Clock {
  #now: number;

  /** @param startMs the initial time in milliseconds (default 0) */
  constructor(startMs = 0) {
    if (!Number.isFinite(startMs)) {
      throw new InvalidArgumentError(
        `Cannot start a FakeClock at ${startMs}: use a finite number of milliseconds.`,
      );
    }
    this.#now = startMs;
  }

  /** The current fake time in milliseconds. */
  now(): number {
    return this.#now;
  }

  /**
   * Moves time forward by `ms`.
   * @throws InvalidArgumentError when `ms` is negative or not finite (a Clock never goes back)
   */
  advance(ms: number): void {
    if (!(ms >= 0) || !Number.isFinite(ms)) {
      throw new InvalidArgumentError(
        `Cannot advance a FakeClock by ${ms} ms: use a finite number ≥ 0 (a clock never goes back).`,
      );
    }
    this.#now += ms;
  }

  /**
   * Sets the time to `ms` (at or after the current time).
   * @throws InvalidArgumentError when `ms` is earlier than now or not finite
   */
  set(ms: number): void {
    if (!Number.isFinite(ms) || ms < this.#now) {
      throw new InvalidArgumentError(
        `Cannot set a FakeClock to ${ms} ms: it is at ${this.#now} ms and a clock never goes back. Use a finite time ≥ now().`,
      );
    }
    this.#now = ms;
  }
}
