/**
 * User code running on a compat socket must fail as it would on Node's: a listener that throws
 * inside a `'data'`, `'timeout'` or `'connect'` handler is an **uncaught exception** under
 * `net` (the process dies, or `process.on('uncaughtException')` sees it). The nbio loop, by
 * contrast, catches what its callbacks throw and hands it to its exception handler. So every
 * entry point the loop calls into a compat socket goes through {@link rethrowOutsideLoop},
 * which lets the callback finish and re-throws the exception from a fresh Node tick, where Node
 * treats it as uncaught.
 *
 * @module
 */

/**
 * Runs `fn`; an exception it throws is re-thrown on the next Node tick (an uncaught exception),
 * not returned to the caller (the loop).
 */
export function rethrowOutsideLoop(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    process.nextTick(() => {
      throw err;
    });
  }
}
