// Tornado-style coroutines on every backend and mode: what may be yielded, that each resume is
// a loop callback, ordering between coroutines, faults, and a loop closed under a coroutine.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ClosedResourceError, InvalidArgumentError } from '../../errors.ts';
import { EventLoop } from '../../loop/event-loop.ts';
import { fdSnapshot, fdsOpenedSince } from '../../testing/fd-count.ts';
import { loopConfigs } from '../../testing/loop-configs.ts';
import { Deferred, succeed } from '../twisted/deferred.ts';
import { NotAwaitableError } from '../twisted/twisted-errors.ts';
import { coroutine, moment, sleep } from './coroutine.ts';
import { IOLoop } from './io-loop.ts';

const configs = loopConfigs();

for (const { backend, mode } of configs) {
  describe(`coroutine on ${backend} (${mode} mode)`, () => {
    let fdsBefore = fdSnapshot();
    before(() => {
      fdsBefore = fdSnapshot();
    });
    after(() => {
      assert.deepEqual(fdsOpenedSince(fdsBefore), [], 'every descriptor opened was closed');
    });
    const make = () => new EventLoop({ selector: backend, mode });

    test('yield of a Promise, a Deferred, an array or moment suspends; return resolves', async () => {
      const loop = make();
      const work = coroutine(loop, function* (base: number) {
        const a = (yield Promise.resolve(base)) as number;
        const b = (yield succeed(2)) as number;
        const [c = Number.NaN, d = Number.NaN] = (yield [
          Promise.resolve(3),
          new Promise((r) => loop.callLater(1, () => r(4))),
        ]) as number[];
        yield moment;
        const e = (yield sleep(loop, 0.001).then(() => 5)) as number;
        return a + b + c + d + e;
      });
      assert.equal(await loop.runUntilComplete(work(1)), 15);
      loop.close();
    });

    test('the body runs to its first yield at once; each resume is one loop callback', async () => {
      const loop = make();
      const log: string[] = [];
      const work = coroutine(loop, function* () {
        log.push('start');
        yield Promise.resolve();
        log.push('resumed');
        yield Promise.resolve();
        log.push('end');
      });
      const before = loop.stats().soonCallbacks;
      const p = work();
      assert.deepEqual(log, ['start']);
      if (mode === 'owner') {
        // owner mode: nothing resumes unless the loop runs
        for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
        assert.deepEqual(log, ['start']);
      }
      await loop.runUntilComplete(p);
      assert.deepEqual(log, ['start', 'resumed', 'end']);
      assert.equal(loop.stats().soonCallbacks - before, 2, 'one callSoon per resume');
      loop.close();
    });

    test('coroutines whose futures are ready take turns', async () => {
      const loop = make();
      const order: string[] = [];
      const worker = coroutine(loop, function* (name: string) {
        for (let i = 0; i < 3; i++) {
          order.push(`${name}${i}`);
          yield Promise.resolve();
        }
      });
      await loop.runUntilComplete(Promise.all([worker('a'), worker('b')]));
      assert.deepEqual(order, ['a0', 'b0', 'a1', 'b1', 'a2', 'b2']);
      loop.close();
    });

    test('a rejected future is thrown in at the yield; an uncaught error rejects', async () => {
      const loop = make();
      const recovers = coroutine(loop, function* () {
        try {
          yield Promise.reject(new Error('inner'));
        } catch (e) {
          return `caught ${(e as Error).message}`;
        }
      });
      const fails = coroutine(loop, function* () {
        const d = new Deferred<number>();
        loop.callSoon(() => d.errback(new Error('deferred failed')));
        yield d;
      });
      assert.equal(await loop.runUntilComplete(recovers()), 'caught inner');
      await assert.rejects(loop.runUntilComplete(fails()), /deferred failed/);
      loop.close();
    });

    test('yielding something not awaitable throws NotAwaitableError at the yield, naming it', async () => {
      const loop = make();
      let caught: unknown;
      const work = coroutine(loop, function* () {
        try {
          yield 'a string';
        } catch (e) {
          caught = e;
        }
        yield [Promise.resolve(1), 7];
      });
      await assert.rejects(
        loop.runUntilComplete(work()),
        (e: unknown) =>
          e instanceof NotAwaitableError &&
          e.code === 'NBIO_NOT_AWAITABLE' &&
          /coroutine: the generator yielded \[ \[Promise\], 7 \] \(an array\)/.test(e.message),
      );
      assert.ok(caught instanceof NotAwaitableError);
      assert.match(caught.message, /yielded 'a string' \(a string\)/);
      loop.close();
    });

    test('a loop closed under a suspended coroutine rejects it and runs its finally', async () => {
      const loop = make();
      let resolveLater!: () => void;
      let finallyRan = false;
      const work = coroutine(loop, function* () {
        try {
          yield new Promise<void>((r) => (resolveLater = r));
        } finally {
          finallyRan = true;
        }
      });
      const p = work();
      loop.close();
      resolveLater();
      await assert.rejects(p, ClosedResourceError);
      assert.ok(finallyRan);
    });

    test('works through the IOLoop façade too; sleep() refuses bad durations', async () => {
      const io = new IOLoop(make());
      const work = coroutine(io, function* () {
        yield sleep(io, 0.001);
        return io.time() > 0;
      });
      assert.equal(await io.runSync(work), true);
      assert.throws(() => sleep(io, -1), InvalidArgumentError);
      io.close();
    });
  });
}
