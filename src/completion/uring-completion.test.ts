// The io_uring completion queue on real sockets: multishot receive into the buffer ring, sends
// from the arena, one enter per wait, callbacks only in runCompleted (a throwing one is
// reported, the rest still run), ENOBUFS counted, cancel, and close with operations in flight.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { close } from '../sys/fd.ts';
import { IoUring } from '../sys/io-uring.ts';
import { send, socketpair } from '../sys/socket.ts';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';
import { RECV_BUFFER_SIZE, RECV_BUFFERS, UringCompletion } from './uring-completion.ts';

const a = IoUring.availability();
const skip = a.available ? false : a.reason;
if (!a.available) console.log(`# io_uring completion tests skipped: ${a.reason}`);

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const noErrors = { report: (e: unknown) => assert.fail(`unexpected callback error: ${String(e)}`) };

describe('UringCompletion', { skip }, () => {
  let fdsBefore = fdSnapshot();
  before(() => {
    fdsBefore = fdSnapshot();
  });
  after(() => {
    assert.deepEqual(fdsOpenedSince(fdsBefore), [], 'every descriptor opened was closed');
  });

  test('recv (multishot) and send: callbacks run in runCompleted, not while submitting', () => {
    const q = new UringCompletion();
    q.autoFlush = false;
    const [x, y] = socketpair();
    try {
      const got: string[] = [];
      let more = true;
      q.recv(x, (res, data, m) => {
        if (res > 0 && data !== null) got.push(Buffer.from(data).toString());
        more = m;
      });
      let sent = -1;
      q.send(y, [Buffer.from('one '), Buffer.from('two')], 0, (res) => {
        sent = res;
      });
      assert.equal(sent, -1);
      const enters = q.stats().enters;
      for (let i = 0; i < 10 && (got.join('') !== 'one two' || sent < 0); i++) {
        q.wait(1000);
        q.runCompleted(noErrors);
      }
      assert.equal(sent, 7, 'both chunks gathered into one SEND');
      assert.equal(got.join(''), 'one two');
      assert.ok(more, 'the multishot recv stays armed');
      assert.ok(q.stats().enters - enters <= 3, 'one enter per wait');
      assert.equal(q.stats().sendChunksInUse, 0, 'the send chunk came back');
    } finally {
      q.close();
      close(x);
      close(y);
    }
  });

  test('a throwing callback is reported and the others still run', () => {
    const q = new UringCompletion();
    q.autoFlush = false;
    try {
      const ran: number[] = [];
      const errors: unknown[] = [];
      q.timeout(0, () => {
        ran.push(1);
        throw new Error('boom');
      });
      q.timeout(0, () => ran.push(2));
      for (let i = 0; i < 10 && ran.length < 2; i++) {
        q.wait(1000);
        q.runCompleted({ report: (e) => errors.push(e) });
      }
      assert.deepEqual(ran.sort(), [1, 2]);
      assert.equal(errors.length, 1);
    } finally {
      q.close();
    }
  });

  test('a burst larger than the buffer ring: ENOBUFS ends the recv, a new one gets the rest', () => {
    const q = new UringCompletion();
    q.autoFlush = false;
    const [x, y] = socketpair();
    try {
      let received = 0;
      let ended = false;
      let lastRes = 0;
      const onRecv = (res: number, _data: Uint8Array | null, more: boolean) => {
        if (res > 0) received += res;
        if (!more) {
          ended = true;
          lastRes = res;
        }
      };
      q.recv(x, onRecv);
      q.wait(0);
      // More than the ring holds, written before the loop runs its callbacks (which recycle).
      const total = (RECV_BUFFERS + 16) * RECV_BUFFER_SIZE;
      const chunk = Buffer.alloc(RECV_BUFFER_SIZE, 1);
      let written = 0;
      for (let i = 0; i < 100_000 && written < total; i++) {
        q.wait(0); // completions pile up unconsumed: the kernel takes buffer after buffer
        const n = send(y, chunk);
        if (n > 0) written += n;
      }
      for (let i = 0; i < 50 && !ended; i++) q.wait(10);
      q.runCompleted(noErrors);
      assert.ok(ended, 'the multishot recv ended');
      assert.equal(lastRes, -105, 'with −ENOBUFS');
      assert.equal(q.stats().bufferExhaustions, 1);
      q.recv(x, onRecv);
      for (let i = 0; i < 200 && received < written; i++) {
        q.wait(100);
        q.runCompleted(noErrors);
        if (ended && received < written) {
          ended = false;
          q.recv(x, onRecv); // exhausted again: receive again, as a transport does
        }
      }
      assert.equal(received, written, 'every byte arrived, in buffers recycled after each callback');
    } finally {
      q.close();
      close(x);
      close(y);
    }
  });

  test('cancel ends a recv with −ECANCELED; close() with operations in flight closes nothing twice', () => {
    const q = new UringCompletion();
    q.autoFlush = false;
    const [x, y] = socketpair();
    let res = 0;
    let more = true;
    const id = q.recv(x, (r, _d, m) => {
      res = r;
      more = m;
    });
    q.wait(0);
    q.cancel(id);
    for (let i = 0; i < 10 && more; i++) {
      q.wait(100);
      q.runCompleted(noErrors);
    }
    assert.equal(res, -125);
    assert.equal(more, false);
    q.recv(x, () => {}); // still in flight when the queue closes
    q.send(y, [Buffer.alloc(10)], 0, () => {});
    q.wait(0);
    q.close();
    q.close();
    close(x);
    close(y);
  });

  test("mode 'owner': a DEFER_TASKRUN ring; a zero-timeout wait enters for the work the kernel flagged", (t) => {
    const q = new UringCompletion({ mode: 'owner' });
    const [x, y] = socketpair();
    try {
      if (!q.deferTaskrun) {
        t.skip('the kernel refused DEFER_TASKRUN (before Linux 6.1)');
        return;
      }
      assert.throws(
        () => {
          q.autoFlush = true;
        },
        { code: 'NBIO_UNSUPPORTED' },
        'libuv would never see this ring readable: no guest-mode flush',
      );
      q.autoFlush = false;
      const got: string[] = [];
      q.recv(x, (res, data) => {
        if (res > 0 && data !== null) got.push(Buffer.from(data).toString());
      });
      q.wait(0); // submits the receive: nothing there yet, it waits on the socket
      assert.equal(send(y, Buffer.from('hi')), 2);
      // The arrival queued the receive's work on the ring (IORING_SQ_TASKRUN), not a CQE: only
      // this wait's io_uring_enter(GETEVENTS) runs it. Nothing is pending to submit.
      const enters = q.stats().enters;
      q.wait(0);
      q.runCompleted(noErrors);
      assert.deepEqual(got, ['hi'], 'one zero-timeout wait delivered it');
      assert.equal(q.stats().enters - enters, 1);
      q.wait(0);
      assert.equal(q.stats().enters - enters, 1, 'no flagged work, nothing to submit: no enter');
    } finally {
      q.close();
      close(x);
      close(y);
    }
  });
  test("an operation's owner is not kept once its last completion ran (its slot is free)", async () => {
    const q = new UringCompletion();
    q.autoFlush = false;
    const [x, y] = socketpair();
    try {
      let sent = -1;
      // The owner is made and dropped in a function of its own: only the queue could keep it.
      const owned = ((): WeakRef<object> => {
        const owner = { label: 'a transport' };
        q.send(
          y,
          [Buffer.from('bytes')],
          0,
          (res) => {
            sent = res;
          },
          owner,
        );
        return new WeakRef(owner);
      })();
      for (let i = 0; i < 10 && sent < 0; i++) {
        q.wait(1000);
        q.runCompleted(noErrors);
      }
      assert.equal(sent, 5);
      await new Promise(setImmediate); // a WeakRef's target is kept until the job that made it ends
      gc();
      assert.equal(owned.deref(), undefined, 'the released slot let its owner go');
    } finally {
      q.close();
      close(x);
      close(y);
    }
  });
});
