// withTimeout / withDeadline / moveOnAfter on every backend and mode: the inner work is
// aborted through its signal, the call waits for it, the timer never outlives the call.
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { AbortedError, InvalidArgumentError, TimeoutError } from '../errors.ts';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';
import { sleep } from './sleep.ts';
import { loopConfigs, withLoop } from './test-support.ts';
import { moveOnAfter, withDeadline, withTimeout } from './with-timeout.ts';

for (const config of loopConfigs()) {
  describe(`timeouts on ${config.backend} (${config.mode} mode)`, () => {
    let fds = fdSnapshot();
    before(() => {
      fds = fdSnapshot();
    });
    after(() => assert.deepEqual(fdsOpenedSince(fds), [], 'every descriptor opened was closed'));

    test('work that finishes in time returns its value and leaves no timer', async () => {
      await withLoop(config, async (loop) => {
        assert.equal(await withTimeout(loop, async () => 42, 1000), 42);
        assert.equal(await withTimeout(loop, Promise.resolve('p'), 1000), 'p');
        assert.equal(
          await withTimeout(loop, (signal) => sleep(loop, 2, { signal }).then(() => 'slept'), 1000),
          'slept',
        );
        assert.equal(loop.stats().timersPending, 0);
      });
    });

    test('a timed-out function is aborted through its signal, and the call waits for it', async () => {
      await withLoop(config, async (loop) => {
        let seen: AbortSignal | undefined;
        let unwound = false;
        const p = withTimeout(
          loop,
          async (signal) => {
            seen = signal;
            try {
              await sleep(loop, 60_000, { signal });
            } finally {
              await sleep(loop, 3); // cleanup that takes loop time: the call waits for it
              unwound = true;
            }
          },
          5,
        );
        const err = await p.then(
          () => assert.fail('should time out'),
          (e: unknown) => e,
        );
        assert.ok(err instanceof TimeoutError, String(err));
        assert.equal(err.code, 'NBIO_TIMEOUT');
        assert.ok(seen?.aborted);
        assert.equal(seen?.reason, err, "the signal's reason is the TimeoutError");
        assert.ok(unwound, 'the work had unwound before withTimeout rejected');
        assert.equal(loop.stats().timersPending, 0);
      });
    });

    test('a bare promise is abandoned at the deadline; its late rejection is not unhandled', async () => {
      await withLoop(config, async (loop) => {
        let rejectLate!: (e: Error) => void;
        const slow = new Promise<never>((_, reject) => (rejectLate = reject));
        await assert.rejects(withTimeout(loop, slow, 3), TimeoutError);
        rejectLate(new Error('late')); // observed by withTimeout: no unhandledRejection
        await sleep(loop, 1);
      });
    });

    test("the work's own error is rethrown, also after the deadline", async () => {
      await withLoop(config, async (loop) => {
        const boom = new Error('boom');
        await assert.rejects(
          withTimeout(
            loop,
            async () => {
              throw boom;
            },
            1000,
          ),
          (e) => e === boom,
        );
        const late = new Error('late boom');
        await assert.rejects(
          withTimeout(
            loop,
            async (signal) => {
              await sleep(loop, 60_000, { signal }).catch(() => {});
              throw late; // a real failure during the unwinding is not hidden behind TimeoutError
            },
            2,
          ),
          (e) => e === late,
        );
      });
    });

    test('work that ignores its signal and finishes returns its value (trio)', async () => {
      await withLoop(config, async (loop) => {
        const v = await withTimeout(loop, () => sleep(loop, 8).then(() => 'done anyway'), 2);
        assert.equal(v, 'done anyway');
      });
    });

    test('withDeadline uses loop time; a past deadline aborts on the next iteration', async () => {
      await withLoop(config, async (loop) => {
        const t0 = loop.time();
        await assert.rejects(
          withDeadline(loop, (signal) => sleep(loop, 60_000, { signal }), t0 + 5),
          TimeoutError,
        );
        assert.ok(loop.time() >= t0 + 5);
        await assert.rejects(
          withDeadline(loop, (signal) => sleep(loop, 60_000, { signal }), t0 - 100),
          TimeoutError,
        );
        assert.equal(await withDeadline(loop, async () => 1, loop.time() + 50), 1);
      });
    });

    test('moveOnAfter resolves { timedOut: true } instead of failing', async () => {
      await withLoop(config, async (loop) => {
        const r = await moveOnAfter(loop, 3, (signal) => sleep(loop, 60_000, { signal }));
        assert.deepEqual(r, { timedOut: true });
        const ok = await moveOnAfter(loop, 1000, async () => 'v');
        assert.deepEqual(ok, { timedOut: false, value: 'v' });
      });
    });

    test('an outer signal: already aborted rejects at once; aborting later aborts the work', async () => {
      await withLoop(config, async (loop) => {
        const reason = new Error('user quit');
        let called = false;
        await assert.rejects(
          withTimeout(
            loop,
            async () => {
              called = true;
            },
            100,
            { signal: AbortSignal.abort(reason) },
          ),
          (e: unknown) => e instanceof AbortedError && e.cause === reason,
        );
        assert.equal(called, false, 'the work never started');
        assert.equal(loop.stats().timersPending, 0);
        const ac = new AbortController();
        loop.callLater(3, () => ac.abort(reason));
        await assert.rejects(
          withTimeout(loop, (signal) => sleep(loop, 60_000, { signal }), 60_000, { signal: ac.signal }),
          (e: unknown) => e instanceof AbortedError && e.cause === reason,
        );
        assert.equal(getEventListeners(ac.signal, 'abort').length, 0);
        const ac2 = new AbortController();
        loop.callLater(3, () => ac2.abort(reason));
        await assert.rejects(
          withTimeout(loop, new Promise(() => {}), 60_000, { signal: ac2.signal }),
          AbortedError,
        );
      });
    });

    test('bad timeouts reject with InvalidArgumentError', async () => {
      await withLoop(config, async (loop) => {
        await assert.rejects(
          withTimeout(loop, async () => 1, -5),
          InvalidArgumentError,
        );
        await assert.rejects(
          moveOnAfter(loop, Number.NaN, async () => 1),
          InvalidArgumentError,
        );
        await assert.rejects(
          withDeadline(loop, async () => 1, Number.NaN),
          InvalidArgumentError,
        );
      });
    });
  });
}
