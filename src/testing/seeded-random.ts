// A seeded pseudo-random generator for tests and benchmarks, so that a failure or a resample
// reproduces from its seed. The algorithm is mulberry32 (Tommy Ettinger's 32-bit generator,
// public domain): one 32-bit state, a period of 2^32, good enough for shuffling test inputs and
// bootstrap resampling; not for anything that needs unpredictability.

/**
 * Returns a generator of numbers uniform in [0, 1), the same sequence for the same `seed`.
 *
 * @param seed - Any number; only its low 32 bits are used.
 * @example
 * ```ts
 * const rand = seededRandom(1);
 * const pick = items[Math.floor(rand() * items.length)];
 * ```
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
