import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom } from './seeded-random.ts';

test('the same seed gives the same sequence, another seed another one', () => {
  const a = seededRandom(7);
  const b = seededRandom(7);
  const c = seededRandom(8);
  const first = Array.from({ length: 20 }, () => a());
  assert.deepEqual(
    Array.from({ length: 20 }, () => b()),
    first,
  );
  assert.notDeepEqual(
    Array.from({ length: 20 }, () => c()),
    first,
  );
});

test('numbers lie in [0, 1) and spread over it', () => {
  const rand = seededRandom(1);
  const buckets = new Array<number>(10).fill(0);
  for (let i = 0; i < 10_000; i++) {
    const x = rand();
    assert.ok(x >= 0 && x < 1, `${x} is outside [0, 1)`);
    buckets[Math.floor(x * 10)]! += 1;
  }
  for (const count of buckets) assert.ok(count > 800 && count < 1200, `bucket ${count}`);
});

test('only the low 32 bits of the seed count', () => {
  const a = seededRandom(5);
  const b = seededRandom(5 + 2 ** 32);
  assert.equal(a(), b());
});
