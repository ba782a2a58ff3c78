// kqueue-specific behaviour: filters merged into one event per fd, EV_RECEIPT error reporting,
// EV_CLEAR and EV_ONESHOT, closed descriptors. Runs where KqueueSelector.availability() says
// so (macOS, FreeBSD, or Linux with NBIO_KQUEUE_LIBRARY set); elsewhere skipped with the reason.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sys } from '../sys/constants.ts';
import { EBADF, ENOENT, OsError } from '../sys/errno.ts';
import { close, read, write } from '../sys/fd.ts';
import * as kqueue from '../sys/kqueue.ts';
import { PollFdArray, poll } from '../sys/poll.ts';
import { socketpair } from '../sys/socket.ts';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';
import { KqueueSelector } from './kqueue-selector.ts';
import { Interest, Ready } from './selector.ts';

const availability = KqueueSelector.availability();
const skip = availability.available ? false : availability.reason;
if (skip) console.log(`# kqueue selector tests skipped: ${skip}`);

/** Runs `fn` with a fresh selector and socketpair; checks that no descriptor leaked. */
function withPair(fn: (sel: KqueueSelector<string>, a: number, b: number) => void): () => void {
  return () => {
    const before = fdSnapshot();
    const [a, b] = socketpair();
    const sel = new KqueueSelector<string>();
    try {
      fn(sel, a, b);
    } finally {
      sel.close();
      for (const fd of [a, b]) {
        try {
          close(fd);
        } catch {
          // closed by the test itself
        }
      }
    }
    assert.deepEqual(fdsOpenedSince(before), [], 'every fd opened was closed');
  };
}

test(
  'read and write filters of one fd come back as ONE event with both bits',
  { skip },
  withPair((sel, a, b) => {
    write(b, Buffer.from('x'));
    sel.register(a, Interest.Readable | Interest.Writable, 'a');
    const evs = sel.select(1000);
    assert.equal(evs.length, 1, 'two kevents (EVFILT_READ, EVFILT_WRITE), one ReadyEvent');
    assert.equal(evs[0]?.fd, a);
    assert.equal(evs[0]?.ready, Ready.Readable | Ready.Writable);
  }),
);

test(
  'EV_RECEIPT: each change answers with its own errno, flags & EV_ERROR, and nothing waits',
  { skip },
  () => {
    const [a, b] = socketpair();
    const kq = kqueue.kqueue();
    try {
      write(b, Buffer.from('pending'));
      const changes = new kqueue.KeventArray(kqueue.layout, 3);
      const receipts = new kqueue.KeventArray(kqueue.layout, 3);
      const R = kqueue.EV_RECEIPT;
      changes.set(0, a, kqueue.EVFILT_READ, kqueue.EV_ADD | R);
      changes.set(1, a, kqueue.EVFILT_WRITE, kqueue.EV_DELETE | R); // never added: ENOENT
      changes.set(2, b, kqueue.EVFILT_READ, kqueue.EV_DELETE | R);
      const t0 = performance.now();
      assert.equal(kqueue.kevent(kq, changes, 3, receipts, 3, null), 3, 'one receipt per change');
      assert.ok(performance.now() - t0 < 500, 'returned at once even with a NULL timeout');
      for (let i = 0; i < 3; i++) {
        assert.ok(receipts.flags(i) & kqueue.EV_ERROR, `receipt ${i} has the EV_ERROR bit`);
        assert.equal(receipts.ident(i), i === 2 ? b : a);
        assert.equal(receipts.filter(i), changes.filter(i));
      }
      assert.deepEqual([receipts.data(0), receipts.data(1), receipts.data(2)], [0, ENOENT, ENOENT]);
      // The pending readability was not consumed by the call that only changed the set.
      const events = new kqueue.KeventArray(kqueue.layout, 4);
      assert.equal(kqueue.kevent(kq, null, 0, events, 4, 1000), 1);
      assert.equal(events.ident(0), a);
      assert.equal(events.filter(0), kqueue.EVFILT_READ);
      assert.equal(events.data(0) >= 0, true);
    } finally {
      close(kq);
      close(a);
      close(b);
    }
  },
);

test(
  'a changelist error becomes an OsError naming kevent, the errno and the filter',
  { skip },
  withPair((sel, a) => {
    sel.register(a, Interest.Readable, 'a');
    close(a); // behind the selector's back: its filters go with it
    assert.throws(
      () => sel.modify(a, Interest.Readable | Interest.Writable, 'rw'),
      (err: unknown) =>
        err instanceof OsError &&
        err.syscall === 'kevent' &&
        err.errno === EBADF &&
        /EVFILT_(READ|WRITE) EV_ADD/.test(err.message),
    );
    assert.equal(sel.get(a)?.interest, Interest.Readable, 'a failed modify keeps the old interest');
    sel.unregister(a); // ENOENT/EBADF from EV_DELETE are tolerated
    assert.equal(sel.get(a), undefined);
  }),
);

