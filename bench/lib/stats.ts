/**
 * Small statistics for benchmark runs: median and range of a few runs, percentiles of samples,
 * and the median of same-round ratios (how docs/benchmarks.md compares two implementations measured
 * alternately on a noisy machine).
 *
 * @module
 */

/** The median, smallest and largest of some runs. */
export interface Summary {
  median: number;
  min: number;
  max: number;
}

/** The median of `values` (NaN when empty). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  // s is not empty: mid and mid - 1 (when the length is even, so ≥ 2) are in range.
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Median, min and max of `values` (NaN for each when empty). */
export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN };
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/** The `q`-quantile (0..1) of `samples` by nearest rank (NaN when empty). */
export function percentile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const s = [...samples].sort((a, b) => a - b);
  const rank = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
  return s[rank]!; // 0 ≤ rank < s.length
}

/**
 * The median of `a[i] / b[i]` over the rounds both have: the ratio of two implementations
 * measured side by side, round by round, so that drift between rounds cancels out.
 */
export function medianRatio(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  const r: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[i]!; // i < n ≤ both lengths
    const y = b[i]!;
    if (y > 0 && Number.isFinite(x)) r.push(x / y);
  }
  return median(r);
}

/** Formats a number with 3 significant digits and k/M suffixes (1234 → "1.23k"). */
export function fmt(n: number): string {
  if (!Number.isFinite(n)) return '–';
  const a = Math.abs(n);
  if (a >= 1e6) return `${(n / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${(n / 1e3).toPrecision(3)}k`;
  if (a >= 100) return n.toFixed(0);
  return n.toPrecision(3);
}

/** Formats a summary as "median (min..max)". */
export function fmtRange(s: Summary): string {
  return `${fmt(s.median)} (${fmt(s.min)}..${fmt(s.max)})`;
}
