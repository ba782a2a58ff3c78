// openLoopSelector and io_uring's run modes: selector 'io_uring' opens the same pollable ring in
// both modes; a ring for an owner-mode loop only (new UringSelector({ mode: 'owner' }):
// DEFER_TASKRUN, completions only inside the loop's own waits) reports no pollable fd, so it
// refuses guest mode and a loop without a mode runs it in owner mode. Echo on such a ring:
// src/net/uring-transport-defer.test.ts.
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

  test("selector 'io_uring' opens a pollable ring in either mode; DEFER_TASKRUN is asked for explicitly", (t) => {
    for (const mode of ['guest', 'owner'] as const) {
      const loop = new EventLoop({ selector: 'io_uring', mode });
      try {
        assert.equal(
          typeof loop.selector.capabilities.pollableFd,
          'number',
          `${mode}: the guest flags' ring`,
        );
      } finally {
        loop.close();
      }
    }
    const selector = new UringSelector<Watcher>({ mode: 'owner' });
    if (!selector.completion.deferTaskrun) {
      selector.close();
      t.skip('the kernel refused DEFER_TASKRUN (before Linux 6.1)');
      return;
    }
    const owner = new EventLoop({ selector, mode: 'owner' });
    try {
      assert.equal(owner.selector.capabilities.pollableFd, null, 'a DEFER_TASKRUN ring: no pollable fd');
    } finally {
      owner.close();
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
