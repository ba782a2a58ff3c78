// The compat default loop: created on first use as a guest, replaceable, replaced when closed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidArgumentError } from '../errors.ts';
import { EventLoop } from '../loop/event-loop.ts';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';
import { getDefaultLoop, resolveLoop, setDefaultLoop } from './default-loop.ts';
import { Socket } from './socket.ts';

test('created on first use, in guest mode, and the same loop afterwards', () => {
  setDefaultLoop(null)?.close();
  const fds = fdSnapshot();
  const loop = getDefaultLoop();
  assert.equal(loop.mode, 'guest', 'runs beside Node’s loop without run()');
  assert.equal(getDefaultLoop(), loop);
  assert.equal(new Socket().loop, loop, 'sockets without { loop } use it');
  assert.equal(setDefaultLoop(null), loop);
  loop.close();
  assert.deepEqual(fdsOpenedSince(fds), [], 'closing it releases its descriptors');
});

test('setDefaultLoop installs a loop and returns the previous one; an explicit { loop } wins', () => {
  const mine = new EventLoop({ selector: 'poll' });
  const other = new EventLoop({ selector: 'poll' });
  try {
    setDefaultLoop(null)?.close();
    assert.equal(setDefaultLoop(mine), null);
    assert.equal(getDefaultLoop(), mine);
    assert.equal(new Socket().loop, mine);
    assert.equal(new Socket({ loop: other }).loop, other);
    assert.equal(resolveLoop(undefined), mine);
    assert.equal(setDefaultLoop(null), mine);
  } finally {
    mine.close();
    other.close();
  }
});

test('a closed default loop is replaced on next use', () => {
  const first = getDefaultLoop();
  first.close();
  const second = getDefaultLoop();
  assert.notEqual(second, first);
  assert.equal(second.isClosed, false);
  setDefaultLoop(null)?.close();
});

test('anything but an EventLoop is refused with a typed error', () => {
  assert.throws(() => setDefaultLoop({} as EventLoop), InvalidArgumentError);
  assert.throws(() => resolveLoop('epoll'), InvalidArgumentError);
  assert.throws(() => new Socket({ loop: 42 as unknown as EventLoop }), InvalidArgumentError);
});
