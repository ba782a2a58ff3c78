// epoll-specific behaviour: edge-triggered and one-shot modes, and the file-description pitfall.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { close, dup, read, write } from '../sys/fd.ts';
import { socketpair } from '../sys/socket.ts';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';
import { EpollSelector } from './epoll-selector.ts';
import { Interest, Ready } from './selector.ts';

const skip = EpollSelector.available ? false : 'epoll is Linux-only';

test('edge-triggered: reported once per change, not while the state persists', { skip }, () => {
  const before = fdSnapshot();
  const [a, b] = socketpair();
  const sel = new EpollSelector<string>();
  sel.register(a, Interest.Readable | Interest.Edge, 'a');
  write(b, Buffer.from('one'));
  assert.equal(sel.select(1000).length, 1);
  assert.equal(sel.select(0).length, 0, 'no new edge: not reported again though still readable');
  write(b, Buffer.from('two'));
  assert.equal(sel.select(1000).length, 1, 'new data is a new edge');
  sel.close();
  close(a);
  close(b);
  assert.deepEqual(fdsOpenedSince(before), []);
});

test('one-shot: reported once, then silent until modify re-arms it', { skip }, () => {
  const [a, b] = socketpair();
  const sel = new EpollSelector<string>();
  sel.register(a, Interest.Readable | Interest.OneShot, 'a');
  write(b, Buffer.from('x'));
  assert.equal(sel.select(1000).length, 1);
  assert.equal(sel.select(0).length, 0);
  sel.modify(a, Interest.Readable | Interest.OneShot, 'a2');
  const evs = sel.select(1000);
  assert.equal(evs.length, 1);
  assert.equal(evs[0]?.token, 'a2');
  sel.close();
  close(a);
  close(b);
});

test(
  'closed while registered: epoll drops it silently, and the number can be registered again',
  { skip },
  () => {
    const [a, b] = socketpair();
    const sel = new EpollSelector<string>();
    sel.register(a, Interest.Readable, 'old');
    close(a);
    // The next socket reuses the number; the stale entry is detected and replaced.
    const [c, d] = socketpair();
    assert.equal(c, a, 'the kernel reuses the lowest free number');
    sel.register(c, Interest.Readable, 'new');
    write(d, Buffer.from('hi'));
    const evs = sel.select(1000);
    assert.equal(evs.length, 1);
    assert.equal(evs[0]?.token, 'new');
    sel.close();
    for (const fd of [b, c, d]) close(fd);
  },
);

test('the dup() pitfall: a closed fd whose description lives on in a dup keeps reporting', { skip }, () => {
  // epoll registers the open file *description*. Closing the registered fd while a dup of it is
  // open leaves the registration alive, reported under the old (closed) fd number.
  const [a, b] = socketpair();
  const sel = new EpollSelector<string>();
  sel.register(a, Interest.Readable, 'a');
  const copy = dup(a);
  close(a);
  write(b, Buffer.from('ghost'));
  const evs = sel.select(1000);
  assert.equal(evs.length, 1, 'the event still arrives');
  assert.equal(evs[0]?.fd, a, '…under the number that is now closed');
  assert.ok((evs[0]?.ready ?? 0) & Ready.Readable);
  assert.equal(read(copy, Buffer.alloc(8)), 5);
  sel.unregister(a); // EBADF from epoll_ctl is tolerated: the bookkeeping is cleared
  sel.close();
  close(copy);
  close(b);
});
