// The lab's engine without a browser, on every backend here: the state it streams matches the
// workload loop's stats(), step runs exactly one iteration, the controls do what they say, and
// every descriptor opened is closed. (test/integration/lab-page.test.ts drives the page itself.)
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { EventLoopStats } from '../../loop/event-loop.ts';
import { fdSnapshot, fdsOpenedSince } from '../../testing/fd-count.ts';
import { Lab, labBackends } from './lab-session.ts';
import { LAB_TALKERS, type LabBuffer, type LabDescriptor } from './lab-workload.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits (bounded) until `ok()` holds. */
async function until(ok: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = performance.now() + ms;
  while (!ok()) {
    if (performance.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

for (const backend of labBackends().filter((b) => b !== 'kqueue' || process.platform !== 'linux')) {
  describe(`nbio lab on ${backend}`, () => {
    let fds = fdSnapshot();
    let lab: Lab;
    before(async () => {
      fds = fdSnapshot();
      lab = await Lab.start({ backend, port: 0, watchdog: false });
    });
    after(async () => {
      await lab.close();
      assert.deepEqual(fdsOpenedSince(fds), [], 'every descriptor opened was closed');
    });

    test('the state matches stats(); step runs exactly one iteration', async () => {
      const loop = lab.workload.loop;
      await until(() => loop.stats().timersFired >= 3, 'the talkers to talk');
      lab.pause();
      const state = lab.state() as { stats: EventLoopStats; paused: boolean; descriptors: LabDescriptor[] };
      const stats = loop.stats();
      assert.equal(state.paused, true);
      assert.equal(state.stats.backend, backend);
      assert.equal(state.stats.iterations, stats.iterations);
      if (backend === 'io_uring') {
        // Completions: no readiness interest; the talkers' connections (both ends) are listed.
        const ops = state.descriptors.filter((d) => d.label.endsWith('(io_uring operations)'));
        assert.ok(ops.length >= 2 * LAB_TALKERS, `${ops.length} connections listed`);
        assert.equal(stats.readers + stats.writers, 0);
      } else {
        // Every descriptor the loop watches is listed (plus its own waker, which stats() leaves out).
        assert.equal(
          state.descriptors.filter((d) => d.label !== 'waker').length,
          stats.readers + stats.writers,
        );
        assert.ok(state.descriptors.some((d) => d.label.startsWith('listener')));
      }
      await sleep(30); // paused: nothing runs
      assert.equal(loop.stats().iterations, stats.iterations);
      const rec = lab.step();
      assert.equal(loop.stats().iterations, stats.iterations + 1);
      assert.equal(rec?.iteration, stats.iterations + 1);
      lab.resume();
      await until(() => loop.stats().iterations > stats.iterations + 3, 'the driver to run again');
    });

    test('idle clients and a slow reader show up; the slow reader fills the server buffer', async () => {
      const w = lab.workload;
      const before = w.descriptors().length;
      w.addIdleClients(100);
      await until(() => w.descriptors().length >= before + 200, '200 more descriptors');
      w.addSlowReader();
      if (backend === 'io_uring') {
        // The server's sends are io_uring operations the kernel holds while the reader is slow:
        // its write buffer in JavaScript stays empty, only the slow client's own buffer shows.
        await until(
          () => w.buffers().some((b) => b.label.startsWith('client') && !b.reading),
          'the slow reader',
        );
        assert.deepEqual(w.notes, []);
        return;
      }
      const paused = (b: LabBuffer) => b.label.startsWith('server') && b.writePaused;
      await until(() => w.buffers().some(paused), 'a server buffer above its high water mark');
      const full = w.buffers().find(paused);
      assert.ok(full !== undefined && full.bufferedBytes > full.highWaterBytes);
      assert.deepEqual(w.notes, []);
    });

    test('a bad backend is refused with a typed error', async () => {
      await assert.rejects(lab.switchBackend('nope' as never), { code: 'NBIO_INVALID_ARGUMENT' });
    });
  });
}
