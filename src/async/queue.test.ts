// Queue on every backend and mode: bounded, FIFO-fair, nowait variants throw WouldBlockError,
// cancelled put/get leave the queue as it was, maxsize 0 is a rendezvous.
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { AbortedError, InvalidArgumentError, WouldBlockError } from '../errors.ts';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';
import { Queue } from './queue.ts';
import { sleep } from './sleep.ts';
import { loopConfigs, withLoop } from './test-support.ts';

test('Queue: nowait variants and validation (no loop needed)', () => {
  const q = new Queue<number>(2);
  assert.ok(q.isEmpty);
  q.putNowait(1);
  q.putNowait(2);
  assert.ok(q.isFull);
  assert.throws(
    () => q.putNowait(3),
    (e: unknown) => e instanceof WouldBlockError && e.code === 'NBIO_WOULD_BLOCK',
  );
  assert.equal(q.getNowait(), 1);
  assert.equal(q.getNowait(), 2);
  assert.throws(() => q.getNowait(), WouldBlockError);
  for (const bad of [-1, 1.5, Number.NaN]) assert.throws(() => new Queue(bad), InvalidArgumentError);
  const unbounded = new Queue<number>(Number.POSITIVE_INFINITY);
  for (let i = 0; i < 1000; i++) unbounded.putNowait(i);
  for (let i = 0; i < 1000; i++) assert.equal(unbounded.getNowait(), i);
  assert.throws(() => new Queue<number>(0).putNowait(1), WouldBlockError);
});

for (const config of loopConfigs()) {
  describe(`Queue on ${config.backend} (${config.mode} mode)`, () => {
    let fds = fdSnapshot();
    before(() => {
      fds = fdSnapshot();
    });
    after(() => assert.deepEqual(fdsOpenedSince(fds), [], 'every descriptor opened was closed'));

    test('producer and consumer through a bounded queue, in order', async () => {
      await withLoop(config, async (loop) => {
        const q = new Queue<number>(3);
        let maxSize = 0;
        const producer = (async () => {
          for (let i = 0; i < 50; i++) {
            await q.put(i);
            maxSize = Math.max(maxSize, q.size);
          }
        })();
        const got: number[] = [];
        for (let i = 0; i < 50; i++) {
          if (i % 10 === 0) await sleep(loop, 1);
          got.push(await q.get());
        }
        await producer;
        assert.deepEqual(got, [...Array(50).keys()]);
        assert.ok(maxSize <= 3, `size ${maxSize} exceeded maxsize`);
      });
    });

    test('waiting getters and putters are served first come, first served', async () => {
      await withLoop(config, async (loop) => {
        const q = new Queue<string>(1);
        const got: string[] = [];
        const getters = [1, 2, 3].map((i) => q.get().then((v) => got.push(`${i}:${v}`)));
        assert.equal(q.stats().getters, 3);
        q.putNowait('a'); // handed to getter 1 directly
        await q.put('b');
        await q.put('c');
        await Promise.all(getters);
        assert.deepEqual(got, ['1:a', '2:b', '3:c']);
        q.putNowait('x');
        const order: string[] = [];
        const putters = ['p1', 'p2', 'p3'].map((v) => q.put(v).then(() => order.push(v)));
        assert.equal(q.stats().putters, 3);
        const taken = [await q.get(), await q.get(), await q.get(), await q.get()];
        await Promise.all(putters);
        assert.deepEqual(taken, ['x', 'p1', 'p2', 'p3']);
        assert.deepEqual(order, ['p1', 'p2', 'p3']);
        await sleep(loop, 0);
      });
    });

    test('cancelling get: before (at once) and during the wait; nothing is taken', async () => {
      await withLoop(config, async (loop) => {
        const q = new Queue<number>(1);
        await assert.rejects(
          q.get({ signal: AbortSignal.abort('x') }),
          (e: unknown) => e instanceof AbortedError && e.cause === 'x',
        );
        const ac = new AbortController();
        const waiting = q.get({ signal: ac.signal });
        const other = q.get();
        loop.callLater(2, () => ac.abort('bored'));
        await assert.rejects(waiting, (e: unknown) => e instanceof AbortedError && e.cause === 'bored');
        assert.equal(q.stats().getters, 1, 'the aborted getter left the line');
        assert.equal(getEventListeners(ac.signal, 'abort').length, 0);
        q.putNowait(7);
        assert.equal(await other, 7, 'the item went to the remaining getter');
        // The item was handed over before the abort: the get succeeds, nothing lost.
        const ac2 = new AbortController();
        const g = q.get({ signal: ac2.signal });
        q.putNowait(8);
        ac2.abort();
        assert.equal(await g, 8);
      });
    });

    test('cancelling put: before and during the wait; the item is not enqueued', async () => {
      await withLoop(config, async (loop) => {
        const q = new Queue<number>(1);
        q.putNowait(1);
        await assert.rejects(q.put(2, { signal: AbortSignal.abort() }), AbortedError);
        const ac = new AbortController();
        const p = q.put(3, { signal: ac.signal });
        loop.callLater(2, () => ac.abort());
        await assert.rejects(p, AbortedError);
        assert.deepEqual(q.stats(), { size: 1, maxsize: 1, getters: 0, putters: 0 });
        assert.equal(q.getNowait(), 1);
        assert.throws(() => q.getNowait(), WouldBlockError, 'the aborted item 3 never went in');
      });
    });

    test('maxsize 0 is a rendezvous: put waits for a get', async () => {
      await withLoop(config, async (loop) => {
        const q = new Queue<string>(0);
        let delivered = false;
        const p = q.put('hand-off').then(() => {
          delivered = true;
        });
        await sleep(loop, 2);
        assert.equal(delivered, false);
        assert.equal(q.getNowait(), 'hand-off');
        await p;
        assert.equal(delivered, true);
        const g = q.get();
        await q.put('second');
        assert.equal(await g, 'second');
      });
    });
  });
}
