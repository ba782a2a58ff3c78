// The EventLoop, on every backend and in every mode it supports: scheduling order, I/O
// dispatch, faults, microtask draining at several await depths, idling, signals and EINTR.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { availableBackends } from '../selector/default-selector.ts';
import type { SelectorName } from '../selector/selector.ts';
import { close, isOpen, read, write } from '../sys/fd.ts';
import { socketpair } from '../sys/socket.ts';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';
import { EventLoop, type RunMode } from './event-loop.ts';
import type { ExceptionContext } from './exceptions.ts';

const configs: { backend: SelectorName; mode: RunMode }[] = [];
for (const backend of availableBackends()) {
  const guestCapable = backend === 'epoll' || (backend === 'kqueue' && process.platform !== 'linux');
  if (guestCapable) configs.push({ backend, mode: 'guest' });
  configs.push({ backend, mode: 'owner' });
}

const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;

for (const { backend, mode } of configs) {
  describe(`EventLoop on ${backend} (${mode} mode)`, () => {
    let fdsBefore = fdSnapshot();
    before(() => {
      fdsBefore = fdSnapshot();
    });
    after(() => {
      assert.deepEqual(fdsOpenedSince(fdsBefore), [], 'every descriptor opened was closed');
    });
    const make = (errors?: ExceptionContext[]) =>
      new EventLoop({
        selector: backend,
        mode,
        exceptionHandler: errors ? (ctx) => errors.push(ctx) : undefined,
      });

    test('callSoon runs in FIFO order; timers by deadline then insertion', async () => {
      const loop = make();
      const order: string[] = [];
      // Deadlines from one clock reading, taken first: a stall between two of these calls (a
      // loaded machine preempts for tens of ms) must not reorder them. t20 is >= t + 20.
      const t = loop.time();
      loop.callLater(20, () => order.push('t20'));
      loop.callAt(t + 5, () => order.push('t5-a'));
      loop.callAt(t + 5, () => order.push('t5-b'));
      loop.callAt(t - 1, () => order.push('past'));
      loop.callSoon(() => order.push('soon1'));
      loop.callSoon((x: string) => order.push(x), 'soon2');
      await loop.runUntilComplete(() => new Promise<void>((r) => loop.callLater(30, r)));
      // callSoon callbacks queued before the iteration run first; due timers join them (asyncio's order).
      assert.deepEqual(order, ['soon1', 'soon2', 'past', 't5-a', 't5-b', 't20']);
      loop.close();
    });

    test('callbacks scheduled by a callback wait for the next iteration', () => {
      const loop = make();
      const seen: number[] = [];
      loop.callSoon(() => {
        seen.push(loop.stats().iterations);
        loop.callSoon(() => seen.push(loop.stats().iterations));
      });
      loop.runOnce(0);
      loop.runOnce(0);
      assert.deepEqual(seen, [0, 1]);
      loop.close();
    });

    test('cancel and reschedule timers', async () => {
      const loop = make();
      const fired: string[] = [];
      const a = loop.callLater(5, () => fired.push('a'));
      const b = loop.callLater(10, () => fired.push('b'));
      const c = loop.callLater(1000, () => fired.push('c'));
      a.cancel();
      a.cancel();
      c.reschedule(15);
      assert.equal(loop.stats().timersPending, 2);
      await loop.runUntilComplete(() => new Promise<void>((r) => loop.callLater(40, r)));
      assert.deepEqual(fired, ['b', 'c']);
      assert.ok(!b.active && !a.active);
      loop.close();
    });

    test('timer callbacks get the arguments given after the callback (callLater, callAt, reschedule)', async () => {
      const loop = make();
      const got: unknown[][] = [];
      loop.callLater(1, (...a: unknown[]) => got.push(a), 'x', 2);
      loop.callAt(loop.time(), (...a: unknown[]) => got.push(a), 'y');
      loop.callLater(2, (...a: unknown[]) => got.push(a)).reschedule(3);
      await loop.runUntilComplete(() => new Promise<void>((r) => loop.callLater(20, r)));
      assert.deepEqual(got, [['y'], ['x', 2], []]);
      loop.close();
    });

    test("timers set by one callback count from the iteration's time (libuv's uv_now)", async () => {
      const loop = make();
      let whens: number[] = [];
      await loop.runUntilComplete(
        () =>
          new Promise<void>((resolve) => {
            loop.callSoon(() => {
              const a = loop.callLater(5, () => {});
              const t0 = performance.now();
              while (performance.now() - t0 < 2) {} // time passes inside the callback
              const b = loop.callLater(5, resolve);
              whens = [a.when, b.when];
            });
          }),
      );
      assert.equal(whens.length, 2);
      assert.equal(whens[0], whens[1], 'one clock read for the whole iteration');
      loop.close();
    });

    test('readers and writers fire, and stop when removed', async () => {
      const loop = make();
      const [a, b] = socketpair();
      const got: string[] = [];
      await loop.runUntilComplete(
        () =>
          new Promise<void>((resolve) => {
            loop.addWriter(b, () => {
              loop.removeWriter(b);
              write(b, Buffer.from('ping'));
            });
            loop.addReader(a, () => {
              const buf = Buffer.alloc(16);
              const n = read(a, buf);
              got.push(buf.subarray(0, n).toString());
              loop.removeReader(a);
              resolve();
            });
          }),
      );
      assert.deepEqual(got, ['ping']);
      assert.equal(loop.stats().readers, 0);
      assert.equal(loop.stats().writers, 0);
      loop.close();
      close(a);
      close(b);
    });

    test('a throwing callback is reported with context and the loop keeps going', async () => {
      const errors: ExceptionContext[] = [];
      const loop = make(errors);
      const [a, b] = socketpair();
      let after = 0;
      loop.callSoon(function boom() {
        throw new Error('soon failed');
      });
      loop.callLater(1, () => {
        throw new Error('timer failed');
      });
      write(b, Buffer.from('x'));
      loop.addReader(a, function onReadable() {
        loop.removeReader(a);
        throw new Error('reader failed');
      });
      await loop.runUntilComplete(() => new Promise<void>((r) => loop.callLater(10, () => r(void after++))));
      assert.equal(after, 1);
      assert.equal(errors.length, 3);
      assert.match(errors.map((e) => e.message).join('|'), /callSoon callback \(boom\)/);
      assert.match(
        errors.map((e) => e.message).join('|'),
        new RegExp(`reader callback for fd ${a} \\(onReadable\\)`),
      );
      assert.equal(loop.stats().exceptions, 3);
      loop.close();
      close(a);
      close(b);
    });

    test('a callback that closes its own fd (after removing it) stops its other callbacks', async () => {
      const loop = make();
      const [a, b] = socketpair();
      write(b, Buffer.from('x'));
      let writerRan = false;
      loop.addReader(a, () => {
        loop.removeReader(a);
        loop.removeWriter(a);
        close(a);
      });
      loop.addWriter(a, () => {
        writerRan = true;
      });
      await loop.runUntilComplete(() => new Promise<void>((r) => loop.callLater(10, r)));
      assert.ok(!isOpen(a));
      assert.equal(writerRan, false, 'the stale writable event of the same batch was skipped');
      loop.close();
      close(b);
    });

    test('an fd closed while watched is reported once, and the loop keeps working', async () => {
      const errors: ExceptionContext[] = [];
      const loop = make(errors);
      const [a, b] = socketpair();
      loop.addReader(a, () => {});
      close(a); // the user forgot removeReader
      let ticks = 0;
      await loop.runUntilComplete(() => new Promise<void>((r) => loop.callLater(20, () => r(void ticks++))));
      assert.equal(ticks, 1);
      // select/poll see the closed fd and report it; epoll forgets it silently.
      if (backend === 'select' || backend === 'poll') {
        assert.equal(errors.length, 1);
        assert.equal((errors[0]?.error as { code?: string } | undefined)?.code, 'NBIO_CLOSED');
        assert.equal(loop.stats().readers, 0);
      }
      loop.removeReader(a);
      loop.close();
      close(b);
    });

    for (const depth of [0, 1, 2, 10]) {
      test(`an async function ${depth} awaits deep completes without an unrelated event`, async () => {
        const loop = make();
        const deep = async (n: number): Promise<number> => (n === 0 ? 42 : ((await deep(n - 1)) as number));
        const t0 = performance.now();
        const v = await loop.runUntilComplete(async () => {
          await new Promise<void>((r) => loop.callSoon(r));
          for (let i = 0; i < depth; i++) await Promise.resolve();
          const x = await deep(depth);
          await new Promise<void>((r) => loop.callSoon(r));
          return x;
        });
        assert.equal(v, 42);
        assert.ok(performance.now() - t0 < 1000, 'did not wait for a timeout');
        loop.close();
      });
    }

    test("Node's setImmediate chains started from a microtask run without waiting for an nbio event", async () => {
      const loop = make();
      const guard = loop.callLater(3000, () => {}); // only bounds a failure: the loop must not sleep until it
      const t0 = performance.now();
      await loop.runUntilComplete(async () => {
        await new Promise<void>((r) => loop.callSoon(r)); // continue from inside an iteration
        await new Promise<void>((r) => setImmediate(r)); // a library's setImmediate, queued from a microtask
        await new Promise<void>((r) => setImmediate(r)); // …and one chained on it
      });
      guard.cancel();
      assert.ok(performance.now() - t0 < 1500, `took ${(performance.now() - t0).toFixed(0)} ms`);
      loop.close();
    });

    test('runUntilComplete returns the value or throws the error', async () => {
      const loop = make();
      assert.equal(await loop.runUntilComplete(Promise.resolve(7)), 7);
      await assert.rejects(
        loop.runUntilComplete(async () => Promise.reject(new Error('nope'))),
        /nope/,
      );
      loop.close();
    });

    test('an idle loop sleeps in the kernel', async () => {
      const loop = make();
      const cpu0 = process.cpuUsage();
      await loop.runUntilComplete(() => new Promise<void>((r) => loop.callLater(300, r)));
      const cpu = process.cpuUsage(cpu0);
      const cpuMs = (cpu.user + cpu.system) / 1000;
      assert.ok(cpuMs < 150, `used ${cpuMs} ms of CPU while idle for 300 ms`);
      if (mode === 'owner') assert.ok(loop.stats().iterations < 20, `iterations: ${loop.stats().iterations}`);
      loop.close();
    });

    test('a signal arriving while the loop waits runs its handler (EINTR is not an error)', async () => {
      const loop = make();
      const got: string[] = [];
      loop.addSignalHandler('SIGWINCH', (sig) => {
        got.push(sig);
        loop.stop();
      });
      // A child sends the signal while this thread is blocked in the selector. SIGWINCH, not
      // SIGUSR2: Node 24's test runner starts files with --report-signal=SIGUSR2 (a diagnostic
      // report file per signal), and SIGUSR1 starts the inspector.
      const child = spawn('sh', ['-c', `sleep 0.1; kill -WINCH ${process.pid}`], { stdio: 'ignore' });
      const exited = new Promise((r) => child.on('exit', r));
      const t0 = performance.now();
      const guard = loop.callLater(5000, () => loop.stop());
      await loop.run();
      guard.cancel();
      assert.deepEqual(got, ['SIGWINCH']);
      assert.ok(performance.now() - t0 < 4000, 'woke on the signal, not the guard timer');
      assert.ok(loop.removeSignalHandler('SIGWINCH'));
      await exited;
      loop.close();
    });

    test('onClose hooks run once, in order, before the waker closes; a throwing one is reported', () => {
      const errors: ExceptionContext[] = [];
      const loop = make(errors);
      const seen: string[] = [];
      loop.onClose(() => seen.push(`a:${isOpen(loop.wakerFd)}`));
      const undo = loop.onClose(() => seen.push('removed'));
      loop.onClose(() => {
        throw new Error('hook failed');
      });
      loop.onClose(() => seen.push('c'));
      undo();
      loop.close();
      loop.close();
      assert.deepEqual(seen, ['a:true', 'c']);
      assert.equal(errors.length, 1);
      assert.match(errors[0]?.message ?? '', /close hook/);
      assert.throws(() => loop.onClose(() => {}), code('NBIO_CLOSED'));
    });

    test('bad input: typed errors', () => {
      const loop = make();
      assert.throws(() => loop.callLater(Number.NaN, () => {}), code('NBIO_INVALID_ARGUMENT'));
      assert.throws(() => loop.callLater(-1, () => {}), code('NBIO_INVALID_ARGUMENT'));
      assert.throws(() => loop.addReader(-3, () => {}), code('NBIO_BAD_FD'));
      assert.throws(() => loop.addSignalHandler('SIGKILL', () => {}), code('NBIO_INVALID_ARGUMENT'));
      assert.throws(() => loop.runOnce(-1), code('NBIO_INVALID_TIMEOUT'));
      loop.close();
      loop.close();
      assert.throws(() => loop.callSoon(() => {}), code('NBIO_CLOSED'));
      assert.throws(() => loop.callLater(1, () => {}), code('NBIO_CLOSED'));
      assert.throws(() => loop.addReader(0, () => {}), code('NBIO_CLOSED'));
    });

    test('close() while running is refused; stop() then close() works', async () => {
      const loop = make();
      const running = loop.run();
      assert.throws(() => loop.close(), code('NBIO_BUSY'));
      loop.callSoon(() => loop.stop());
      if (mode === 'guest') loop.stop();
      await running;
      loop.close();
      assert.ok(loop.isClosed);
    });
  });
}
