/**
 * The bootstrap for bench/seeing.ts: a 95% interval of a median, so that the results say whether
 * a target (recorder ≤ 1.03 × off) lies inside the interval of a measure rather than only where
 * its median fell. Medians and percentiles are the suite's (bench/lib/stats.ts: the mean of the
 * two middle values for an even count, nearest-rank percentiles).
 *
 * The bootstrap is two-level when the samples come in groups (the rounds of one set of server
 * processes, the phases of one toggled server): groups are drawn with replacement, then samples
 * within each drawn group, so that a difference between processes (memory layout, JIT) widens
 * the interval instead of hiding in it as a constant. Within a group, samples can be drawn in
 * runs of `block` neighbours (a moving-block bootstrap) when neighbours share data. The random
 * numbers are seeded: the same samples give the same interval.
 *
 * @module
 */

import { seededRandom } from '../src/testing/seeded-random.ts';
import { median, percentile } from './lib/stats.ts';

/** A median with its bootstrap 95% interval. */
export interface MedianCI {
  median: number;
  lo: number;
  hi: number;
  /** Samples the median is of. */
  n: number;
}

/** Options of {@link bootstrapMedian}. */
export interface BootstrapOptions {
  /** Resamples drawn (default 2000). */
  resamples?: number;
  /** Neighbouring samples drawn together within a group (default 1). */
  block?: number;
  /** Seed of the random numbers (default 1). */
  seed?: number;
}

/**
 * The median of all samples of `groups` and its bootstrap 95% interval (percentile method:
 * the 2.5th and 97.5th percentiles of the resampled medians). Empty groups are ignored; with
 * no sample at all every figure is NaN.
 */
export function bootstrapMedian(
  groups: readonly (readonly number[])[],
  options: BootstrapOptions = {},
): MedianCI {
  const kept = groups.filter((g) => g.length > 0);
  const all = kept.flat();
  if (all.length === 0) return { median: Number.NaN, lo: Number.NaN, hi: Number.NaN, n: 0 };
  const resamples = options.resamples ?? 2000;
  const rand = seededRandom(options.seed ?? 1);
  const medians: number[] = [];
  const sample: number[] = [];
  for (let r = 0; r < resamples; r++) {
    sample.length = 0;
    for (let g = 0; g < kept.length; g++) {
      const group = kept[Math.floor(rand() * kept.length)]!; // index < length
      const block = Math.max(1, Math.min(options.block ?? 1, group.length));
      const starts = group.length - block + 1;
      for (let taken = 0; taken < group.length; taken += block) {
        const from = Math.floor(rand() * starts);
        for (let i = 0; i < block && taken + i < group.length; i++) sample.push(group[from + i]!);
      }
    }
    medians.push(median(sample));
  }
  return {
    median: median(all),
    lo: percentile(medians, 0.025),
    hi: percentile(medians, 0.975),
    n: all.length,
  };
}

/**
 * `median(a) / median(b)` over all samples, with a bootstrap 95% interval: `a` and `b` are
 * measured side by side (sample i of group g of each in the same round), so a draw takes a
 * group, then rounds within it, the same rounds from both.
 */
export function bootstrapRatioOfMedians(
  a: readonly (readonly number[])[],
  b: readonly (readonly number[])[],
  resamples = 2000,
): MedianCI {
  const n = a.reduce((k, g) => k + g.length, 0);
  const ratio = median(a.flat()) / median(b.flat());
  if (n === 0) return { median: Number.NaN, lo: Number.NaN, hi: Number.NaN, n };
  const rand = seededRandom(1);
  const draws: number[] = [];
  const x: number[] = [];
  const y: number[] = [];
  for (let r = 0; r < resamples; r++) {
    x.length = 0;
    y.length = 0;
    for (let g = 0; g < a.length; g++) {
      const k = Math.floor(rand() * a.length);
      const ga = a[k]!; // k < length
      const gb = b[k] ?? [];
      for (let i = 0; i < ga.length; i++) {
        const j = Math.floor(rand() * ga.length);
        x.push(ga[j]!); // j < length
        y.push(gb[j] ?? Number.NaN);
      }
    }
    draws.push(median(x) / median(y));
  }
  return { median: ratio, lo: percentile(draws, 0.025), hi: percentile(draws, 0.975), n };
}

/** `1.019 (1.004–1.031)`: a ratio's median and interval, 3 decimals. */
export function formatCI(ci: MedianCI, digits = 3): string {
  return `${ci.median.toFixed(digits)} (${ci.lo.toFixed(digits)}–${ci.hi.toFixed(digits)})`;
}
