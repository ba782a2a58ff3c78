/**
 * The one place that picks a backend: kqueue | epoll > poll > select, by what this platform
 * has. Plain code, no configuration object: a reader sees the whole choice in one function.
 *
 * @module
 */
import { UringSelector } from '../completion/uring-selector.ts';
import { InvalidArgumentError } from '../errors.ts';
import { EpollSelector } from './epoll-selector.ts';
import { KqueueSelector } from './kqueue-selector.ts';
import { PollSelector } from './poll-selector.ts';
import { SelectSelector } from './select-selector.ts';
import type { Selector, SelectorName, Token } from './selector.ts';

/** Whether a backend can run here, and if not, why. */
export type Availability = { available: true } | { available: false; reason: string };

/** Whether backend `name` can run on this platform (and, if not, the reason to print). */
export function backendAvailability(name: SelectorName): Availability {
  switch (name) {
    case 'select':
    case 'poll':
      return { available: true };
    case 'epoll':
      return EpollSelector.available
        ? { available: true }
        : { available: false, reason: `epoll is Linux-only; this is ${process.platform}` };
    case 'kqueue':
      return KqueueSelector.availability();
    case 'io_uring':
      return UringSelector.availability();
  }
}

/**
 * Every backend name: the readiness backends best first, then io_uring (a completion backend,
 * src/completion/; chosen by name, never by default).
 */
export const allBackends: readonly SelectorName[] = ['kqueue', 'epoll', 'poll', 'select', 'io_uring'];

/** The backends this platform can run, best first. */
export function availableBackends(): SelectorName[] {
  return allBackends.filter((n) => backendAvailability(n).available);
}

/**
 * Creates a selector by name.
 * @throws InvalidArgumentError NBIO_UNSUPPORTED, naming the reason, when the backend is unavailable
 */
export function createSelector<T = Token>(name: SelectorName): Selector<T> {
  const a = backendAvailability(name);
  if (!a.available) {
    throw new InvalidArgumentError(
      `The ${name} selector is not available here: ${a.reason}. Pick one of: ${availableBackends().join(', ')}.`,
      'NBIO_UNSUPPORTED',
    );
  }
  switch (name) {
    case 'select':
      return new SelectSelector<T>();
    case 'poll':
      return new PollSelector<T>();
    case 'epoll':
      return new EpollSelector<T>();
    case 'kqueue':
      return new KqueueSelector<T>();
    case 'io_uring':
      return new UringSelector<T>();
  }
}

/** The best backend for this platform: kqueue (macOS/BSD) or epoll (Linux), else poll. */
export function defaultSelector<T = Token>(): Selector<T> {
  const native = process.platform === 'linux' ? 'epoll' : 'kqueue';
  if (backendAvailability(native).available) return createSelector<T>(native);
  return createSelector<T>('poll');
}
