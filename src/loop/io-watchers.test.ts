// Interest changes batched per iteration (issue 14, libuv's watcher queue), on every loop
// configuration: a lazy removal followed by an add before the next wait costs no selector call
// (and, on epoll, no epoll_ctl); one left alone reaches the selector once, before the wait; an
// eager removal after a lazy one applies it at once, so the fd can be closed right after.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createSelector } from '../selector/default-selector.ts';
import type { Selector } from '../selector/selector.ts';
import { close, read, write } from '../sys/fd.ts';
import { socketpair } from '../sys/socket.ts';
import { Sc, startCountingSyscalls, syscallCalls } from '../sys/syscall-counter.ts';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';
import { loopConfigs } from '../testing/loop-configs.ts';
import { EventLoop } from './event-loop.ts';
import type { Watcher } from './io-watchers.ts';

/** Counts the interest changes the loop hands its selector (register, modify, unregister). */
function countingSelector(backend: Parameters<typeof createSelector>[0]): {
  selector: Selector<Watcher>;
  changes: () => number;
} {
  const selector = createSelector<Watcher>(backend);
  let n = 0;
  for (const name of ['register', 'modify', 'unregister'] as const) {
    const original = selector[name].bind(selector) as (...a: unknown[]) => void;
    (selector as unknown as Record<string, unknown>)[name] = (...a: unknown[]) => {
      n++;
      original(...a);
    };
  }
  return { selector, changes: () => n };
}

/** Runs `fn` and returns how many selector changes and epoll_ctl calls it made. */
function counted(changes: () => number, fn: () => void): { changes: number; epollCtl: number } {
  const stop = startCountingSyscalls();
  const c0 = changes();
  const e0 = syscallCalls(Sc.epoll_ctl);
  try {
    fn();
  } finally {
    stop();
  }
  return { changes: changes() - c0, epollCtl: syscallCalls(Sc.epoll_ctl) - e0 };
}

for (const { backend, mode } of loopConfigs()) {
  describe(`interest changes on ${backend} (${mode} mode)`, () => {
    let fdsBefore = fdSnapshot();
    before(() => {
      fdsBefore = fdSnapshot();
    });
    after(() => {
      assert.deepEqual(fdsOpenedSince(fdsBefore), [], 'every descriptor opened was closed');
    });

    test('a pause and a resume in one iteration cost no selector call; data flows after', () => {
      const { selector, changes } = countingSelector(backend);
      const loop = new EventLoop({ selector, mode });
      const [a, b] = socketpair();
      const got: string[] = [];
      const reader = () => {
        const buf = Buffer.alloc(64);
        const n = read(a, buf);
        if (n > 0) got.push(buf.subarray(0, n).toString());
      };
      try {
        loop.addReader(a, reader);
        let cost = { changes: -1, epollCtl: -1 };
        loop.callSoon(() => {
          cost = counted(changes, () => {
            loop.removeReader(a, true);
            loop.addReader(a, reader);
          });
        });
        const whole = counted(changes, () => loop.runOnce(0));
        assert.deepEqual(cost, { changes: 0, epollCtl: 0 });
        assert.equal(whole.epollCtl, 0, 'nothing left for the flush before the next wait either');
        write(b, Buffer.from('after'));
        for (let i = 0; i < 20 && got.length === 0; i++) loop.runOnce(50);
        assert.deepEqual(got, ['after']);
      } finally {
        loop.close();
        close(a);
        close(b);
      }
    });

    test('a pause in a callback and a resume from a promise continuation cost no selector call', async () => {
      const { selector, changes } = countingSelector(backend);
      const loop = new EventLoop({ selector, mode });
      const [a, b] = socketpair();
      const reader = () => {};
      try {
        loop.addReader(a, reader);
        const stop = startCountingSyscalls();
        const c0 = changes();
        const e0 = syscallCalls(Sc.epoll_ctl);
        let resumed = false;
        loop.callSoon(() => {
          loop.removeReader(a, true);
          Promise.resolve().then(() => {
            loop.addReader(a, reader);
            resumed = true;
          });
        });
        loop.runOnce(0);
        await new Promise((r) => setImmediate(r)); // microtasks (and a guest loop's flush) ran
        loop.runOnce(0);
        stop();
        assert.ok(resumed);
        assert.equal(changes() - c0, 0);
        assert.equal(syscallCalls(Sc.epoll_ctl) - e0, 0);
      } finally {
        loop.close();
        close(a);
        close(b);
      }
    });

    test('a resume at the end of a promise chain (a stream read, its write, its drain) costs no selector call', async () => {
      const { selector, changes } = countingSelector(backend);
      const loop = new EventLoop({ selector, mode });
      const [a, b] = socketpair();
      const reader = () => {};
      try {
        loop.addReader(a, reader);
        const c0 = changes();
        let resumed = false;
        loop.callSoon(() => {
          loop.removeReader(a, true);
          void (async () => {
            // as examples/echo-streams.ts: the read resolves, the write, `await drain()`, the next read
            for (let hop = 0; hop < 4; hop++) await null;
            loop.addReader(a, reader);
            resumed = true;
          })();
        });
        loop.runOnce(0);
        await new Promise((r) => setImmediate(r)); // microtasks (and a guest loop's flush) ran
        assert.ok(resumed);
        assert.equal(changes() - c0, 0, 'the pause never reached the selector');
        // Left alone, a pause still reaches the selector before libuv polls again (guest) or
        // before the next wait (owner).
        loop.removeReader(a, true);
        write(b, Buffer.from('x'));
        await new Promise((r) => setImmediate(r));
        if (mode === 'guest') assert.equal(changes() - c0, 1, 'applied in the check phase, before the poll');
        loop.runOnce(0);
        assert.equal(changes() - c0, 1, 'applied once');
      } finally {
        loop.close();
        close(a);
        close(b);
      }
    });

    test('a lazy removal left alone reaches the selector once, before the next wait', () => {
      const { selector, changes } = countingSelector(backend);
      const loop = new EventLoop({ selector, mode });
      const [a, b] = socketpair();
      let calls = 0;
      try {
        loop.addReader(a, () => calls++);
        loop.addWriter(a, () => {});
        write(b, Buffer.from('x'));
        const removal = counted(changes, () => {
          loop.removeReader(a, true);
          loop.removeWriter(a, true);
        });
        assert.equal(removal.changes, 0, 'nothing reaches the selector at once');
        const wait = counted(changes, () => loop.runOnce(0));
        assert.equal(wait.changes, 1, 'one change (the fd dropped), not two');
        if (backend === 'epoll') assert.equal(wait.epollCtl, 1);
        assert.equal(calls, 0, 'no reader callback after the removal, though the fd is readable');
        assert.equal(loop.stats().readers, 0);
        assert.equal(loop.stats().writers, 0);
      } finally {
        loop.close();
        close(a);
        close(b);
      }
    });

    test('an eager removal after a lazy one applies it at once, so the fd may close', () => {
      const { selector, changes } = countingSelector(backend);
      const errors: unknown[] = [];
      const loop = new EventLoop({ selector, mode, exceptionHandler: (ctx) => errors.push(ctx.error) });
      const [a, b] = socketpair();
      try {
        loop.addReader(a, () => {});
        loop.removeReader(a, true);
        const eager = counted(changes, () => assert.equal(loop.removeReader(a), false));
        assert.equal(eager.changes, 1, 'the lazy removal is applied by the eager call');
        close(a);
        loop.runOnce(0);
        assert.deepEqual(errors, [], 'no closed fd was left in the selector');
      } finally {
        loop.close();
        close(b);
      }
    });
  });
}
