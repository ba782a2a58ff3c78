// select-specific behaviour: the FD_SETSIZE limit is checked before the bitmap is touched.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sys } from '../sys/constants.ts';
import { close, dup, isOpen, write } from '../sys/fd.ts';
import { getNoFileLimit } from '../sys/rlimit.ts';
import { FdSet } from '../sys/select.ts';
import { socketpair } from '../sys/socket.ts';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';
import { SelectSelector } from './select-selector.ts';
import { Interest, Ready } from './selector.ts';

test('FdSet refuses fds outside 0..FD_SETSIZE-1 and leaves the bitmap untouched', () => {
  const set = new FdSet();
  assert.throws(() => set.add(sys.FD_SETSIZE), RangeError);
  assert.throws(() => set.add(-1), RangeError);
  assert.ok(set.bytes.every((b) => b === 0));
  set.add(0);
  set.add(1023);
  assert.equal(set.bytes[0], 1);
  assert.equal(set.bytes[127], 0x80);
  assert.ok(set.has(1023) && !set.has(1022));
});

test(
  'an fd >= 1024 is refused with NBIO_FD_TOO_LARGE before any bitmap is touched',
  { skip: getNoFileLimit().soft <= 1100 ? 'RLIMIT_NOFILE too low to open fd 1024' : false },
  () => {
    const before = fdSnapshot();
    const [a, b] = socketpair();
    const opened: number[] = [];
    let big = -1;
    try {
      // dup until the number passes FD_SETSIZE.
      while (big < sys.FD_SETSIZE) {
        big = dup(a);
        opened.push(big);
      }
      const sel = new SelectSelector<string>();
      try {
        assert.throws(
          () => sel.register(big, Interest.Readable, 'big'),
          (e: unknown) =>
            (e as { code?: string }).code === 'NBIO_FD_TOO_LARGE' &&
            /poll or epoll/.test((e as Error).message),
        );
        assert.equal(sel.stats().registered, 0);
        // The selector still works for small fds.
        sel.register(a, Interest.Readable, 'a');
        write(b, Buffer.from('1'));
        assert.equal(sel.select(1000)[0]?.token, 'a');
      } finally {
        sel.close();
      }
    } finally {
      for (const fd of opened) close(fd);
      close(a);
      close(b);
    }
    assert.deepEqual(fdsOpenedSince(before), []);
  },
);

test('select reports an fd closed while registered as Invalid instead of failing with EBADF', () => {
  const before = fdSnapshot();
  const [a, b] = socketpair();
  const sel = new SelectSelector<string>();
  sel.register(a, Interest.Readable, 'a');
  close(a);
  const evs = sel.select(0);
  assert.equal(evs.length, 1);
  assert.equal(evs[0]?.ready, Ready.Invalid);
  sel.unregister(a);
  assert.equal(sel.select(0).length, 0);
  sel.close();
  close(b);
  assert.ok(!isOpen(a));
  assert.deepEqual(fdsOpenedSince(before), []);
});
