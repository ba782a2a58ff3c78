/**
 * @internal What an EventLoop's constructor (src/loop/event-loop.ts) opens and stores, opened in
 * one function: the selector in its run mode, the clock, the exception reporter, the I/O
 * watchers, the completion queue of a completion backend, and the waker. `releaseLoopParts`
 * closes the descriptors among them, for `close()` and for a constructor that fails after this
 * (issue 9: a constructor that throws leaves no descriptor open).
 *
 * @module
 */
import type { CompletionQueue } from '../completion/completion.ts';
import { completionOf } from '../completion/uring-selector.ts';
import type { Selector } from '../selector/selector.ts';
import { type Clock, MonotonicClock } from './clock.ts';
import type { EventLoopOptions, RunMode } from './event-loop-types.ts';
import { ExceptionReporter } from './exceptions.ts';
import { IoWatchers, type Watcher } from './io-watchers.ts';
import type { LoopObserver } from './loop-observer.ts';
import { openLoopSelector, openWaker } from './open-loop-selector.ts';
import type { Waker } from './waker.ts';

/** @internal What `openLoopParts` returns: the parts an EventLoop stores. */
export interface LoopParts {
  /** The selector the loop waits on. */
  readonly selector: Selector<Watcher>;
  /** The run mode, fixed at construction. */
  readonly mode: RunMode;
  /** The clock timers are scheduled by. */
  readonly clock: Clock;
  /** Outside an iteration, cache the time for one JS turn: only for the real clock. */
  readonly cacheOutside: boolean;
  /** The observer's hooks around each phase, if any. */
  readonly observer: LoopObserver | undefined;
  /** Where a failing callback is reported. */
  readonly exceptions: ExceptionReporter;
  /** The per-fd reader and writer callbacks, kept in sync with the selector. */
  readonly io: IoWatchers;
  /** The completion queue when the backend has one (io_uring), else null. */
  readonly completion: CompletionQueue | null;
  /** The loop's waker (not yet watched: the loop adds its reader). */
  readonly waker: Waker;
}

/**
 * Opens the parts of an EventLoop for `options`.
 * @throws InvalidArgumentError (NBIO_UNSUPPORTED) for guest mode on a selector without a pollable
 *   fd; the waker's error (EMFILE …). Whatever it opened is closed first.
 */
export function openLoopParts(options: EventLoopOptions): LoopParts {
  const { selector, mode } = openLoopSelector(options);
  // The real clock is also cached for one JS turn outside iterations (see timerBase); an
  // injected one (a FakeClock, moved by the test between calls) is read on every call there.
  const cacheOutside = options.clock === undefined;
  const clock = options.clock ?? new MonotonicClock();
  const exceptions = new ExceptionReporter(options.exceptionHandler);
  const io = new IoWatchers(selector);
  const completion = completionOf(selector);
  // Owner mode submits in its own wait; only a guest loop needs the end-of-turn flush.
  if (completion !== null) completion.autoFlush = mode === 'guest';
  const waker = openWaker(selector);
  return {
    selector,
    mode,
    clock,
    cacheOutside,
    observer: options.observer,
    exceptions,
    io,
    completion,
    waker,
  };
}

/** Forgets every watcher and closes the waker, then the selector (the guest watch is gone first). */
export function releaseLoopParts(parts: LoopParts): void {
  parts.io.clear();
  parts.waker.close();
  parts.selector.close();
}