test(
  'EV_CLEAR (Interest.Edge): reported once per change, not while the state persists',
  { skip },
  withPair((sel, a, b) => {
    sel.register(a, Interest.Readable | Interest.Edge, 'a');
    write(b, Buffer.from('one'));
    assert.equal(sel.select(1000).length, 1);
    assert.equal(sel.select(0).length, 0, 'still readable, but no new edge');
    write(b, Buffer.from('two'));
    assert.equal(sel.select(1000).length, 1, 'new data is a new edge');
  }),
);

test(
  'EV_ONESHOT: the filter is gone after it fires; modify re-adds it; unregister still works',
  { skip },
  withPair((sel, a, b) => {
    sel.register(a, Interest.Readable | Interest.OneShot, 'a');
    write(b, Buffer.from('x'));
    assert.equal(sel.select(1000).length, 1);
    assert.equal(sel.select(0).length, 0, 'fired: silent although still readable');
    sel.modify(a, Interest.Readable | Interest.OneShot, 'a2');
    const evs = sel.select(1000);
    assert.equal(evs.length, 1);
    assert.equal(evs[0]?.token, 'a2');
    sel.modify(a, Interest.Readable, 'level'); // mode change after a fired one-shot: DELETE → ENOENT, tolerated
    assert.equal(sel.select(1000).length, 1);
    assert.equal(sel.select(0).length, 1, 'level-triggered again');
    sel.modify(a, Interest.Readable | Interest.OneShot, 'once');
    assert.equal(sel.select(1000).length, 1);
    sel.unregister(a); // the fired filter answers ENOENT: tolerated
  }),
);

test(
  'EV_EOF: a peer close is Readable | Hangup',
  { skip },
  withPair((sel, a, b) => {
    sel.register(a, Interest.Readable, 'a');
    close(b);
    const evs = sel.select(1000);
    assert.equal(evs.length, 1);
    assert.equal((evs[0]?.ready ?? 0) & (Ready.Readable | Ready.Hangup), Ready.Readable | Ready.Hangup);
    assert.equal(read(a, Buffer.alloc(4)), 0);
  }),
);

test(
  'modify adds and deletes filters as the interest changes',
  { skip },
  withPair((sel, a, b) => {
    sel.register(a, Interest.Writable, 'w');
    assert.equal(sel.select(1000)[0]?.ready, Ready.Writable);
    write(b, Buffer.from('r'));
    sel.modify(a, Interest.Readable, 'r');
    const evs = sel.select(1000);
    assert.equal(evs.length, 1);
    assert.equal(evs[0]?.ready, Ready.Readable, 'EVFILT_WRITE was deleted');
    sel.modify(a, Interest.Readable | Interest.Writable, 'rw');
    assert.equal(sel.select(1000)[0]?.ready, Ready.Readable | Ready.Writable);
  }),
);

test(
  'closed while registered: the filters vanish, and the reused number registers again',
  {
    skip:
      skip ||
      (kqueue.isKernel
        ? false
        : 'a userspace kqueue (libkqueue) cannot tell that a watched descriptor was closed and its number reused (its BUGS.md)'),
  },
  withPair((sel, a, b) => {
    sel.register(a, Interest.Readable, 'old');
    assert.throws(() => sel.register(a, Interest.Readable, 'dup'), { code: 'NBIO_ALREADY_REGISTERED' });
    close(a);
    const [c, d] = socketpair();
    try {
      assert.equal(c, a, 'the lowest free number is reused');
      sel.register(c, Interest.Readable, 'new');
      write(d, Buffer.from('hi'));
      const evs = sel.select(1000);
      assert.equal(evs.length, 1);
      assert.equal(evs[0]?.token, 'new');
    } finally {
      close(d);
    }
    void b;
  }),
);

test(
  'a kernel kqueue fd is readable while events are pending (what guest mode watches)',
  { skip: skip || (kqueue.isKernel ? false : 'a userspace kqueue fd is not pollable') },
  withPair((sel, a, b) => {
    const kqFd = sel.capabilities.pollableFd;
    assert.notEqual(kqFd, null);
    sel.register(a, Interest.Readable, 'a');
    const fds = new PollFdArray(1);
    fds.push(kqFd!, sys.POLLIN);
    assert.equal(poll(fds, 0), 0, 'nothing pending');
    write(b, Buffer.from('x'));
    assert.equal(poll(fds, 1000), 1, 'pending event makes the kqueue fd readable');
    assert.equal(sel.select(0).length, 1);
  }),
);

test('on Linux without NBIO_KQUEUE_LIBRARY the reason says how to run it', () => {
  if (process.platform !== 'linux' || kqueue.libraryPath !== null) return;
  assert.deepEqual(KqueueSelector.availability(), {
    available: false,
    reason:
      'kqueue is the macOS/BSD mechanism; this is Linux (set NBIO_KQUEUE_LIBRARY to a userspace kqueue library such as libkqueue to run it here)',
  });
});
