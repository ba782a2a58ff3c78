// openLoopSelector and io_uring's run mode: an owner-mode loop on 'io_uring' opens its ring with
// DEFER_TASKRUN (completions only inside its own waits), so the selector reports no pollable fd
// and refuses guest mode; a guest loop's ring stays pollable. Echo through an owner-mode loop on
// such a ring is covered by every loop-config suite (src/net, src/async, test/integration).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { UringSelector } from '../completion/uring-selector.ts';
import { IoUring } from '../sys/io-uring.ts';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';
import { EventLoop } from './event-loop.ts';
import type { Watcher } from './io-watchers.ts';

const a = IoUring.availability();
const skip = a.available ? false : a.reason;
if (!a.available) console.log(`# io_uring selector tests skipped: ${a.reason}`);

describe('UringSelector and the run mode', { skip }, () => {
  let fdsBefore = fdSnapshot();
  before(() => {
    fdsBefore = fdSnapshot();
  });
  after(() => {
    assert.deepEqual(fdsOpenedSince(fdsBefore), [], 'every descriptor opened was closed');
  });

  test("selector 'io_uring', mode 'owner': the loop's ring defers completion work (no pollable fd)", (t) => {
    const probe = new UringSelector({ mode: 'owner' });
    const deferred = probe.completion.deferTaskrun;
    probe.close();
    if (!deferred) {
      t.skip('the kernel refused DEFER_TASKRUN (before Linux 6.1)');
      return;
    }
    const owner = new EventLoop({ selector: 'io_uring', mode: 'owner' });
    const guest = new EventLoop({ selector: 'io_uring' });
    try {
      assert.equal(owner.selector.capabilities.pollableFd, null);
      assert.equal(guest.mode, 'guest');
      assert.equal(typeof guest.selector.capabilities.pollableFd, 'number', 'a guest ring stays pollable');
    } finally {
      owner.close();
      guest.close();
    }
  });

  test('an owner-mode selector handed to a guest loop: NBIO_UNSUPPORTED, and it is closed', (t) => {
    const selector = new UringSelector<Watcher>({ mode: 'owner' });
    if (!selector.completion.deferTaskrun) {
      selector.close();
      t.skip('the kernel refused DEFER_TASKRUN (before Linux 6.1)');
      return;
    }
    assert.throws(() => new EventLoop({ selector, mode: 'guest' }), { code: 'NBIO_UNSUPPORTED' });
    assert.ok(selector.isClosed);
    // Without a mode the loop picks owner for it (no pollable fd) and runs.
    const loop = new EventLoop({ selector: new UringSelector<Watcher>({ mode: 'owner' }) });
    try {
      assert.equal(loop.mode, 'owner');
    } finally {
      loop.close();
    }
  });
});
