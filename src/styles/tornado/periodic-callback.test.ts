// PeriodicCallback on every backend and mode, on a fake clock driven by runOnce(0).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidArgumentError } from '../../errors.ts';
import { EventLoop } from '../../loop/event-loop.ts';
import type { ExceptionContext } from '../../loop/exceptions.ts';
import { loopConfigs } from '../../testing/loop-configs.ts';
import { IOLoop } from './io-loop.ts';
import { PeriodicCallback } from './periodic-callback.ts';

const configs = loopConfigs();

for (const { backend, mode } of configs) {
  describe(`PeriodicCallback on ${backend} (${mode} mode)`, () => {
    const make = (errors?: ExceptionContext[]) => {
      const clock = { ms: 0, now: () => clock.ms };
      const loop = new EventLoop({
        selector: backend,
        mode,
        clock,
        exceptionHandler: errors ? (ctx) => errors.push(ctx) : undefined,
      });
      const at = (ms: number) => {
        clock.ms = ms;
        loop.runOnce(0);
      };
      return { loop, at };
    };

    test('first call one period after start; missed periods are skipped on the original grid', () => {
      const { loop, at } = make();
      const calls: number[] = [];
      const pc = new PeriodicCallback(loop, () => calls.push(loop.time()), 100);
      pc.start();
      assert.ok(pc.isRunning());
      at(99);
      assert.deepEqual(calls, []);
      at(100);
      at(200);
      assert.deepEqual(calls, [100, 200]);
      at(550); // 300, 400 and 500 were missed: one call now, the next at 600
      assert.deepEqual(calls, [100, 200, 550]);
      at(599);
      assert.equal(calls.length, 3);
      at(600);
      assert.deepEqual(calls, [100, 200, 550, 600]);
      pc.stop();
      assert.equal(pc.isRunning(), false);
      assert.equal(loop.stats().timersPending, 0);
      at(1000);
      assert.equal(calls.length, 4);
      loop.close();
    });

    test('a throwing callback is reported and the calls go on', () => {
      const errors: ExceptionContext[] = [];
      const { loop, at } = make(errors);
      let n = 0;
      const pc = new PeriodicCallback(
        new IOLoop(loop),
        () => {
          n++;
          throw new Error('tick failed');
        },
        50,
      );
      pc.start();
      at(50);
      at(100);
      assert.equal(n, 2);
      assert.equal(errors.length, 2);
      assert.match(errors[0]?.message ?? '', /PeriodicCallback callback/);
      pc.stop();
      loop.close();
    });

    test('a callback returning a Promise is awaited before the next call is scheduled', async () => {
      const { loop, at } = make();
      let finish!: () => void;
      let n = 0;
      const pc = new PeriodicCallback(
        loop,
        () => {
          n++;
          return new Promise<void>((r) => (finish = r));
        },
        100,
      );
      pc.start();
      at(100);
      assert.equal(n, 1);
      assert.equal(loop.stats().timersPending, 0, 'nothing scheduled while the call is pending');
      at(250);
      finish();
      await Promise.resolve();
      assert.equal(loop.stats().timersPending, 1);
      at(300); // the grid: 100, (200 missed), 300
      assert.equal(n, 2);
      pc.stop();
      loop.close();
    });

    test('bad periods and jitter are refused', () => {
      const { loop } = make();
      assert.throws(() => new PeriodicCallback(loop, () => {}, 0), InvalidArgumentError);
      assert.throws(() => new PeriodicCallback(loop, () => {}, Number.NaN), /milliseconds > 0/);
      assert.throws(() => new PeriodicCallback(loop, () => {}, 10, 2), /jitter/);
      loop.close();
    });
  });
}
