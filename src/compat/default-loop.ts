/**
 * The default loop of the `net`-compatible API. `net`'s signatures carry no loop, so this folder
 * is the one place in nbio with a default (docs/design.md, "Layers"): it is created on first use, in
 * guest mode on the platform's pollable selector (epoll on Linux, kqueue on macOS/BSD), so it
 * runs beside Node's own loop without anyone calling `run()`. Replace it with
 * {@link setDefaultLoop}; every compat API also takes an explicit `{ loop }` option, which wins.
 *
 * The default loop is never closed by nbio (like Node's own loop, it lives as long as the
 * process). A guest loop keeps the process alive only while it watches a socket or has timers
 * pending, so an idle default loop does not hold the process open; it does hold two descriptors
 * (the selector's and the waker's). Tests that count descriptors release them with
 * `setDefaultLoop(null)?.close()`.
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.ts';
import { EventLoop } from '../loop/event-loop.ts';

let current: EventLoop | null = null;

/**
 * The loop compat sockets and servers use when none is passed: the one set with
 * {@link setDefaultLoop}, else one created now (guest mode). A closed default loop is replaced.
 * @throws InvalidArgumentError NBIO_UNSUPPORTED when the platform has no selector that can run
 *   in guest mode (then create an owner-mode loop, install it and run it yourself)
 */
export function getDefaultLoop(): EventLoop {
  if (current === null || current.isClosed) current = createGuestLoop();
  return current;
}

/**
 * Installs `loop` as the default (`null`: the next use creates a fresh guest loop) and returns
 * the previous default, which the caller may close. Sockets already made keep their loop.
 * @throws InvalidArgumentError for anything but an EventLoop or null
 */
export function setDefaultLoop(loop: EventLoop | null): EventLoop | null {
  if (loop !== null && !(loop instanceof EventLoop)) {
    throw new InvalidArgumentError(
      'setDefaultLoop takes an EventLoop (new EventLoop()) or null to go back to the automatic one.',
    );
  }
  const previous = current;
  current = loop;
  return previous;
}

/** `loop` when given, else the default loop. @throws InvalidArgumentError for a non-loop */
export function resolveLoop(loop: unknown): EventLoop {
  if (loop === undefined || loop === null) return getDefaultLoop();
  if (!(loop instanceof EventLoop)) {
    throw new InvalidArgumentError(
      `Invalid loop option (${typeof loop}): pass an nbio EventLoop, or leave it out to use the default loop.`,
    );
  }
  return loop;
}

function createGuestLoop(): EventLoop {
  try {
    return new EventLoop({ mode: 'guest' });
  } catch (err) {
    throw new InvalidArgumentError(
      'Cannot create the default compat loop: this platform has no selector that runs as a guest of Node (epoll or kqueue). Create an owner-mode loop, pass it with setDefaultLoop(loop) (or { loop }) and run it.',
      'NBIO_UNSUPPORTED',
      { cause: err },
    );
  }
}
