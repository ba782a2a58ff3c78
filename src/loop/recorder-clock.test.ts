// The recorder's per-callback clock reads performance.now()'s time: between two
// performance.now() reads around it (within the ~20 ns the origin is known to), never backwards.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nowMs } from './recorder-clock.ts';

test('nowMs() reads performance.now() time, monotonic, to within a microsecond', () => {
  let last = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < 10_000; i++) {
    const before = performance.now();
    const t = nowMs();
    const after = performance.now();
    assert.ok(t >= before - 0.001 && t <= after + 0.001, `${before} ≤ ${t} ≤ ${after}`);
    assert.ok(t >= last - 0.001, 'does not go back');
    last = t;
  }
});
