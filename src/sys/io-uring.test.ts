// io_uring against the real kernel, without liburing: NOP, RECV on a socketpair, multishot
// ACCEPT, a provided-buffer ring running dry (ENOBUFS), ASYNC_CANCEL (−ECANCELED) and a CQ that
// overflows without losing a completion. Skipped, with the reason printed, where io_uring_setup
// fails (another OS, sysctl kernel.io_uring_disabled, seccomp).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';
import { sys } from './constants.ts';
import { close } from './fd.ts';
import { CqeFlag, cqeBufferId, IoUring } from './io-uring.ts';
import { BufRing } from './io-uring-buf-ring.ts';
import { encodeSockaddr as encode } from './sockaddr.ts';
import { accept, bind, connect, getsockname, listen, send, socket, socketpair } from './socket.ts';

const ECANCELED_NEG = -125;
const ENOBUFS_NEG = -105;

interface Completion {
  userData: number;
  res: number;
  flags: number;
}

/** Reaps every completion waiting in the CQ ring. */
function collect(ring: IoUring): Completion[] {
  const out: Completion[] = [];
  ring.reap((userData, res, flags) => out.push({ userData, res, flags }));
  return out;
}

const a = IoUring.availability();
const skip = a.available ? false : a.reason;
if (!a.available) console.log(`# io_uring tests skipped: ${a.reason}`);

