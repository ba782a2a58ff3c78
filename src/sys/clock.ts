/**
 * The monotonic clock nbio schedules with: `performance.now()`, which Node reads from
 * CLOCK_MONOTONIC (the same clock libuv uses) without a syscall through koffi.
 *
 * @module
 */

/** Milliseconds since an arbitrary fixed point, with sub-millisecond precision. Never goes back. */
export function monotonicNow(): number {
  return performance.now();
}
