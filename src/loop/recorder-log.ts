/**
 * The flight recorder's logs: append-only runs of fixed-width entries (numbers in typed arrays,
 * object references in a plain array beside them) shared by all the iterations of its ring
 * (src/loop/recorder-ring.ts).
 *
 * @module
 */

/**
 * An append-only log of fixed-width entries: `ints` 32-bit and `floats` 64-bit numbers and
 * `refs` object references per entry, addressed by an absolute index (masked into the arrays).
 * Fields are public: the recorder writes them on its hot path.
 */
export class Log {
  /** Entries appended since the last `clear()`. */
  n = 0;
  /** No entry below this index is still needed (a lower bound; see RecorderRing, recorder-ring.ts). */
  floor = 0;
  /** Entries the arrays hold, minus one (a power of two minus one): index `k & mask`. */
  mask: number;
  /** The 32-bit numbers, `ints` per entry. */
  i32: Int32Array;
  /** The 64-bit numbers, `floats` per entry. */
  f64: Float64Array;
  /** `refCount` references per entry, side by side (entry j's first at `refCount × j`). */
  refs: unknown[];
  readonly #ints: number;
  readonly #floats: number;
  readonly #refCount: number;

  /** @param size entries (a power of two); ints, floats, refCount: widths of one entry */
  constructor(size: number, ints: number, floats: number, refCount: number) {
    this.#ints = ints;
    this.#floats = floats;
    this.#refCount = refCount;
    this.mask = size - 1;
    this.i32 = new Int32Array(size * ints);
    this.f64 = new Float64Array(size * floats);
    this.refs = new Array<unknown>(size * refCount).fill(null);
  }

  /** Doubles the arrays, keeping entries `floor` to `n − 1` at their absolute indexes. */
  grow(): void {
    const size = (this.mask + 1) * 2;
    const mask = size - 1;
    const i32 = new Int32Array(size * this.#ints);
    const f64 = new Float64Array(size * this.#floats);
    const nRefs = this.#refCount;
    const refs = new Array<unknown>(size * nRefs).fill(null);
    for (let k = this.floor; k < this.n; k++) {
      const from = k & this.mask;
      const to = k & mask;
      for (let w = 0; w < this.#ints; w++) i32[to * this.#ints + w] = this.i32[from * this.#ints + w] ?? 0;
      for (let w = 0; w < this.#floats; w++)
        f64[to * this.#floats + w] = this.f64[from * this.#floats + w] ?? 0;
      for (let w = 0; w < nRefs; w++) refs[to * nRefs + w] = this.refs[from * nRefs + w];
    }
    this.mask = mask;
    this.i32 = i32;
    this.f64 = f64;
    this.refs = refs;
  }
}
