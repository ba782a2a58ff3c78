// The IOLoop façade on every backend and mode: handlers over a socketpair, callbacks and
// timeouts in seconds, runSync, start/stop, close(allFds); descriptors counted.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { InvalidArgumentError, TimeoutError } from '../../errors.ts';
import { EventLoop } from '../../loop/event-loop.ts';
import { close, isOpen, read, write } from '../../sys/fd.ts';
import { socketpair } from '../../sys/socket.ts';
import { fdSnapshot, fdsOpenedSince } from '../../testing/fd-count.ts';
import { loopConfigs } from '../../testing/loop-configs.ts';
import { IOLoop } from './io-loop.ts';

const configs = loopConfigs();

const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;

for (const { backend, mode } of configs) {
  describe(`IOLoop on ${backend} (${mode} mode)`, () => {
    let fdsBefore = fdSnapshot();
    before(() => {
      fdsBefore = fdSnapshot();
    });
    after(() => {
      assert.deepEqual(fdsOpenedSince(fdsBefore), [], 'every descriptor opened was closed');
    });
    const make = () => new IOLoop(new EventLoop({ selector: backend, mode }));

    test('addHandler READ/WRITE, updateHandler, removeHandler', async () => {
      const io = make();
      const [a, b] = socketpair();
      const events: string[] = [];
      await io.runSync(
        () =>
          new Promise<void>((resolve) => {
            // b: watch for WRITE first, write once, then switch to READ for the reply
            io.addHandler(
              b,
              (fd, ev) => {
                if (ev === IOLoop.WRITE) {
                  events.push('b writable');
                  write(fd as number, Buffer.from('ping'));
                  io.updateHandler(b, IOLoop.READ);
                } else {
                  const buf = Buffer.alloc(16);
                  events.push(`b read ${buf.toString('utf8', 0, read(fd as number, buf))}`);
                  io.removeHandler(b);
                  resolve();
                }
              },
              IOLoop.WRITE,
            );
            // a, passed as an object with fileno(), as Tornado allows
            const sock = { fileno: () => a };
            io.addHandler(
              sock,
              (fd, ev) => {
                assert.equal(fd, sock, 'the handler receives what was passed');
                assert.equal(ev, IOLoop.READ);
                const buf = Buffer.alloc(16);
                events.push(`a read ${buf.toString('utf8', 0, read(a, buf))}`);
                write(a, Buffer.from('pong'));
                io.removeHandler(sock);
              },
              IOLoop.READ | IOLoop.ERROR,
            );
          }),
      );
      assert.deepEqual(events, ['b writable', 'a read ping', 'b read pong']);
      assert.equal(io.loop.stats().readers, 0);
      assert.equal(io.loop.stats().writers, 0);
      io.removeHandler(a); // unknown fd: nothing happens, as in Tornado
      io.close();
      close(a);
      close(b);
    });

    test('misuse of handlers gets typed errors', () => {
      const io = make();
      const [a, b] = socketpair();
      io.addHandler(a, () => {}, IOLoop.READ);
      assert.throws(() => io.addHandler(a, () => {}, IOLoop.READ), code('NBIO_ALREADY_REGISTERED'));
      assert.throws(() => io.updateHandler(b, IOLoop.READ), code('NBIO_NOT_REGISTERED'));
      assert.throws(() => io.addHandler(-1, () => {}, IOLoop.READ), InvalidArgumentError);
      io.close();
      close(a);
      close(b);
    });

    test('close({ allFds: true }) closes the handlers’ descriptors', () => {
      const io = make();
      const [a, b] = socketpair();
      io.addHandler(a, () => {}, IOLoop.READ);
      io.addHandler(b, () => {}, IOLoop.WRITE);
      io.close({ allFds: true });
      assert.equal(isOpen(a), false);
      assert.equal(isOpen(b), false);
      assert.equal(io.loop.isClosed, true);
    });

    test('addCallback, callLater and callAt in seconds, removeTimeout, addFuture', async () => {
      const io = make();
      const order: string[] = [];
      const t0 = io.time();
      await io.runSync(
        () =>
          new Promise<void>((resolve) => {
            // Every deadline from one reading of the clock, taken first: the process can be
            // preempted between two of these calls for longer than the 5 ms between deadlines
            // (seen on a loaded machine: 25 ms), and each `io.time()` read afterwards would
            // move its deadline past the next one's. callLater's is >= t + 20 ms by definition.
            const t = io.time();
            io.callLater(0.02, () => {
              order.push('later');
              resolve();
            });
            const cancelled = io.callLater(0.005, () => order.push('cancelled'));
            io.removeTimeout(cancelled);
            io.callAt(t + 0.01, () => order.push('at'));
            io.addTimeout(t + 0.015, (x: string) => order.push(x), 'timeout');
            io.addCallback((x: string) => order.push(x), 'soon');
            io.addFuture(Promise.resolve(1), () => order.push('future'));
          }),
      );
      assert.deepEqual(order.slice(0, 1), ['soon']);
      assert.deepEqual(order.slice(2), ['at', 'timeout', 'later']);
      assert.ok(order.includes('future'));
      assert.ok(io.time() - t0 >= 0.02, 'time() is in seconds');
      assert.throws(() => io.callLater(-1, () => {}), /seconds/);
      io.close();
    });

    test('runSync returns the result, rejects with the error, and times out', async () => {
      const io = make();
      assert.equal(await io.runSync(() => 7), 7);
      await assert.rejects(
        io.runSync(async () => {
          throw new Error('inside');
        }),
        /inside/,
      );
      await assert.rejects(
        io.runSync(() => new Promise(() => {}), { timeoutSec: 0.01 }),
        (e: unknown) => e instanceof TimeoutError && /within 0.01 s/.test(e.message),
      );
      io.close();
    });

    test('start() runs until stop()', async () => {
      const io = make();
      let ran = false;
      io.callLater(0.001, () => {
        ran = true;
        io.stop();
      });
      await io.start();
      assert.ok(ran);
      io.close();
    });
  });
}
