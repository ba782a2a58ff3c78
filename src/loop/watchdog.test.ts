// The blocked-loop watchdog on every backend and mode: a spinning callback is reported once with
// the spinning function's name, file and line, taken while it still ran; a blocking system call
// is reported after it returns, by duration and trigger, without a stack; a loop that never
// blocks produces no report; reports land in the flight recorder.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { close, write } from '../sys/fd.ts';
import { socketpair } from '../sys/socket.ts';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';
import { loopConfigs, runFor } from '../testing/loop-configs.ts';
import { EventLoop } from './event-loop.ts';
import { Watchdog } from './watchdog.ts';

/**
 * Busy-waits `ms` milliseconds of JavaScript, and on past them (up to 5 s) until `done()` says
 * so: on a loaded machine the watchdog's pause may land later than 300 ms.
 */
function spinFor(ms: number, done: () => boolean = () => true): number {
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < ms || (!done() && performance.now() - start < 5000)) n++;
  return n;
}

const here = fileURLToPath(import.meta.url);
/** Lines (1-based) of spinFor's body in this file, where the pause must land. */
const spinLines = (() => {
  const lines = readFileSync(here, 'utf8').split('\n');
  const first = lines.findIndex((l) => l.startsWith('function spinFor('));
  return [first + 1, first + 5];
})();

for (const { backend, mode } of loopConfigs()) {
  describe(`watchdog on ${backend} (${mode} mode)`, () => {
    let fdsBefore = fdSnapshot();
    before(() => {
      fdsBefore = fdSnapshot();
    });
    after(() => {
      assert.deepEqual(fdsOpenedSince(fdsBefore), [], 'every descriptor opened was closed');
    });

    test('a reader spinning 300 ms is reported once, with the spinning function, file and line', async () => {
      const loop = new EventLoop({ selector: backend, mode, recorder: 32 });
      const dog = await Watchdog.start(loop, { thresholdMs: 100, print: false });
      const [a, b] = socketpair();
      await runFor(
        loop,
        () =>
          new Promise<void>((resolve) => {
            loop.addReader(
              a,
              function onSlowRequest() {
                loop.removeReader(a);
                spinFor(300, () => dog.stacksTaken > 0);
                resolve();
              },
              { label: 'slow peer' },
            );
            write(b, new Uint8Array([1]));
          }),
      );
      await dog.stop();
      assert.equal(dog.reports.length, 1, 'reported once');
      const r = dog.reports[0]!;
      assert.equal(r.type, 'js');
      assert.equal(r.kind, 'reader');
      assert.equal(r.name, 'onSlowRequest');
      assert.equal(r.label, 'slow peer');
      assert.equal(r.fd, a);
      assert.ok(
        r.blockedMs >= 100 && r.blockedMs <= r.durationMs,
        `stack taken while it ran (at ${r.blockedMs} of ${r.durationMs} ms)`,
      );
      assert.ok(r.durationMs >= 295, `ran ${r.durationMs} ms`);
      // the innermost frame of this file (above it may be Node's own frames: performance.now …)
      const top = r.stack.find((f) => f.url.endsWith('watchdog.test.ts'));
      assert.equal(top?.functionName, 'spinFor');
      assert.ok(top?.url.endsWith('watchdog.test.ts'), top?.url);
      assert.ok(
        (top?.line ?? 0) >= (spinLines[0] ?? 0) && (top?.line ?? 0) <= (spinLines[1] ?? 0),
        `line ${top?.line} within spinFor (${spinLines.join('–')})`,
      );
      assert.ok(r.stack.some((f) => f.functionName === 'onSlowRequest'));
      const recorded = loop.recorder.snapshot().flatMap((rec) => rec.stalls);
      assert.equal(recorded.length, 1, 'the report is in the flight recorder');
      assert.match(loop.recorder.format(), /STALL reader onSlowRequest \(slow peer, fd \d+\)/);
      close(a);
      close(b);
      loop.close();
    });

    test('a callback blocked in Atomics.wait is reported after it returns, by duration, without a stack', async () => {
      const loop = new EventLoop({ selector: backend, mode });
      const reports: unknown[] = [];
      const dog = await Watchdog.start(loop, {
        thresholdMs: 60,
        print: false,
        onReport: (r) => reports.push(r),
      });
      await runFor(
        loop,
        () =>
          new Promise<void>((resolve) => {
            loop.callLater(1, function waitsOnAtomics() {
              Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
              resolve();
            });
          }),
      );
      await dog.stop();
      assert.equal(dog.reports.length, 1);
      assert.equal(reports.length, 1, 'onReport was called');
      const r = dog.reports[0]!;
      assert.equal(r.type, 'blocked');
      assert.equal(r.kind, 'timer');
      assert.equal(r.name, 'waitsOnAtomics');
      assert.deepEqual(r.stack, []);
      assert.ok(r.durationMs >= 245, `blocked ${r.durationMs} ms`);
      loop.close();
    });

    test('a loop that never blocks produces no report', async () => {
      const loop = new EventLoop({ selector: backend, mode });
      // 150 × 1 ms callbacks; the threshold leaves room for a thread descheduled on a busy machine
      // (the watchdog measures wall time: a preempted loop is a blocked loop).
      const dog = await Watchdog.start(loop, { thresholdMs: 1000, print: false });
      let n = 0;
      await runFor(
        loop,
        () =>
          new Promise<void>((resolve) => {
            const tick = () => {
              spinFor(1);
              if (++n === 150) resolve();
              else loop.callSoon(tick);
            };
            loop.callSoon(tick);
          }),
      );
      await dog.stop();
      assert.equal(n, 150);
      assert.deepEqual(dog.reports, []);
      loop.close();
    });
  });
}

test('Watchdog.start rejects a bad threshold and a second watchdog on one loop', async () => {
  const loop = new EventLoop({ selector: 'poll' });
  const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;
  await assert.rejects(Watchdog.start(loop, { thresholdMs: 0 }), code('NBIO_INVALID_ARGUMENT'));
  const dog = await Watchdog.start(loop, { print: false });
  await assert.rejects(Watchdog.start(loop), code('NBIO_BUSY'));
  loop.close(); // stops the watchdog through its close hook
  await dog.stop();
});
