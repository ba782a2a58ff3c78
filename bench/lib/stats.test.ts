import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fmt, median, medianRatio, percentile, summarize } from './stats.ts';

test('median: the middle value, the mean of the two middle ones for an even count', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([7]), 7);
  assert.ok(Number.isNaN(median([])));
  const xs = [5, 3, 9];
  median(xs);
  assert.deepEqual(xs, [5, 3, 9], 'the input is not sorted in place');
});

test('percentile by nearest rank: the smallest value with at least a fraction q at or below it', () => {
  assert.equal(percentile([4, 1, 3, 2], 0.25), 1);
  assert.equal(percentile([4, 1, 3, 2], 0.5), 2);
  assert.equal(percentile([4, 1, 3, 2], 0.75), 3);
  assert.equal(percentile([4, 1, 3, 2], 1), 4);
  assert.equal(percentile([4, 1, 3, 2], 0), 1);
  const ranks = Array.from({ length: 2000 }, (_, i) => 2000 - i); // 1..2000, reversed
  assert.equal(percentile(ranks, 0.025), 50);
  assert.equal(percentile(ranks, 0.975), 1950);
  assert.ok(Number.isNaN(percentile([], 0.5)));
});

test('summarize, medianRatio and fmt', () => {
  assert.deepEqual(summarize([3, 1, 2]), { median: 2, min: 1, max: 3 });
  assert.ok(Number.isNaN(summarize([]).median));
  assert.equal(medianRatio([2, 4, 9], [1, 2, 3, 5]), 2, 'rounds both have; 9/3 = 3 is the largest');
  assert.equal(medianRatio([1, 2], [0, 1]), 2, 'a zero denominator is left out');
  assert.equal(fmt(12_345), '12.3k');
  assert.equal(fmt(Number.NaN), '–');
});
