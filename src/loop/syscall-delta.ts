/**
 * The system calls nbio made since the previous iteration ended, as differences of the
 * process-wide counter (src/sys/syscall-counter.ts), appended to the flight recorder's syscall
 * log: kinds with calls only, so calls made from microtasks between two iterations count in the
 * next one.
 *
 * @module
 */
import { SYSCALL_KINDS, syscallCounter } from '../sys/syscall-counter.ts';
import type { Log } from './recorder-log.ts';
import { packCallsKind } from './recorder-ring.ts';

/** See the module comment. */
export class SyscallDelta {
  /** The counter at the last look, laid out as the counter's `counts` (calls, bytes per kind). */
  readonly #base = new Float64Array(2 * SYSCALL_KINDS.length);

  /** Takes the counter as it is now as the base (recording starts). */
  baseline(): void {
    this.#base.set(syscallCounter.counts);
  }

  /**
   * Appends (calls and kind packed, bytes) for each kind called since the last look to `log`,
   * calling `makeRoom(log)` when it is full, and takes the counter as the new base.
   */
  appendSince(log: Log, makeRoom: (log: Log) => void): void {
    const counts = syscallCounter.counts;
    const base = this.#base;
    // Only the kinds ever counted, lowest index first (the order of a scan of all 17).
    for (let used = syscallCounter.used; used !== 0; used &= used - 1) {
      const k = 31 - Math.clz32(used & -used);
      const c = counts[2 * k]!; // 2k < length: a bit of a counted kind
      const dc = c - base[2 * k]!;
      if (dc === 0) continue;
      const by = counts[2 * k + 1]!;
      if (log.n - log.floor > log.mask) makeRoom(log);
      const j = log.n++ & log.mask;
      log.f64[2 * j] = packCallsKind(dc, k);
      log.f64[2 * j + 1] = by - base[2 * k + 1]!;
      base[2 * k] = c;
      base[2 * k + 1] = by;
    }
  }
}
