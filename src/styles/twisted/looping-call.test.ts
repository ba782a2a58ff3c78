// LoopingCall on every backend and mode, on a fake clock driven by runOnce(0).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BusyResourceError, ClosedResourceError, InvalidArgumentError } from '../../errors.ts';
import { EventLoop } from '../../loop/event-loop.ts';
import { fdSnapshot, fdsOpenedSince } from '../../testing/fd-count.ts';
import { loopConfigs } from '../../testing/loop-configs.ts';
import { Deferred } from './deferred.ts';
import { LoopingCall } from './looping-call.ts';

const configs = loopConfigs();

for (const { backend, mode } of configs) {
  describe(`LoopingCall on ${backend} (${mode} mode)`, () => {
    let fdsBefore = fdSnapshot();
    before(() => {
      fdsBefore = fdSnapshot();
    });
    after(() => {
      assert.deepEqual(fdsOpenedSince(fdsBefore), [], 'every descriptor opened was closed');
    });
    const make = () => {
      const clock = { ms: 0, now: () => clock.ms };
      const loop = new EventLoop({ selector: backend, mode, clock });
      const at = (sec: number) => {
        clock.ms = sec * 1000;
        loop.runOnce(0);
      };
      return { loop, at };
    };

    test('calls at start and every interval; missed intervals are skipped, not made up', () => {
      const { loop, at } = make();
      const calls: number[] = [];
      const tags: string[] = [];
      const lc = new LoopingCall(
        loop,
        (tag: string) => {
          tags.push(tag);
          calls.push(loop.time() / 1000);
        },
        'tag',
      );
      lc.start(1);
      assert.deepEqual(calls, [0], 'now=true calls inside start()');
      at(1);
      assert.deepEqual(calls, [0, 1]);
      at(4.5); // 2, 3 and 4 were missed: one call now, the next at 5
      assert.deepEqual(calls, [0, 1, 4.5]);
      at(4.9);
      assert.equal(calls.length, 3);
      at(5);
      assert.deepEqual(calls, [0, 1, 4.5, 5]);
      assert.equal(lc.interval, 1);
      assert.deepEqual(tags, ['tag', 'tag', 'tag', 'tag'], 'the arguments are passed on each call');
      lc.stop();
      loop.close();
    });

    test('start(interval, false) waits one interval; stop() fires the Deferred with the LoopingCall', async () => {
      const { loop, at } = make();
      let n = 0;
      const lc = new LoopingCall(loop, () => n++);
      const d = lc.start(0.5, false);
      assert.equal(n, 0);
      at(0.5);
      assert.equal(n, 1);
      lc.stop();
      assert.equal(lc.running, false);
      assert.equal(await d.asPromise(), lc);
      assert.equal(loop.stats().timersPending, 0);
      at(5);
      assert.equal(n, 1);
      loop.close();
    });

    test('a throwing fn stops it and fails the Deferred', async () => {
      const { loop, at } = make();
      let n = 0;
      const lc = new LoopingCall(loop, () => {
        if (++n === 2) throw new Error('second call failed');
      });
      const d = lc.start(1);
      at(1);
      assert.equal(lc.running, false);
      await assert.rejects(d.asPromise(), /second call failed/);
      at(3);
      assert.equal(n, 2);
      loop.close();
    });

    test('a Deferred returned by fn delays the next call until it fires', async () => {
      const { loop, at } = make();
      const pending: Deferred<void>[] = [];
      const lc = new LoopingCall(loop, () => {
        const d = new Deferred<void>();
        pending.push(d);
        return d;
      });
      const done = lc.start(1);
      at(1);
      assert.equal(pending.length, 1, 'no second call while the first is pending');
      at(2.5);
      pending[0]?.callback();
      assert.equal(loop.stats().timersPending, 1, 'scheduled from when it fired: at 3');
      at(3);
      assert.equal(pending.length, 2);
      lc.stop(); // while the second is pending: the Deferred fires when it does
      assert.equal(done.called, false);
      pending[1]?.callback();
      assert.equal(await done.asPromise(), lc);
      loop.close();
    });

    test('reset() restarts the interval from now', () => {
      const { loop, at } = make();
      const calls: number[] = [];
      const lc = new LoopingCall(loop, () => calls.push(loop.time() / 1000));
      lc.start(1, false);
      at(0.7);
      lc.reset();
      at(1);
      assert.deepEqual(calls, []);
      at(1.7);
      assert.deepEqual(calls, [1.7]);
      lc.stop();
      loop.close();
    });

    test('interval 0 calls once per loop iteration', () => {
      const { loop } = make();
      let n = 0;
      const lc = new LoopingCall(loop, () => n++);
      lc.start(0);
      for (let i = 0; i < 3; i++) loop.runOnce(0);
      assert.equal(n, 4);
      lc.stop();
      loop.close();
    });

    test('misuse is refused with typed errors', () => {
      const { loop } = make();
      const lc = new LoopingCall(loop, () => {});
      assert.throws(() => lc.stop(), ClosedResourceError);
      assert.throws(() => lc.start(-1), InvalidArgumentError);
      assert.equal(lc.running, false);
      lc.start(1);
      assert.throws(() => lc.start(1), BusyResourceError);
      lc.stop();
      loop.close();
    });
  });
}
