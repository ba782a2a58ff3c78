/**
 * The references an iteration record holds that seldom change from one iteration to the next:
 * the gauge sample (read again at most once a millisecond) and the watchdog's reports (rare).
 * They are kept by iteration number (counted since `clear()`) only when they change or occur,
 * so that an iteration stores no reference at all: the recorder's hooks run between system
 * calls, which leave its cache lines cold, and every line an iteration touches costs
 * (docs/seeing.md, Costs).
 *
 * @module
 */
import type { StallReport } from './recorder-types.ts';

/** A gauge sample: gauge name → value. */
type Gauges = Readonly<Record<string, number>>;

const NO_GAUGES: Gauges = Object.freeze({});
const NO_STALLS: readonly StallReport[] = Object.freeze([]);

/** See the module comment. */
export class RecorderNotes {
  /** Iterations at which the gauge sample changed, ascending, and the samples from each on. */
  readonly #gaugeFrom: number[] = [];
  readonly #gauges: Gauges[] = [];
  readonly #stalls = new Map<number, StallReport[]>();

  /** Iteration `k` ended with the gauge sample `gauges`; iterations before `oldest` are no longer kept. */
  gaugesAt(k: number, gauges: Gauges, oldest: number): void {
    const n = this.#gauges.length;
    if (n > 0 && this.#gauges[n - 1] === gauges) return; // the same sample (the common case)
    this.#gaugeFrom.push(k);
    this.#gauges.push(gauges);
    // drop the samples no kept iteration uses any more (in bulk, so rarely)
    if (n >= 64 && (this.#gaugeFrom[n >> 1] ?? 0) <= oldest) {
      let drop = 0;
      while (drop + 1 < this.#gaugeFrom.length && (this.#gaugeFrom[drop + 1] ?? 0) <= oldest) drop++;
      this.#gaugeFrom.splice(0, drop);
      this.#gauges.splice(0, drop);
    }
  }

  /** The gauge sample iteration `k` ended with. */
  gaugesOf(k: number): Gauges {
    const from = this.#gaugeFrom;
    let lo = 0;
    let hi = from.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((from[mid] ?? 0) <= k) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? NO_GAUGES : (this.#gauges[found] ?? NO_GAUGES);
  }

  /** A watchdog report in iteration `k`. */
  addStall(k: number, report: StallReport): void {
    const list = this.#stalls.get(k);
    if (list === undefined) this.#stalls.set(k, [report]);
    else list.push(report);
  }

  /** The watchdog reports of iteration `k`. */
  stallsOf(k: number): readonly StallReport[] {
    return this.#stalls.get(k) ?? NO_STALLS;
  }

  /** Forgets the reports of iterations before `oldest` (no cost while there are none). */
  dropStallsBefore(oldest: number): void {
    if (this.#stalls.size === 0) return;
    for (const k of this.#stalls.keys()) if (k < oldest) this.#stalls.delete(k);
  }

  /** Forgets everything (`clear()`). */
  clear(): void {
    this.#gaugeFrom.length = 0;
    this.#gauges.length = 0;
    this.#stalls.clear();
  }
}
