/**
 * The clock an EventLoop schedules by. Injected, so tests can pass a fake one
 * (`src/testing/fake-clock.ts`).
 *
 * @module
 */
import { monotonicNow } from '../sys/clock.ts';

/** A source of loop time in milliseconds. Must never go backwards. */
export interface Clock {
  /** Current time in milliseconds (any fixed origin). */
  now(): number;
}

/** The real monotonic clock. */
export class MonotonicClock implements Clock {
  now(): number {
    return monotonicNow();
  }
}
