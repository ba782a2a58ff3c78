// The cancellation helpers every waiting call is built on.
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { test } from 'node:test';
import { AbortedError } from '../errors.ts';
import { abortedError, cancellable, isCancellation, linkSignal, type Settle } from './cancellable.ts';

test('cancellable: already aborted rejects without calling start', async () => {
  let started = false;
  const reason = new Error('r');
  const p = cancellable('thing', AbortSignal.abort(reason), () => {
    started = true;
    return undefined;
  });
  await assert.rejects(
    p,
    (e: unknown) => e instanceof AbortedError && e.cause === reason && /thing/.test(e.message),
  );
  assert.equal(started, false);
});

test('cancellable: abort unregisters, then rejects; settling removes the listener', async () => {
  const waiters = new Set<Settle<number>>();
  const ac = new AbortController();
  const start = (s: Settle<number>) => {
    waiters.add(s);
    return () => waiters.delete(s);
  };
  const p = cancellable('wait', ac.signal, start);
  assert.equal(waiters.size, 1);
  ac.abort('x');
  assert.equal(waiters.size, 0, 'unregistered synchronously on abort');
  await assert.rejects(p, AbortedError);
  const ac2 = new AbortController();
  const q = cancellable('wait', ac2.signal, start);
  const [w] = waiters;
  assert.ok(w, 'one waiter registered');
  w.resolve(5);
  w.reject(new Error('ignored: already settled'));
  assert.equal(await q, 5);
  assert.equal(getEventListeners(ac2.signal, 'abort').length, 0);
  const sync = cancellable<string>('sync', ac2.signal, (s) => {
    s.resolve('now');
    return undefined;
  });
  assert.equal(await sync, 'now');
  assert.equal(
    getEventListeners(ac2.signal, 'abort').length,
    0,
    'no listener added for a synchronous settle',
  );
});

test('isCancellation recognises the consequences of an abort, only once aborted', () => {
  const ac = new AbortController();
  const reason = new Error('why');
  assert.equal(
    isCancellation(abortedError('x', AbortSignal.abort()), ac.signal),
    false,
    'signal not aborted',
  );
  ac.abort(reason);
  assert.equal(isCancellation(reason, ac.signal), true);
  assert.equal(isCancellation(abortedError('x', ac.signal), ac.signal), true);
  assert.equal(isCancellation(new DOMException('aborted', 'AbortError'), ac.signal), true);
  assert.equal(isCancellation(new Error('real failure'), ac.signal), false);
});

test('linkSignal forwards an abort until unlinked', () => {
  const source = new AbortController();
  const target = new AbortController();
  const unlink = linkSignal(source.signal, target);
  source.abort('r');
  assert.equal(target.signal.reason, 'r');
  unlink();
  const s2 = new AbortController();
  const t2 = new AbortController();
  linkSignal(s2.signal, t2)();
  assert.equal(getEventListeners(s2.signal, 'abort').length, 0);
  s2.abort();
  assert.equal(t2.signal.aborted, false);
  const t3 = new AbortController();
  linkSignal(AbortSignal.abort('early'), t3);
  assert.equal(t3.signal.reason, 'early');
  linkSignal(undefined, t3)();
});
