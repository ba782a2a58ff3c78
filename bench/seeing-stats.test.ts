import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bootstrapMedian, bootstrapRatioOfMedians } from './seeing-stats.ts';

test('the bootstrap interval holds the median, narrows with more samples, and is seeded', () => {
  const noisy = (n: number, seed: number) => {
    let s = seed;
    return Array.from({ length: n }, () => {
      s = (s * 1103515245 + 12345) % 2147483648;
      return 1 + (s / 2147483648 - 0.5) * 0.2;
    });
  };
  const few = bootstrapMedian([noisy(20, 7)]);
  const many = bootstrapMedian([noisy(500, 7)]);
  for (const ci of [few, many]) assert.ok(ci.lo <= ci.median && ci.median <= ci.hi);
  assert.ok(many.hi - many.lo < few.hi - few.lo, 'more samples, a narrower interval');
  assert.ok(many.lo < 1.01 && many.hi > 0.99, 'around the true median 1');
  assert.deepEqual(bootstrapMedian([noisy(20, 7)]), few, 'the same samples, the same interval');
  assert.equal(bootstrapMedian([[], []]).n, 0);
});

test('groups that differ widen the interval: a difference between processes is not hidden', () => {
  const a = Array.from({ length: 40 }, (_, i) => 1.0 + (i % 5) * 0.001);
  const b = a.map((x) => x + 0.05);
  const pooled = bootstrapMedian([[...a, ...b]]);
  const grouped = bootstrapMedian([a, b]);
  assert.ok(grouped.hi - grouped.lo > pooled.hi - pooled.lo);
  assert.ok(grouped.hi >= 1.05 && grouped.lo <= 1.004);
});

test('the ratio of medians of side-by-side samples, with an interval around it', () => {
  const off = [Array.from({ length: 30 }, (_, i) => 8 + (i % 7) * 0.1)];
  const on = [off[0]!.map((x) => x * 1.02)];
  const ci = bootstrapRatioOfMedians(on, off);
  assert.ok(Math.abs(ci.median - 1.02) < 1e-9);
  assert.ok(ci.lo <= ci.median && ci.median <= ci.hi);
  assert.equal(ci.n, 30);
});
