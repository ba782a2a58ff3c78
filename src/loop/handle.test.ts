// Timer deadlines: whole milliseconds rounded up (never early), a delay of 0 due at the loop's
// time itself, for callLater and reschedule alike; callAt keeps the deadline it is given.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FakeClock } from '../testing/fake-clock.ts';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';
import { EventLoop } from './event-loop.ts';
import { deadlineAfter } from './handle.ts';

describe('timer deadlines', () => {
  test('deadlineAfter rounds up to a whole ms, except a delay of 0', () => {
    assert.equal(deadlineAfter(10.25, 5), 16);
    assert.equal(deadlineAfter(10, 5), 15, 'already whole: not moved');
    assert.equal(deadlineAfter(10.25, 0.5), 11);
    assert.equal(deadlineAfter(10.25, 0), 10.25, 'due now, not up to 1 ms later');
  });

  test('callLater and reschedule count whole ms from the loop time; callAt is exact; none fires early', () => {
    const before = fdSnapshot();
    const clock = new FakeClock(10.25);
    const loop = new EventLoop({ clock, mode: 'owner' });
    const fired: string[] = [];
    const a = loop.callLater(5, () => fired.push('a'));
    const now = loop.callLater(0, () => fired.push('now'));
    const b = loop.callAt(12.5, () => fired.push('b'));
    assert.deepEqual([a.when, now.when, b.when], [16, 10.25, 12.5]);
    const c = loop.callLater(1, () => fired.push('c'));
    c.reschedule(2); // 12.25 rounded up
    assert.equal(c.when, 13);
    loop.runOnce(0);
    assert.deepEqual(fired, ['now']);
    clock.set(12.9);
    loop.runOnce(0);
    assert.deepEqual(fired, ['now', 'b'], 'c, set for 12.25, is not due before 13');
    clock.set(13);
    loop.runOnce(0);
    clock.set(16);
    loop.runOnce(0);
    assert.deepEqual(fired, ['now', 'b', 'c', 'a']);
    loop.close();
    assert.deepEqual(fdsOpenedSince(before), []);
  });
});
