// settleOwnerLoop: on an owner-mode loop, Node callbacks that a socket event set off
// (setImmediate chains started from a microtask) run before the loop blocks again; an idle
// loop still sleeps.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventLoop } from '../loop/event-loop.ts';
import { connect } from './create-connection.ts';
import { SETTLE_TURNS, settleOwnerLoop } from './owner-settle.ts';
import { createServer } from './server.ts';
import type { AddressInfo } from './socket.ts';
import { describeWithFdCheck, loopSleep, nextEvent, within } from './test-support.ts';

describeWithFdCheck('settleOwnerLoop', () => {
  test('a two-deep setImmediate chain started by a data event runs before the loop blocks', async () => {
    const loop = new EventLoop({ selector: 'poll', mode: 'owner' });
    try {
      await loop.runUntilComplete(async () => {
        const server = createServer({ loop }, (s) => s.pipe(s));
        server.listen(0, '127.0.0.1');
        await nextEvent(loop, server, 'listening');
        const s = connect({ loop, port: (server.address() as AddressInfo).port, host: '127.0.0.1' });
        const chained = new Promise<void>((resolve) =>
          s.once('data', () => queueMicrotask(() => setImmediate(() => setImmediate(resolve)))),
        );
        s.write('x');
        // Without the settling turns the loop would block in poll() until this 10 s timer.
        await within(loop, 10_000, 'the immediate chain', chained);
        const closed = nextEvent(loop, s, 'close');
        s.end();
        await closed;
        const serverClosed = nextEvent(loop, server, 'close');
        server.close();
        await serverClosed;
      });
    } finally {
      loop.close();
    }
  });

  test('the turns are bounded: an idle owner loop goes back to sleeping', async () => {
    const loop = new EventLoop({ selector: 'poll', mode: 'owner' });
    try {
      await loop.runUntilComplete(async () => {
        settleOwnerLoop(loop);
        settleOwnerLoop(loop); // a second request while pending does not add a second chain
        // Each zero-delay sleep takes at least one iteration; the turns take SETTLE_TURNS.
        for (let i = 0; i < SETTLE_TURNS + 2; i++) await loopSleep(loop, 0);
        const before = loop.stats();
        await loopSleep(loop, 50);
        const after = loop.stats();
        assert.ok(after.iterations - before.iterations <= 3, 'a sleep of 50 ms takes a few iterations');
        assert.ok(after.soonCallbacks - before.soonCallbacks === 0, 'no settling turns left');
        assert.ok(before.soonCallbacks >= SETTLE_TURNS && before.soonCallbacks <= SETTLE_TURNS + 1);
      });
    } finally {
      loop.close();
    }
  });

  test('guest loops are left alone', () => {
    const loop = new EventLoop(); // guest on epoll/kqueue
    assert.equal(loop.mode, 'guest');
    settleOwnerLoop(loop);
    assert.equal(loop.stats().ready, 0);
    loop.close();
  });
});
