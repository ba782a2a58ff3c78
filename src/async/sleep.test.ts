// sleep / sleepUntil on every backend and mode: they wait on the loop's clock, reject at once
// for an already-aborted signal, and an abort during the wait removes the timer and listener.
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { AbortedError, InvalidArgumentError } from '../errors.ts';
import { EventLoop } from '../loop/event-loop.ts';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';
import { sleep, sleepUntil } from './sleep.ts';
import { loopConfigs, withLoop } from './test-support.ts';

for (const config of loopConfigs()) {
  describe(`sleep on ${config.backend} (${config.mode} mode)`, () => {
    let fds = fdSnapshot();
    before(() => {
      fds = fdSnapshot();
    });
    after(() => assert.deepEqual(fdsOpenedSince(fds), [], 'every descriptor opened was closed'));
    test('sleep waits at least its delay of loop time, then leaves no timer', async () => {
      await withLoop(config, async (loop) => {
        const t0 = loop.time();
        await sleep(loop, 15);
        assert.ok(loop.time() - t0 >= 15, `slept ${loop.time() - t0} ms`);
        const t1 = loop.time();
        await sleepUntil(loop, t1 + 10);
        assert.ok(loop.time() >= t1 + 10);
        await sleepUntil(loop, loop.time() - 1000); // in the past: next iteration
        await sleep(loop, 0);
        assert.equal(loop.stats().timersPending, 0);
      });
    });

    test('sleeps wake in deadline order', async () => {
      await withLoop(config, async (loop) => {
        const order: number[] = [];
        await Promise.all([
          sleep(loop, 12).then(() => order.push(12)),
          sleep(loop, 2).then(() => order.push(2)),
          sleep(loop, 6).then(() => order.push(6)),
        ]);
        assert.deepEqual(order, [2, 6, 12]);
      });
    });

    test('an already-aborted signal rejects at once, creating no timer', async () => {
      await withLoop(config, async (loop) => {
        const reason = new Error('stop');
        const signal = AbortSignal.abort(reason);
        const p = sleep(loop, 1000, { signal });
        assert.equal(loop.stats().timersPending, 0);
        await assert.rejects(p, (e: unknown) => e instanceof AbortedError && e.cause === reason);
        await assert.rejects(sleepUntil(loop, loop.time() + 1000, { signal }), AbortedError);
      });
    });

    test('aborting during the wait cancels the timer and removes the listener', async () => {
      await withLoop(config, async (loop) => {
        const ac = new AbortController();
        const t0 = loop.time();
        const p = sleep(loop, 60_000, { signal: ac.signal });
        assert.equal(loop.stats().timersPending, 1);
        assert.equal(getEventListeners(ac.signal, 'abort').length, 1);
        loop.callLater(5, () => ac.abort('enough'));
        await assert.rejects(p, (e: unknown) => e instanceof AbortedError && e.cause === 'enough');
        assert.equal(loop.stats().timersPending, 0);
        assert.equal(getEventListeners(ac.signal, 'abort').length, 0);
        assert.ok(loop.time() - t0 < 60_000);
      });
    });

    test('a completed sleep removes its abort listener; a later abort changes nothing', async () => {
      await withLoop(config, async (loop) => {
        const ac = new AbortController();
        await sleep(loop, 1, { signal: ac.signal });
        assert.equal(getEventListeners(ac.signal, 'abort').length, 0);
        ac.abort();
      });
    });

    test('bad delays reject with InvalidArgumentError', async () => {
      await withLoop(config, async (loop) => {
        await assert.rejects(sleep(loop, -1), InvalidArgumentError);
        await assert.rejects(sleep(loop, Number.NaN), InvalidArgumentError);
        await assert.rejects(sleepUntil(loop, Number.NaN), InvalidArgumentError);
      });
    });
  });
}

test('sleep on a closed loop rejects with ClosedResourceError', async () => {
  const loop = new EventLoop({ selector: 'poll' });
  loop.close();
  await assert.rejects(sleep(loop, 1), (e: unknown) => (e as { code?: string }).code === 'NBIO_CLOSED');
});
