/**
 * @internal What runs first thing in `EventLoop.close()` (src/loop/event-loop.ts): the hooks of
 * `loop.onClose(hook)` and the targets of `loop.onCloseCall(target)` (a transport, without a
 * closure of its own), once each, in registration order; one that throws is reported and the
 * rest still run.
 *
 * @module
 */
import type { ExceptionReporter } from './exceptions.ts';

/** @internal What `onCloseCall` takes: an object told when the loop closes (a transport). */
export interface LoopCloseTarget {
  /** Runs first thing in `close()`, as an `onClose` hook. */
  loopClosing(): void;
}

/** @internal One loop's close hooks; see the module comment. */
export class CloseHooks {
  readonly #hooks = new Set<(() => void) | LoopCloseTarget>();

  /** Adds `hook` (again: no change). */
  add(hook: (() => void) | LoopCloseTarget): void {
    this.#hooks.add(hook);
  }

  /** Removes `hook` (absent: no change). */
  delete(hook: (() => void) | LoopCloseTarget): void {
    this.#hooks.delete(hook);
  }

  /** Runs every hook once and forgets them all; a hook that throws goes to `exceptions`. */
  runAll(exceptions: ExceptionReporter): void {
    const hooks = [...this.#hooks];
    this.#hooks.clear();
    for (const hook of hooks) {
      try {
        if (typeof hook === 'function') hook();
        else hook.loopClosing();
      } catch (err) {
        exceptions.report(err, 'close hook');
      }
    }
  }
}
