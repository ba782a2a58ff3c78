// callLater/DelayedCall and deferLater on every backend and mode, on a fake clock where time
// matters (driven by runOnce(0)), so nothing depends on how fast the machine is.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidArgumentError, TimeoutError } from '../../errors.ts';
import { EventLoop } from '../../loop/event-loop.ts';
import type { ExceptionContext } from '../../loop/exceptions.ts';
import { loopConfigs } from '../../testing/loop-configs.ts';
import { Deferred } from './deferred.ts';
import { addTimeout, callLater, deferLater } from './delayed-call.ts';
import { AlreadyCalledError, AlreadyCancelledError, CancelledError } from './twisted-errors.ts';

const configs = loopConfigs();

for (const { backend, mode } of configs) {
  describe(`callLater on ${backend} (${mode} mode)`, () => {
    const make = (errors?: ExceptionContext[]) => {
      const clock = { ms: 5000, now: () => clock.ms };
      const loop = new EventLoop({
        selector: backend,
        mode,
        clock,
        exceptionHandler: errors ? (ctx) => errors.push(ctx) : undefined,
      });
      /** Moves the fake clock to `sec` seconds and runs one iteration. */
      const at = (sec: number) => {
        clock.ms = sec * 1000;
        loop.runOnce(0);
      };
      return { loop, at };
    };

    test('runs fn(...args) after the delay in seconds; active() until then', () => {
      const { loop, at } = make();
      const got: unknown[] = [];
      const call = callLater(loop, 1.5, (a: string, b: number) => got.push(a, b), 'x', 2);
      assert.equal(call.getTime(), 6.5, 'loop time in seconds');
      assert.ok(call.active());
      at(6.4);
      assert.deepEqual(got, []);
      at(6.5);
      assert.deepEqual(got, ['x', 2]);
      assert.equal(call.active(), false);
      assert.equal(call.called, true);
      assert.throws(() => call.cancel(), AlreadyCalledError);
      assert.throws(() => call.reset(1), /Cannot reset a DelayedCall that already ran/);
      loop.close();
    });

    test('cancel() stops it; using it again is AlreadyCancelledError', () => {
      const { loop, at } = make();
      let ran = false;
      const call = callLater(loop, 1, () => {
        ran = true;
      });
      call.cancel();
      assert.equal(loop.stats().timersPending, 0);
      at(10);
      assert.equal(ran, false);
      assert.ok(call.cancelled && !call.active());
      assert.throws(
        () => call.cancel(),
        (e: unknown) => e instanceof AlreadyCancelledError && e.code === 'NBIO_CLOSED',
      );
      assert.throws(() => call.delay(1), AlreadyCancelledError);
      loop.close();
    });

    test('delay() and reset() move the deadline', () => {
      const { loop, at } = make();
      let ranAt = -1;
      const call = callLater(loop, 1, () => {
        ranAt = loop.time() / 1000;
      });
      call.delay(2);
      assert.equal(call.getTime(), 8);
      at(7.5);
      call.reset(1); // from now: 8.5
      assert.equal(call.getTime(), 8.5);
      at(8);
      assert.equal(ranAt, -1);
      call.delay(-0.25); // earlier: 8.25
      at(8.25);
      assert.equal(ranAt, 8.25);
      loop.close();
    });

    test('bad delays are refused in seconds', () => {
      const { loop } = make();
      assert.throws(
        () => callLater(loop, -1, () => {}),
        /Invalid callLater delay -1: pass a finite number of seconds/,
      );
      assert.throws(() => callLater(loop, Number.NaN, () => {}), InvalidArgumentError);
      const call = callLater(loop, 1, () => {});
      assert.throws(() => call.reset(Number.POSITIVE_INFINITY), InvalidArgumentError);
      assert.throws(() => call.delay(Number.NaN), InvalidArgumentError);
      loop.close();
    });

    test('a throwing call is reported to the loop, which goes on', () => {
      const errors: ExceptionContext[] = [];
      const { loop, at } = make(errors);
      let next = false;
      callLater(loop, 0, () => {
        throw new Error('call failed');
      });
      callLater(loop, 0, () => {
        next = true;
      });
      at(5);
      assert.equal(errors.length, 1);
      assert.equal((errors[0]?.error as Error | undefined)?.message, 'call failed');
      assert.ok(next);
      loop.close();
    });

    test('deferLater fires with fn’s result; cancelling it cancels the timer', async () => {
      const { loop, at } = make();
      const d = deferLater(loop, 2, (x: number) => x * 2, 21);
      at(7);
      assert.equal(await d.asPromise(), 42);
      const failing = deferLater(loop, 1, () => {
        throw new Error('inside');
      });
      at(8);
      await assert.rejects(failing.asPromise(), /inside/);
      const cancelled = deferLater(loop, 1);
      cancelled.cancel();
      assert.equal(loop.stats().timersPending, 0);
      await assert.rejects(cancelled.asPromise(), CancelledError);
      loop.close();
    });

    test('addTimeout cancels a Deferred that is too slow, as a TimeoutError', async () => {
      const { loop, at } = make();
      let cancelled = false;
      const slow = addTimeout(
        new Deferred<number>(() => {
          cancelled = true;
        }),
        loop,
        1,
      );
      const quick = addTimeout(new Deferred<number>(), loop, 1);
      quick.callback(7);
      assert.equal(loop.stats().timersPending, 1, 'the quick one’s timer is gone');
      at(6);
      assert.ok(cancelled);
      await assert.rejects(
        slow.asPromise(),
        (e: unknown) => e instanceof TimeoutError && /within 1 s/.test(e.message),
      );
      assert.equal(await quick.asPromise(), 7);
      const failing = addTimeout(new Deferred<number>(), loop, 1);
      failing.errback(new Error('own failure'));
      await assert.rejects(failing.asPromise(), /own failure/);
      loop.close();
    });

    test('with the real clock the call runs while the loop runs', async () => {
      const loop = new EventLoop({ selector: backend, mode });
      const order: string[] = [];
      await loop.runUntilComplete(
        () =>
          new Promise<void>((resolve) => {
            callLater(loop, 0.02, () => {
              order.push('later');
              resolve();
            });
            callLater(loop, 0.001, () => order.push('sooner'));
          }),
      );
      assert.deepEqual(order, ['sooner', 'later']);
      loop.close();
    });
  });
}
