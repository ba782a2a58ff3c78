// IdleTimer (a compat socket's setTimeout): it fires once after `ms` without activity, and
// turning it off and on again per request (Node's http server does, for keep-alive) keeps the
// one loop timer already armed instead of cancelling and scheduling one each time.
// On every backend, in every mode.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventLoop } from '../loop/event-loop.ts';
import { loopConfigs, runFor } from '../testing/loop-configs.ts';
import { IdleTimer } from './idle-timer.ts';

const sleep = (loop: EventLoop, ms: number) => new Promise<void>((r) => loop.callLater(ms, r));

for (const { backend, mode } of loopConfigs()) {
  test(`IdleTimer on ${backend} (${mode})`, async () => {
    const loop = new EventLoop({ selector: backend, mode });
    try {
      await runFor(loop, async () => {
        const fired: number[] = [];
        const timer = new IdleTimer(loop, () => fired.push(loop.time()));
        const start = loop.time();
        const pending0 = loop.stats().timersPending; // runFor's deadline
        for (let i = 0; i < 50; i++) {
          timer.set(40); // after a response …
          timer.set(0); // … and off at the next request
        }
        assert.equal(loop.stats().timersPending, pending0 + 1, 'one armed timer, not one per toggle');
        await sleep(loop, 80);
        assert.equal(fired.length, 0, 'off: the armed timer fires nothing');

        timer.set(30);
        timer.touch();
        await sleep(loop, 100);
        assert.equal(fired.length, 1, 'once');
        assert.ok((fired.at(0) ?? 0) - start >= 30 + 80, 'after 30 ms idle');

        timer.set(5000); // armed far off …
        timer.set(20); // … a shorter timeout is not kept waiting for it
        const shortAt = loop.time();
        await sleep(loop, 200);
        assert.equal(fired.length, 2);
        assert.ok((fired.at(1) ?? 0) - shortAt < 150, 'the shorter timeout fired on time');
        timer.stop();
        assert.equal(loop.stats().timersPending, pending0, 'stop() cancels');
      });
    } finally {
      loop.close();
    }
  });
}
