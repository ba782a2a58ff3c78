// Lock on every backend and mode: mutual exclusion, FIFO hand-off (no barging), cancellation
// before and during the wait, misuse errors.
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { AbortedError, InvalidArgumentError } from '../errors.ts';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';
import { Lock } from './lock.ts';
import { sleep } from './sleep.ts';
import { loopConfigs, withLoop } from './test-support.ts';

test('Lock: tryAcquire and release misuse (no loop needed)', () => {
  const lock = new Lock();
  assert.equal(lock.tryAcquire(), true);
  assert.equal(lock.tryAcquire(), false);
  lock.release();
  assert.equal(lock.locked, false);
  assert.throws(() => lock.release(), InvalidArgumentError);
});

for (const config of loopConfigs()) {
  describe(`Lock on ${config.backend} (${config.mode} mode)`, () => {
    let fds = fdSnapshot();
    before(() => {
      fds = fdSnapshot();
    });
    after(() => assert.deepEqual(fdsOpenedSince(fds), [], 'every descriptor opened was closed'));

    test('critical sections never overlap; waiters get the lock in arrival order', async () => {
      await withLoop(config, async (loop) => {
        const lock = new Lock();
        let inside = 0;
        const order: number[] = [];
        await Promise.all(
          [0, 1, 2, 3, 4].map((i) =>
            lock.withLock(async () => {
              inside++;
              assert.equal(inside, 1, 'two tasks inside the lock');
              order.push(i);
              await sleep(loop, 1);
              inside--;
            }),
          ),
        );
        assert.deepEqual(order, [0, 1, 2, 3, 4]);
        assert.deepEqual(lock.stats(), { locked: false, waiters: 0 });
      });
    });

    test('release hands the lock to the waiter: a newcomer cannot barge in', async () => {
      await withLoop(config, async () => {
        const lock = new Lock();
        await lock.acquire();
        const waiter = lock.acquire();
        lock.release();
        assert.equal(lock.locked, true, 'still locked: owned by the waiter now');
        assert.equal(lock.tryAcquire(), false);
        await waiter;
        lock.release();
        assert.equal(lock.locked, false);
      });
    });

    test('cancelled acquire: at once when already aborted, or while waiting; never holds the lock', async () => {
      await withLoop(config, async (loop) => {
        const lock = new Lock();
        await assert.rejects(
          lock.acquire({ signal: AbortSignal.abort('r') }),
          (e: unknown) => e instanceof AbortedError && e.cause === 'r',
        );
        assert.equal(lock.locked, false);
        await lock.acquire();
        const ac = new AbortController();
        const p = lock.acquire({ signal: ac.signal });
        const next = lock.acquire();
        loop.callLater(2, () => ac.abort());
        await assert.rejects(p, AbortedError);
        assert.equal(getEventListeners(ac.signal, 'abort').length, 0);
        assert.equal(lock.stats().waiters, 1);
        lock.release(); // goes to `next`, not to the aborted waiter
        await next;
        lock.release();
        assert.equal(lock.locked, false);
        await assert.rejects(
          lock.withLock(async () => 1, { signal: AbortSignal.abort() }),
          AbortedError,
        );
        assert.equal(lock.locked, false);
      });
    });

    test('withLock releases when the function throws', async () => {
      await withLoop(config, async () => {
        const lock = new Lock();
        await assert.rejects(
          lock.withLock(() => {
            throw new Error('inside');
          }),
          /inside/,
        );
        assert.equal(lock.locked, false);
      });
    });
  });
}
