/**
 * The shapes an EventLoop (src/loop/event-loop.ts) is built from and reports: its run mode,
 * its options and its stats. Re-exported from event-loop.ts, where they always were.
 *
 * @module
 */
import type { Selector, SelectorName } from '../selector/selector.ts';
import type { Clock } from './clock.ts';
import type { ExceptionHandler } from './exceptions.ts';
import type { Watcher } from './io-watchers.ts';
import type { LoopObserver } from './loop-observer.ts';

/** How the loop waits: inside libuv (guest) or in its own selector call (owner). */
export type RunMode = 'guest' | 'owner';

/** Options for `EventLoop`. */
export interface EventLoopOptions {
  /** A selector instance or backend name; default: the best for this platform. */
  selector?: Selector<Watcher> | SelectorName;
  /** Run mode; default guest when the selector has a pollable fd, else owner. */
  mode?: RunMode;
  /** Clock to schedule by (tests pass a fake one). */
  clock?: Clock;
  /** Hooks around each phase (tracing). */
  observer?: LoopObserver;
  /** Start the flight recorder (`loop.recorder`) with a ring of this many iterations. */
  recorder?: number;
  /** Called with context when a callback throws; default (also when `undefined`): logs to stderr. */
  exceptionHandler?: ExceptionHandler | undefined;
}

/** Counters of one loop, as a frozen plain object. */
export interface EventLoopStats {
  readonly backend: SelectorName;
  readonly mode: RunMode;
  readonly iterations: number;
  readonly ioCallbacks: number;
  readonly timersFired: number;
  readonly soonCallbacks: number;
  readonly exceptions: number;
  readonly readers: number;
  readonly writers: number;
  readonly timersPending: number;
  readonly ready: number;
  /** Total time spent inside the selector wait (ms). */
  readonly pollMs: number;
}
