// Semaphore on every backend and mode: at most maxValue holders, FIFO hand-off, bounded
// (over-release throws), cancellation before and during the wait.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AbortedError, InvalidArgumentError } from '../errors.ts';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';
import { Semaphore } from './semaphore.ts';
import { sleep } from './sleep.ts';
import { loopConfigs, withLoop } from './test-support.ts';

test('Semaphore: validation, tryAcquire, over-release (no loop needed)', () => {
  for (const [v, m] of [
    [-1, 1],
    [1, 0],
    [2, 1],
    [1.5, 2],
  ] as const) {
    assert.throws(() => new Semaphore(v, m), InvalidArgumentError);
  }
  const s = new Semaphore(2);
  assert.equal(s.tryAcquire(), true);
  assert.equal(s.tryAcquire(), true);
  assert.equal(s.tryAcquire(), false);
  s.release();
  s.release();
  assert.throws(() => s.release(), InvalidArgumentError);
  const zero = new Semaphore(0, 1);
  assert.equal(zero.tryAcquire(), false);
  zero.release();
  assert.equal(zero.value, 1);
});

for (const config of loopConfigs()) {
  describe(`Semaphore on ${config.backend} (${config.mode} mode)`, () => {
    let fds = fdSnapshot();
    before(() => {
      fds = fdSnapshot();
    });
    after(() => assert.deepEqual(fdsOpenedSince(fds), [], 'every descriptor opened was closed'));

    test('never more than maxValue holders; permits go to waiters in order', async () => {
      await withLoop(config, async (loop) => {
        const sem = new Semaphore(2);
        let holders = 0;
        let peak = 0;
        const order: number[] = [];
        await Promise.all(
          [0, 1, 2, 3, 4, 5].map((i) =>
            sem.withPermit(async () => {
              holders++;
              peak = Math.max(peak, holders);
              order.push(i);
              await sleep(loop, 1 + (i % 2));
              holders--;
            }),
          ),
        );
        assert.equal(peak, 2);
        assert.deepEqual(order, [0, 1, 2, 3, 4, 5]);
        assert.deepEqual(sem.stats(), { value: 2, maxValue: 2, waiters: 0 });
      });
    });

    test('cancelled acquire: before and during the wait; no permit is consumed', async () => {
      await withLoop(config, async (loop) => {
        const sem = new Semaphore(1);
        await assert.rejects(sem.acquire({ signal: AbortSignal.abort() }), AbortedError);
        assert.equal(sem.value, 1);
        await sem.acquire();
        const ac = new AbortController();
        const p = sem.acquire({ signal: ac.signal });
        loop.callLater(2, () => ac.abort());
        await assert.rejects(p, AbortedError);
        assert.equal(sem.stats().waiters, 0);
        sem.release();
        assert.equal(sem.value, 1, 'the aborted waiter did not take the permit');
      });
    });
  });
}
