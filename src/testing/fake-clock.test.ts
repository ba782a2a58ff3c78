// FakeClock on its own, and driving an owner-mode EventLoop on every backend: timers fire in
// (deadline, insertion) order exactly as the fake time passes them, never because real time did.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { EventLoop } from '../loop/event-loop.ts';
import { availableBackends } from '../selector/default-selector.ts';
import { FakeClock } from './fake-clock.ts';
import { fdSnapshot, fdsOpenedSince } from './fd-count.ts';

const invalid = (e: unknown) => (e as { code?: string }).code === 'NBIO_INVALID_ARGUMENT';

/**
 * Waits, bounded, until Node has no Immediate and no ref'd timer of its own pending. An owner
 * loop never blocks while it has (it polls with timeout 0, or at most 4 ms: owner-wait-cap.ts,
 * `ownerWaitCap`), so a test that reads the wait the loop chose needs Node idle. On Node 24,
 * tsx's start-up work (connects and immediates) is still pending during the first tests.
 */
async function nodeSettled(): Promise<void> {
  for (let turn = 0; turn < 400; turn++) {
    const pending = process.getActiveResourcesInfo();
    if (!pending.includes('Immediate') && !pending.includes('Timeout')) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.fail(`Node still has work pending after 2 s: ${process.getActiveResourcesInfo().join(', ')}`);
}

describe('FakeClock', () => {
  test('starts where told, moves only on advance() and set()', () => {
    const c = new FakeClock(100);
    assert.equal(c.now(), 100);
    assert.equal(c.now(), 100, 'reading does not move it');
    c.advance(5);
    assert.equal(c.now(), 105);
    c.advance(0);
    assert.equal(c.now(), 105);
    c.set(200);
    assert.equal(c.now(), 200);
    c.set(200);
    assert.equal(new FakeClock().now(), 0);
  });

  test('never goes back, and refuses non-finite times with a typed error', () => {
    const c = new FakeClock(10);
    assert.throws(() => c.advance(-1), invalid);
    assert.throws(() => c.advance(Number.NaN), invalid);
    assert.throws(() => c.advance(Number.POSITIVE_INFINITY), invalid);
    assert.throws(
      () => c.set(9),
      (e: unknown) => invalid(e) && /never goes back/.test((e as Error).message),
    );
    assert.throws(() => c.set(Number.NaN), invalid);
    assert.throws(() => new FakeClock(Number.NaN), invalid);
    assert.equal(c.now(), 10, 'a refused change leaves the time as it was');
  });
});

for (const backend of availableBackends()) {
  describe(`an owner-mode ${backend} loop on a FakeClock`, () => {
    let fdsBefore = fdSnapshot();
    before(() => {
      fdsBefore = fdSnapshot();
    });
    after(() => {
      assert.deepEqual(fdsOpenedSince(fdsBefore), [], 'every descriptor opened was closed');
    });

    test('timers fire in order as the fake time passes their deadlines', () => {
      const clock = new FakeClock(1000);
      const loop = new EventLoop({ selector: backend, mode: 'owner', clock });
      const fired: string[] = [];
      assert.equal(loop.time(), 1000, 'the loop tells time by the fake clock');
      loop.callLater(30, () => fired.push('c'));
      loop.callLater(10, () => fired.push('a'));
      loop.callLater(20, () => fired.push('b1'));
      loop.callLater(20, () => fired.push('b2'));
      loop.callAt(1005, () => fired.push('x'));

      const step = (ms: number): string[] => {
        clock.advance(ms);
        loop.runOnce(0);
        return fired.splice(0);
      };
      assert.deepEqual(step(0), []);
      assert.deepEqual(step(4.5), [], 'x is due at 1005, not 1004.5');
      assert.deepEqual(step(0.5), ['x'], 'due exactly at its deadline');
      assert.deepEqual(step(5), ['a']);
      assert.deepEqual(step(9), []);
      assert.deepEqual(step(1), ['b1', 'b2'], 'equal deadlines in insertion order');
      assert.deepEqual(step(1000), ['c'], 'a late wake fires what is due, once');
      assert.deepEqual(step(1000), []);
      assert.equal(loop.stats().timersFired, 5);
      assert.equal(loop.stats().timersPending, 0);
      loop.close();
    });

    test('one big jump fires everything due, in deadline order, in one iteration', () => {
      const clock = new FakeClock();
      const loop = new EventLoop({ selector: backend, mode: 'owner', clock });
      const fired: number[] = [];
      for (const d of [50, 10, 40, 20, 30]) loop.callLater(d, () => fired.push(d));
      clock.set(45);
      loop.runOnce(0);
      assert.deepEqual(fired, [10, 20, 30, 40]);
      assert.equal(loop.stats().iterations, 1);
      loop.close();
    });

    test('real time does not fire a timer; frozen fake time keeps it pending', async () => {
      const clock = new FakeClock();
      const loop = new EventLoop({ selector: backend, mode: 'owner', clock });
      let fired = false;
      loop.callLater(1, () => {
        fired = true;
      });
      await new Promise((r) => setTimeout(r, 10)); // 10 real ms pass
      for (let i = 0; i < 5; i++) loop.runOnce(0);
      assert.equal(fired, false);
      assert.equal(loop.stats().timersPending, 1);
      clock.advance(1);
      loop.runOnce(0);
      assert.equal(fired, true);
      loop.close();
    });

    test('a timer scheduled by a callback counts from the fake now and waits for a later iteration', () => {
      const clock = new FakeClock();
      const loop = new EventLoop({ selector: backend, mode: 'owner', clock });
      const fired: string[] = [];
      loop.callLater(10, () => {
        fired.push(`outer@${loop.time()}`);
        loop.callLater(0, () => fired.push(`inner@${loop.time()}`));
        loop.callLater(5, () => fired.push(`later@${loop.time()}`));
      });
      clock.advance(10);
      loop.runOnce(0);
      assert.deepEqual(fired.splice(0), ['outer@10']);
      loop.runOnce(0);
      assert.deepEqual(fired.splice(0), ['inner@10'], 'delay 0 is due on the next iteration');
      clock.advance(5);
      loop.runOnce(0);
      assert.deepEqual(fired.splice(0), ['later@15']);
      loop.close();
    });

    test('reschedule() slides a deadline relative to the fake now', () => {
      const clock = new FakeClock();
      const loop = new EventLoop({ selector: backend, mode: 'owner', clock });
      let fired = 0;
      const idle = loop.callLater(100, () => fired++);
      clock.advance(90);
      idle.reschedule(100); // activity: the idle timeout starts over, due at 190
      clock.advance(90);
      loop.runOnce(0);
      assert.equal(fired, 0);
      clock.advance(10);
      loop.runOnce(0);
      assert.equal(fired, 1);
      loop.close();
    });

    test('the poll timeout is computed from the fake clock', async () => {
      await nodeSettled();
      const clock = new FakeClock();
      const timeouts: (number | null)[] = [];
      const loop = new EventLoop({
        selector: backend,
        mode: 'owner',
        clock,
        observer: { beforePoll: (t) => timeouts.push(t) },
      });
      loop.callLater(10, () => {});
      loop.runOnce(5); // due in 10 fake ms: wait the caller's maximum, 5
      clock.advance(8);
      loop.runOnce(5); // due in 2 fake ms
      clock.advance(2);
      loop.runOnce(5); // due now: do not wait
      assert.deepEqual(timeouts, [5, 2, 0]);
      loop.close();
    });
  });
}
