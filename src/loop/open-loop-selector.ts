/**
 * @internal What an EventLoop (src/loop/event-loop.ts) opens first: its selector, in the run
 * mode the options ask for, and its waker. Each step that fails releases what the steps before
 * it opened (issue 9: a constructor that throws leaves no descriptor open).
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.ts';
import { createSelector, defaultSelector } from '../selector/default-selector.ts';
import type { Selector } from '../selector/selector.ts';
import type { EventLoopOptions, RunMode } from './event-loop-types.ts';
import type { Watcher } from './io-watchers.ts';
import { Waker } from './waker.ts';

/**
 * The selector `options` name (an instance, a backend name, or the platform's best) and the run
 * mode: guest when the selector has a pollable fd, else owner, unless `options.mode` says.
 * @throws InvalidArgumentError (NBIO_UNSUPPORTED) for guest mode on a selector without a pollable
 *   fd, after closing the selector
 */
export function openLoopSelector(options: EventLoopOptions): { selector: Selector<Watcher>; mode: RunMode } {
  const s = options.selector;
  const selector =
    s === undefined ? defaultSelector<Watcher>() : typeof s === 'string' ? createSelector<Watcher>(s) : s;
  const pollable = selector.capabilities.pollableFd !== null;
  const mode = options.mode ?? (pollable ? 'guest' : 'owner');
  if (mode === 'guest' && !pollable) {
    const name = selector.capabilities.name;
    selector.close();
    throw new InvalidArgumentError(
      `Cannot run the ${name} selector in guest mode: it has no descriptor libuv could watch. Use mode 'owner', or the epoll/kqueue selector.`,
      'NBIO_UNSUPPORTED',
    );
  }
  return { selector, mode };
}

/** A new waker; if that fails (EMFILE …), closes `selector` first, which the loop would own. */
export function openWaker(selector: Selector<Watcher>): Waker {
  try {
    return new Waker();
  } catch (err) {
    selector.close();
    throw err;
  }
}
