/**
 * The system calls nbio made since the previous iteration ended, as differences of the
 * process-wide counter (src/sys/syscall-counter.ts), appended to the flight recorder's syscall
 * log: kinds with calls only, so calls made from microtasks between two iterations count in the
 * next one.
 *
 * @module
 */
import { SYSCALL_KINDS, syscallCounter } from '../sys/syscall-counter.ts';
import type { Log } from './recorder-ring.ts';

/** See the module comment. */
export class SyscallDelta {
  /** The counter at the last look: calls, then bytes, per kind. */
  readonly #base = new Float64Array(2 * SYSCALL_KINDS.length);

  /** Takes the counter as it is now as the base (recording starts). */
  baseline(): void {
    this.#base.set(syscallCounter.calls, 0);
    this.#base.set(syscallCounter.bytes, SYSCALL_KINDS.length);
  }

  /**
   * Appends (kind, calls, bytes) for each kind called since the last look to `log` (floats),
   * calling `makeRoom(log)` when it is full, and takes the counter as the new base.
   */
  appendSince(log: Log, makeRoom: (log: Log) => void): void {
    const calls = syscallCounter.calls;
    const bytes = syscallCounter.bytes;
    const base = this.#base;
    const n = calls.length;
    // Only the kinds ever counted, lowest index first (the order of a scan of all 17).
    for (let used = syscallCounter.used; used !== 0; used &= used - 1) {
      const k = 31 - Math.clz32(used & -used);
      const c = calls[k]!; // k < n: a bit of a counted kind
      const dc = c - base[k]!;
      if (dc === 0) continue;
      const by = bytes[k]!;
      if (log.n - log.floor > log.mask) makeRoom(log);
      const j = log.n++ & log.mask;
      log.f64[3 * j] = k;
      log.f64[3 * j + 1] = dc;
      log.f64[3 * j + 2] = by - base[n + k]!;
      base[k] = c;
      base[n + k] = by;
    }
  }
}
