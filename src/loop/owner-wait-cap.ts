/**
 * @internal How long one iteration of an EventLoop (src/loop/event-loop.ts) may wait: the caps
 * owner mode puts on its selector wait so Node's own work is not left behind it
 * (docs/loop-iteration.md), and, for the flight recorder, why a wait was as long as it was.
 *
 * @module
 */
import type { Clock } from './clock.ts';
import type { RunMode } from './event-loop-types.ts';
import type { TimeoutReason } from './recorder-types.ts';
import type { TimerHeap } from './timer-heap.ts';

/**
 * Owner mode with signal handlers: the longest single wait. A signal that lands while this
 * thread runs JS (between Node's own poll phase and our blocking wait) is queued by Node's C
 * handler in libuv's signal pipe, which only libuv watches: it does not interrupt our wait
 * with EINTR. Capping the wait bounds how long such a signal can go unnoticed, at the cost of
 * 20 wake-ups per second, and only while a signal handler is installed. (Guest mode has no
 * such gap: libuv itself waits.)
 */
export const SIGNAL_WAIT_CAP_MS = 50;

/**
 * Owner mode: the longest wait while Node has a ref'd timer pending (`'Timeout'` in
 * `process.getActiveResourcesInfo()`). Node's timers run only between our iterations, and Node
 * exposes no public way to learn when its earliest timer is due (its timer list is internal;
 * `process._getActiveHandles()` does not list timers on Node 20), so the wait is bounded instead:
 * a Node timer fires at most about this late, at the cost of up to 250 wake-ups a second while
 * one is pending and nbio has nothing due sooner. No Node timer, no cap (docs/loop-iteration.md).
 */
export const NODE_TIMER_WAIT_CAP_MS = 4;

/**
 * Owner mode, before a wait that may block: Node's own work must not be left waiting behind
 * it. A library's `setImmediate` queued from a microtask lands *after* the turn run() yields
 * with, so it would only run after our wait returns (measured: undici stalled 5 s between two
 * keep-alive requests). `process.getActiveResourcesInfo()` (public, ~0.2 µs) says whether an
 * Immediate is pending: then we only check the kernel (timeout 0) and yield again. While a
 * ref'd Node timer is pending, the wait is capped at NODE_TIMER_WAIT_CAP_MS.
 * @param timeout the wait the loop would take (ms; null: forever)
 * @param signalHandlers how many signals the loop handles
 */
export function ownerWaitCap(timeout: number | null, signalHandlers: number): number | null {
  const nodeResources = process.getActiveResourcesInfo();
  if (nodeResources.includes('Immediate')) return 0;
  // A Node timer is due at a time we cannot see: wake often enough to let it fire nearly on time.
  if (nodeResources.includes('Timeout') && (timeout === null || timeout > NODE_TIMER_WAIT_CAP_MS))
    return NODE_TIMER_WAIT_CAP_MS;
  if (signalHandlers > 0 && (timeout === null || timeout > SIGNAL_WAIT_CAP_MS)) return SIGNAL_WAIT_CAP_MS;
  return timeout;
}

/** @internal What `timeoutReason` reads of the loop. */
export interface WaitState {
  /** Callbacks in the ready queue. */
  readonly ready: number;
  readonly stopping: boolean;
  readonly mode: RunMode;
  readonly timers: TimerHeap;
  readonly clock: Clock;
  /** How many signals the loop handles. */
  readonly signalHandlers: number;
}

/** Recording: why step 1 chose `timeout` (recomputed from the same state). */
export function timeoutReason(
  timeout: number | null,
  maxTimeoutMs: number | null,
  state: WaitState,
): TimeoutReason {
  if (state.ready > 0) return 'ready';
  if (state.stopping) return 'stopping';
  if (state.mode === 'guest') return 'guest';
  const next = state.timers.peek();
  const natural = next === undefined ? null : Math.max(0, next.when - state.clock.now());
  if (timeout === 0 && natural !== 0 && maxTimeoutMs !== 0) return 'node-immediate';
  if (
    timeout === SIGNAL_WAIT_CAP_MS &&
    state.signalHandlers > 0 &&
    (maxTimeoutMs === null || maxTimeoutMs > timeout)
  )
    return 'signal-cap';
  if (maxTimeoutMs !== null && (natural === null || natural > maxTimeoutMs)) return 'caller';
  return next === undefined ? 'forever' : 'timer';
}
