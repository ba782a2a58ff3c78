// Issue 9, defect 9: selector modify. A failed modify leaves the registration exactly as it was
// (token too, not only the interest), on every backend whose modify reaches the kernel; on
// kqueue, modify changes only what changed, so a live level-triggered filter is never re-added
// (libkqueue answers that EV_ADD on a socket with −1 and a stale errno: "kevent() failed:
// EINPROGRESS (fd 35, EVFILT_WRITE EV_ADD)"), and a failed connect's errno survives a kqueue
// that read SO_ERROR itself. Run the kqueue part on Linux with NBIO_KQUEUE_LIBRARY set to a
// libkqueue build (docs/backends/kqueue.md).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSelector } from '../../src/selector/default-selector.ts';
import { KqueueSelector } from '../../src/selector/kqueue-selector.ts';
import { Interest, type SelectorName } from '../../src/selector/selector.ts';
import { close, write } from '../../src/sys/fd.ts';
import { socketpair } from '../../src/sys/socket.ts';
import { fdSnapshot, fdsOpenedSince } from '../../src/testing/fd-count.ts';

const kq = KqueueSelector.availability();
const kqueueSkip = kq.available ? false : kq.reason;

/** Backends whose modify() talks to the kernel, and so can fail there. */
const KERNEL_MODIFY: readonly SelectorName[] = ['epoll', 'kqueue'];

for (const name of KERNEL_MODIFY) {
  const skip = name === 'kqueue' ? kqueueSkip : process.platform === 'linux' ? false : 'epoll is Linux only';
  test(`${name}: a modify the kernel refuses leaves interest AND token as they were`, { skip }, () => {
    const before = fdSnapshot();
    const sel = createSelector<string>(name);
    const [a, b] = socketpair();
    try {
      sel.register(a, Interest.Readable, 'old');
      // Closing a makes the kernel refuse the change (EBADF), while the registration map
      // still holds it.
      close(a);
      assert.throws(() => sel.modify(a, Interest.Writable, 'new'), { code: /^E/ });
      assert.equal(sel.get(a)?.interest, Interest.Readable);
      assert.equal(sel.get(a)?.token, 'old', 'the token is restored too');
      sel.unregister(a);
    } finally {
      sel.close();
      close(b);
    }
    assert.deepEqual(fdsOpenedSince(before), [], 'every descriptor opened was closed');
  });
}

test(
  'kqueue: modify changes only what changed; a live level filter is not re-added',
  { skip: kqueueSkip },
  () => {
    const before = fdSnapshot();
    const sel = new KqueueSelector<string>();
    const [a, b] = socketpair();
    try {
      sel.register(a, Interest.Readable, 'r');
      for (let i = 0; i < 50; i++) {
        // Readable stays live throughout: only Writable is added and dropped, and the token moves.
        sel.modify(a, Interest.Readable | Interest.Writable, `rw${i}`);
        const evs = sel.select(0);
        assert.equal(evs.length, 1);
        assert.equal(evs[0]?.token, `rw${i}`);
        sel.modify(a, Interest.Readable, `r${i}`);
        sel.modify(a, Interest.Readable, `r${i}b`); // the token alone
      }
      assert.equal(sel.select(0).length, 0, 'Readable is still armed, nothing to read');
      write(b, Buffer.from('x'));
      const evs = sel.select(1000);
      assert.equal(evs.length, 1);
      assert.equal(evs[0]?.token, 'r49b');
      // Switching the trigger mode deletes and re-adds; a one-shot re-arms on every modify.
      sel.modify(a, Interest.Readable | Interest.OneShot, 'once');
      assert.equal(sel.select(1000).length, 1);
      assert.equal(sel.select(0).length, 0, 'a fired one-shot stays quiet');
      sel.modify(a, Interest.Readable | Interest.OneShot, 'again');
      assert.equal(sel.select(1000)[0]?.token, 'again');
      sel.unregister(a);
    } finally {
      sel.close();
      close(a);
      close(b);
    }
    assert.deepEqual(fdsOpenedSince(before), [], 'every descriptor opened was closed');
  },
);
