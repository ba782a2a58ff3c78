// Event on every backend and mode: set wakes every waiter, waits after set return at once,
// clear re-arms, cancellation before and during the wait.
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { AbortedError } from '../errors.ts';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';
import { Event } from './event.ts';
import { sleep } from './sleep.ts';
import { loopConfigs, withLoop } from './test-support.ts';

for (const config of loopConfigs()) {
  describe(`Event on ${config.backend} (${config.mode} mode)`, () => {
    let fds = fdSnapshot();
    before(() => {
      fds = fdSnapshot();
    });
    after(() => assert.deepEqual(fdsOpenedSince(fds), [], 'every descriptor opened was closed'));

    test('set() wakes every waiter in order; later waits return at once; clear() re-arms', async () => {
      await withLoop(config, async (loop) => {
        const ev = new Event();
        const woke: number[] = [];
        const waits = [1, 2, 3].map((i) => ev.wait().then(() => woke.push(i)));
        await sleep(loop, 2);
        assert.deepEqual(woke, []);
        assert.equal(ev.stats().waiters, 3);
        loop.callSoon(() => ev.set());
        await Promise.all(waits);
        assert.deepEqual(woke, [1, 2, 3]);
        assert.equal(ev.isSet, true);
        await ev.wait();
        ev.clear();
        let late = false;
        const again = ev.wait().then(() => {
          late = true;
        });
        await sleep(loop, 1);
        assert.equal(late, false);
        ev.set();
        await again;
        assert.deepEqual(ev.stats(), { isSet: true, waiters: 0 });
      });
    });

    test('cancelled wait: at once when already aborted (even if set), or while waiting', async () => {
      await withLoop(config, async (loop) => {
        const ev = new Event();
        await assert.rejects(
          ev.wait({ signal: AbortSignal.abort('no') }),
          (e: unknown) => e instanceof AbortedError && e.cause === 'no',
        );
        const ac = new AbortController();
        const p = ev.wait({ signal: ac.signal });
        loop.callLater(2, () => ac.abort());
        await assert.rejects(p, AbortedError);
        assert.equal(ev.stats().waiters, 0);
        assert.equal(getEventListeners(ac.signal, 'abort').length, 0);
        ev.set();
        await assert.rejects(ev.wait({ signal: AbortSignal.abort() }), AbortedError);
      });
    });
  });
}
