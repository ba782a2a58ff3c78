// DeferredList and gatherResults, without a loop.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Deferred, fail, succeed } from './deferred.ts';
import { DeferredList, gatherResults, type Outcome } from './deferred-list.ts';
import { CancelledError } from './twisted-errors.ts';
import { setUnhandledErrorHandler } from './unhandled-error.ts';

const previousHandler = setUnhandledErrorHandler(() => {});
after(() => setUnhandledErrorHandler(previousHandler));

test('DeferredList fires once every member fired, with outcomes in member order', () => {
  const a = new Deferred<number>();
  const b = new Deferred<number>();
  const list = new DeferredList([a, b], { consumeErrors: true });
  let outcomes: unknown;
  list.addCallback((o) => {
    outcomes = o;
  });
  b.errback(new Error('b failed'));
  assert.equal(outcomes, undefined);
  a.callback(1);
  const [first, second] = outcomes as unknown as Outcome<number>[];
  assert.deepEqual(first, [true, 1]);
  assert.equal(second?.[0], false);
  assert.equal((second?.[1] as Error | undefined)?.message, 'b failed');
  // consumeErrors: the member's chain goes on with undefined
  let bNow: unknown = 'unset';
  b.addBoth((r) => {
    bNow = r;
  });
  assert.equal(bNow, undefined);
});

test('without consumeErrors the members keep their failures', () => {
  const b = fail<number>(new Error('kept'));
  new DeferredList([b]).addCallback(() => {});
  let bNow: unknown;
  b.addErrback((e) => {
    bNow = e;
  });
  assert.equal((bNow as Error).message, 'kept');
});

test('fireOnOneCallback and fireOnOneErrback fire early', () => {
  const a = new Deferred<string>();
  const b = new Deferred<string>();
  let first: unknown;
  new DeferredList([a, b], { fireOnOneCallback: true }).addCallback((r) => {
    first = r;
  });
  b.callback('b');
  assert.deepEqual(first, ['b', 1]);

  let failure: unknown;
  new DeferredList([new Deferred<string>(), fail<string>(new Error('early'))], {
    fireOnOneErrback: true,
    consumeErrors: true,
  }).addErrback((e) => {
    failure = e;
  });
  assert.equal((failure as Error).message, 'early');
});

test('an empty DeferredList fires at once with []', () => {
  let r: unknown;
  new DeferredList([]).addCallback((o) => {
    r = o;
  });
  assert.deepEqual(r, []);
});

test('gatherResults gives the values, or the first failure', async () => {
  assert.deepEqual(await gatherResults([succeed(1), succeed(2)]).asPromise(), [1, 2]);
  const late = new Deferred<number>();
  const gathered = gatherResults([late, fail<number>(new Error('first'))], true);
  await assert.rejects(gathered.asPromise(), /first/);
  late.callback(3); // after the list failed: no error
});

test('cancelling a DeferredList cancels its unfired members', () => {
  const a = new Deferred<number>();
  const b = succeed(2);
  const list = gatherResults([a, b], true);
  let caught: unknown;
  list.addErrback((e) => {
    caught = e;
  });
  list.cancel();
  assert.ok(caught instanceof CancelledError);
  assert.equal(a.called, true, 'the unfired member was cancelled');
});
