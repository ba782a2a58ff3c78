// inlineCallbacks, without a loop: Deferreds fired by hand, Promises, faults, cancellation.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Deferred, fail, succeed } from './deferred.ts';
import { inlineCallbacks } from './inline-callbacks.ts';
import { CancelledError, NotAwaitableError } from './twisted-errors.ts';
import { setUnhandledErrorHandler } from './unhandled-error.ts';

const previousHandler = setUnhandledErrorHandler(() => {});
after(() => setUnhandledErrorHandler(previousHandler));

test('yield of a Deferred suspends until it fires; return fires the result', () => {
  const pending = new Deferred<number>();
  const log: unknown[] = [];
  const work = inlineCallbacks(function* (base: number) {
    log.push('start');
    const a = (yield succeed(base)) as number; // already fired: resumes at once
    log.push(`a=${a}`);
    const b = (yield pending) as number; // suspends
    log.push(`b=${b}`);
    return a + b;
  });
  const d = work(10);
  assert.deepEqual(log, ['start', 'a=10']);
  assert.equal(d.called, false);
  pending.callback(5);
  assert.deepEqual(log, ['start', 'a=10', 'b=5']);
  let result: unknown;
  d.addCallback((r) => {
    result = r;
  });
  assert.equal(result, 15);
});

test('a failed Deferred is thrown in at the yield; an uncaught error fails the result', async () => {
  const recovered = inlineCallbacks(function* () {
    try {
      yield fail(new Error('inner'));
    } catch (e) {
      return `caught ${(e as Error).message}`;
    }
  });
  assert.equal(await recovered().asPromise(), 'caught inner');
  const failing = inlineCallbacks(function* () {
    yield succeed(1);
    throw new Error('outer');
  });
  await assert.rejects(failing().asPromise(), /outer/);
});

test('yield of a Promise suspends until it settles', async () => {
  const work = inlineCallbacks(function* () {
    const v = (yield Promise.resolve(20)) as number;
    const w = (yield new Promise<number>((r) => setImmediate(() => r(22)))) as number;
    return v + w;
  });
  assert.equal(await work().asPromise(), 42);
});

test('yielding something not awaitable throws NotAwaitableError at the yield, naming the value', async () => {
  let seen: unknown;
  const work = inlineCallbacks(function* () {
    try {
      yield 42;
    } catch (e) {
      seen = e;
    }
    yield { answer: 42 };
  });
  const d = work();
  assert.ok(seen instanceof NotAwaitableError);
  assert.equal(seen.code, 'NBIO_NOT_AWAITABLE');
  assert.match(seen.message, /inlineCallbacks: the generator yielded 42 \(a number\)/);
  await assert.rejects(
    d.asPromise(),
    /yielded \{ answer: 42 \} \(an object \(Object\)\).*Yield a Deferred or a Promise/,
  );
});

test('a long run of ready Deferreds does not grow the stack', async () => {
  const work = inlineCallbacks(function* () {
    let sum = 0;
    for (let i = 0; i < 100_000; i++) sum += (yield succeed(1)) as number;
    return sum;
  });
  assert.equal(await work().asPromise(), 100_000);
});

test('a generator function that throws before its first yield gives a failed Deferred', async () => {
  const work = inlineCallbacks(function* (x: number) {
    if (x < 0) throw new RangeError('negative');
    yield succeed(x);
  });
  await assert.rejects(work(-1).asPromise(), RangeError);
});

test('returning a Deferred fires the result with its value', async () => {
  const work = inlineCallbacks(function* () {
    yield succeed(0);
    return succeed('from a Deferred');
  });
  assert.equal(await work().asPromise(), 'from a Deferred');
});

test('cancel() cancels the awaited Deferred; the CancelledError is thrown in at the yield', async () => {
  let innerCancelled = false;
  const inner = new Deferred<number>(() => {
    innerCancelled = true;
  });
  let seenInGenerator: unknown;
  const work = inlineCallbacks(function* () {
    try {
      yield inner;
    } catch (e) {
      seenInGenerator = e;
      throw e;
    }
  });
  const d = work();
  d.cancel();
  assert.ok(innerCancelled);
  assert.ok(seenInGenerator instanceof CancelledError);
  await assert.rejects(d.asPromise(), CancelledError);
});

test('a generator that ignores the cancellation is closed: its finally runs, the result is CancelledError', async () => {
  const second = new Deferred<number>();
  let finallyRan = false;
  let afterSecond = false;
  const work = inlineCallbacks(function* () {
    try {
      try {
        yield new Deferred<number>();
      } catch {
        // ignores the cancellation and waits again
      }
      yield second;
      afterSecond = true;
    } finally {
      finallyRan = true;
    }
  });
  const d = work();
  d.cancel();
  assert.ok(finallyRan);
  await assert.rejects(d.asPromise(), CancelledError);
  second.callback(1); // the generator is closed: nothing resumes
  assert.equal(afterSecond, false);
});
