// Issue 9, defect 6: an owner-mode loop (select, poll, or any backend with mode 'owner') must not
// sit in its selector past a Node timer. Before the fix, runUntilComplete awaiting a Node
// setTimeout(100) never returned, and a Node setTimeout(50) beside a callLater(1000) fired at
// ~1,006 ms. Every config runs (guest mode passes trivially: libuv waits there).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { EventLoop } from '../../src/loop/event-loop.ts';
import { fdSnapshot, fdsOpenedSince } from '../../src/testing/fd-count.ts';
import { deadline, loopConfigs } from '../../src/testing/loop-configs.ts';

/**
 * Far from the bug (a Node timer ~950 ms late, or never) yet safe on a loaded shared machine,
 * where even guest mode saw 100 ms of lateness; the measured lateness (p50 ~2 ms) is in
 * docs/loop-iteration.md, not asserted here (speed is measured, not asserted in tests).
 */
const LATE_BOUND_MS = 250;

for (const config of loopConfigs()) {
  describe(`Node timers while nbio runs on ${config.backend} (${config.mode} mode)`, () => {
    let fds = fdSnapshot();
    before(() => {
      fds = fdSnapshot();
    });
    after(() => assert.deepEqual(fdsOpenedSince(fds), [], 'every descriptor opened was closed'));

    test('runUntilComplete of work that awaits a Node setTimeout(100) returns on time', async () => {
      const loop = new EventLoop({ selector: config.backend, mode: config.mode });
      try {
        const t0 = performance.now();
        await loop.runUntilComplete(() =>
          deadline(loop, 3000, 'the Node timer', new Promise<void>((r) => setTimeout(r, 100))),
        );
        const tookMs = performance.now() - t0;
        assert.ok(tookMs >= 99, `returned after ${tookMs.toFixed(1)} ms`);
        assert.ok(tookMs < 100 + LATE_BOUND_MS, `returned after ${tookMs.toFixed(1)} ms`);
      } finally {
        loop.close();
      }
    });

    test('a Node setTimeout(50) beside an nbio callLater(1000) fires at ~50 ms, with bounded wake-ups', async () => {
      const loop = new EventLoop({ selector: config.backend, mode: config.mode });
      try {
        const t0 = performance.now();
        let firedMs = -1;
        const far = loop.callLater(1000, () => loop.stop());
        const nodeTimer = new Promise<void>((r) =>
          setTimeout(() => {
            firedMs = performance.now() - t0;
            r();
          }, 50),
        );
        await loop.runUntilComplete(() => nodeTimer);
        far.cancel();
        assert.ok(firedMs >= 49, `fired at ${firedMs.toFixed(1)} ms`);
        assert.ok(firedMs < 50 + LATE_BOUND_MS, `fired at ${firedMs.toFixed(1)} ms (due at 50)`);
        // The price: while a Node timer is pending the owner wait is capped (4 ms), so ≤ ~13
        // iterations in 50 ms, not one per microsecond; a spinning loop would make thousands.
        if (config.mode === 'owner') {
          const n = loop.stats().iterations;
          assert.ok(n <= 40, `${n} iterations while waiting 50 ms for the Node timer`);
        }
      } finally {
        loop.close();
      }
    });

    test('an unref()ed Node timer does not cap the wait (it keeps nothing alive, as in Node)', async () => {
      const loop = new EventLoop({ selector: config.backend, mode: config.mode });
      const t = setTimeout(() => {}, 10_000);
      t.unref();
      try {
        await loop.runUntilComplete(() => new Promise<void>((r) => loop.callLater(100, r)));
        if (config.mode === 'owner') {
          const n = loop.stats().iterations;
          assert.ok(n < 10, `${n} iterations while idle for 100 ms beside an unref()ed Node timer`);
        }
      } finally {
        clearTimeout(t);
        loop.close();
      }
    });
  });
}
