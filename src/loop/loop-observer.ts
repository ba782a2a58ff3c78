/**
 * Observer hooks around the loop's phases (trio's `Instrument`). The loop calls them only when
 * an observer is set: tracing off costs one branch per phase. Implementations live outside the
 * loop (`src/trace/`); the loop never imports them.
 *
 * @module
 */
import type { ReadyEvent } from '../selector/selector.ts';

/** What ran, for {@link LoopObserver.callbackRan}. */
export type CallbackKind = 'io' | 'timer' | 'soon';

/** Hooks the EventLoop calls at each phase of an iteration. All optional. */
export interface LoopObserver {
  /** Step 2: about to wait; `timeoutMs` null means "until an event". */
  beforePoll?(timeoutMs: number | null): void;
  /** Step 4: the wait returned `events` (reused by the next wait) after `sleptMs`. */
  afterPoll?(events: readonly ReadyEvent[], sleptMs: number): void;
  /** After each callback: its kind, the fd for I/O (else −1), and how long it ran. */
  callbackRan?(kind: CallbackKind, fd: number, durationMs: number): void;
  /** After a whole iteration, with its number. */
  iterationDone?(iteration: number): void;
}