describe('io_uring (L0)', { skip }, () => {
  let fdsBefore = fdSnapshot();
  before(() => {
    fdsBefore = fdSnapshot();
  });
  after(() => {
    assert.deepEqual(fdsOpenedSince(fdsBefore), [], 'every descriptor opened was closed');
  });

  test('NOP: one enter submits and waits; the user data comes back', () => {
    const ring = IoUring.create(8);
    try {
      ring.nop(2 ** 40 + 7); // above 32 bits: both halves of user_data round-trip
      ring.nop(1);
      assert.equal(ring.pending, 2);
      assert.equal(ring.enter(2, 1000), 2);
      assert.deepEqual(collect(ring), [
        { userData: 2 ** 40 + 7, res: 0, flags: 0 },
        { userData: 1, res: 0, flags: 0 },
      ]);
      assert.equal(ring.cqReady, 0);
    } finally {
      ring.close();
    }
  });

  test('enter with a timeout returns with no completions when nothing happens', () => {
    const ring = IoUring.create(4);
    try {
      const [x, y] = socketpair();
      ring.recvSelect(x, 99, 5); // no such buffer group: completes with −ENOBUFS at once
      ring.enter(1, 50);
      const got = collect(ring);
      assert.equal(got.length, 1);
      assert.equal(got[0]?.res, ENOBUFS_NEG);
      const t0 = performance.now();
      ring.enter(1, 20);
      assert.ok(performance.now() - t0 >= 15, 'waited about the timeout');
      assert.equal(ring.cqReady, 0);
      close(x);
      close(y);
    } finally {
      ring.close();
    }
  });

  test('RECV on a socketpair: the kernel reads into mapped memory', () => {
    const ring = IoUring.create(8);
    const bufs = new BufRing(ring, 1, 4, 256);
    const [x, y] = socketpair();
    try {
      ring.recvSelect(x, 1, 10, false);
      ring.submit();
      assert.equal(ring.cqReady, 0, 'nothing to read yet: the recv waits in the kernel');
      send(y, Buffer.from('hello ring'));
      ring.enter(1, 1000);
      const [c] = collect(ring);
      assert.ok(c !== undefined);
      assert.equal(c.userData, 10);
      assert.equal(c.res, 10);
      assert.ok(c.flags & CqeFlag.BUFFER);
      assert.equal(Buffer.from(bufs.view(cqeBufferId(c.flags), c.res)).toString(), 'hello ring');
    } finally {
      close(x);
      close(y);
      bufs.close();
      ring.close();
    }
  });

  test('BufRing.copyOut: an owned copy of any length, word-wise or byte-wise, at any pool offset', () => {
    const ring = IoUring.create(8);
    const bufs = new BufRing(ring, 2, 4, 256);
    try {
      for (let bid = 0; bid < 4; bid++) {
        const v = bufs.view(bid, 256);
        for (let i = 0; i < 256; i++) v[i] = (bid * 31 + i * 7) & 0xff;
      }
      for (const len of [1, 2, 3, 4, 5, 7, 8, 63, 64, 65, 127, 128, 129, 256]) {
        for (let bid = 0; bid < 4; bid++) {
          Buffer.allocUnsafe(len % 5); // move Buffer's pool offset between copies
          const out = bufs.copyOut(bid, len);
          const want = Buffer.from(bufs.view(bid, len));
          assert.equal(out.length, len);
          assert.deepEqual(out, want, `buffer ${bid}, ${len} bytes`);
          bufs.view(bid, 1)[0] = 0xaa ^ (want[0] as number); // the copy does not follow the ring
          assert.equal(out[0], want[0]);
          bufs.view(bid, 1)[0] = want[0] as number;
        }
      }
    } finally {
      bufs.close();
      ring.close();
    }
  });

  test('multishot ACCEPT: one SQE, one CQE per connection, CQE_F_MORE while armed', () => {
    const ring = IoUring.create(8);
    const lfd = socket(sys.AF_INET, 'stream');
    bind(lfd, { family: 'ipv4', address: '127.0.0.1', port: 0 });
    listen(lfd, 16);
    const addr = getsockname(lfd);
    assert.ok(addr !== null);
    const clients: number[] = [];
    const accepted: number[] = [];
    try {
      ring.accept(lfd, sys.SOCK_NONBLOCK | sys.SOCK_CLOEXEC, 77, true);
      ring.submit();
      for (let i = 0; i < 3; i++) {
        const c = socket(sys.AF_INET, 'stream');
        clients.push(c);
        connect(c, addr);
      }
      while (accepted.length < 3) {
        ring.enter(1, 1000);
        for (const c of collect(ring)) {
          assert.equal(c.userData, 77);
          assert.ok(c.res >= 0, `accept res ${c.res}`);
          assert.ok(c.flags & CqeFlag.MORE, 'still armed');
          accepted.push(c.res);
        }
      }
      ring.cancel(77, 78);
      ring.enter(2, 1000);
      const ends = collect(ring);
      const end = ends.find((c) => c.userData === 77);
      assert.equal(end?.res, ECANCELED_NEG, 'the cancelled multishot ends with −ECANCELED');
      assert.equal((end?.flags ?? 0) & CqeFlag.MORE, 0, 'and without CQE_F_MORE');
      assert.equal(ends.find((c) => c.userData === 78)?.res, 0);
    } finally {
      for (const fd of [...clients, ...accepted, lfd]) close(fd);
      ring.close();
    }
  });

  test('multishot RECV with a buffer ring: a burst larger than the ring ends with ENOBUFS, recycling resumes', () => {
    const ring = IoUring.create(8);
    const bufs = new BufRing(ring, 3, 2, 4);
    const [x, y] = socketpair();
    try {
      ring.recvSelect(x, 3, 20, true);
      ring.submit();
      send(y, Buffer.from('abcdefghijkl')); // 12 bytes, 2 buffers of 4
      ring.enter(1, 1000);
      let got = collect(ring);
      for (let i = 0; i < 10 && !got.some((c) => c.res === ENOBUFS_NEG); i++) {
        ring.enter(1, 100);
        got = got.concat(collect(ring));
      }
      const data = got.filter((c) => c.res > 0);
      assert.equal(data.length, 2, 'both buffers were filled');
      assert.equal(
        data.map((c) => Buffer.from(bufs.view(cqeBufferId(c.flags), c.res)).toString()).join(''),
        'abcdefgh',
      );
      const last = got[got.length - 1];
      assert.equal(last?.res, ENOBUFS_NEG, 'the ring ran dry');
      assert.equal((last?.flags ?? 0) & CqeFlag.MORE, 0, 'which ends the multishot');
      bufs.recycleMany(data.map((c) => cqeBufferId(c.flags)));
      ring.recvSelect(x, 3, 21, true);
      ring.enter(1, 1000);
      const more = collect(ring);
      assert.equal(more[0]?.userData, 21);
      assert.equal(
        Buffer.from(bufs.view(cqeBufferId(more[0]?.flags ?? 0), more[0]?.res ?? 0)).toString(),
        'ijkl',
      );
      ring.cancelFd(x, 22);
      ring.enter(2, 1000);
      assert.ok(collect(ring).some((c) => c.userData === 21 && c.res === ECANCELED_NEG));
    } finally {
      close(x);
      close(y);
      bufs.close();
      ring.close();
    }
  });

  test('ASYNC_CANCEL of a pending recv: the recv ends with −ECANCELED, the cancel with 0', () => {
    const ring = IoUring.create(8);
    const bufs = new BufRing(ring, 4, 2, 64);
    const [x, y] = socketpair();
    try {
      ring.recvSelect(x, 4, 30, false);
      ring.submit();
      ring.cancel(30, 31);
      ring.enter(2, 1000);
      const got = collect(ring).sort((p, q) => p.userData - q.userData);
      assert.deepEqual(
        got.map((c) => [c.userData, c.res]),
        [
          [30, ECANCELED_NEG],
          [31, 0],
        ],
      );
      ring.cancel(12345, 32);
      ring.enter(1, 1000);
      assert.equal(collect(ring)[0]?.res, -2, 'cancelling nothing: −ENOENT');
    } finally {
      close(x);
      close(y);
      bufs.close();
      ring.close();
    }
  });

  test('CQ overflow: more completions than the CQ holds are kept by the kernel and all arrive', () => {
    const ring = IoUring.create(4, { cqEntries: 4 });
    try {
      assert.equal(ring.cqEntries, 4);
      const total = 20;
      const seen: number[] = [];
      for (let i = 0; i < total; i++) {
        ring.nop(i);
        if (ring.pending === 4) ring.submit(); // never reaping: the CQ fills, then overflows
      }
      ring.submit();
      assert.ok(ring.cqOverflowPending, 'IORING_SQ_CQ_OVERFLOW is set');
      for (let round = 0; round < 20 && seen.length < total; round++) {
        for (const c of collect(ring)) seen.push(c.userData);
        ring.enter(0, 0, true); // GETEVENTS flushes the backlog into the emptied CQ
      }
      assert.deepEqual(seen, [...Array(total).keys()], 'every completion, in order');
      assert.equal(ring.cqOverflowPending, false);
    } finally {
      ring.close();
    }
  });

  test('CONNECT and CLOSE as operations', () => {
    const ring = IoUring.create(8);
    const lfd = socket(sys.AF_INET, 'stream');
    bind(lfd, { family: 'ipv4', address: '127.0.0.1', port: 0 });
    listen(lfd, 4);
    const addr = getsockname(lfd);
    assert.ok(addr !== null);
    const c = socket(sys.AF_INET, 'stream');
    try {
      ring.connect(c, encode(addr), 40);
      ring.enter(1, 1000);
      assert.equal(collect(ring)[0]?.res, 0, 'connected');
      const s = accept(lfd);
      ring.closeFile(s, 41);
      ring.enter(1, 1000);
      assert.equal(collect(ring)[0]?.res, 0, 'the kernel closed the accepted fd');
    } finally {
      close(c);
      close(lfd);
      ring.close();
    }
  });
});
