// The socket calls against the real kernel, on loopback with ephemeral ports (port 0) and on
// socketpairs: non-blocking from birth, connect/accept, names, would-block, datagrams, shutdown,
// and the errors callers must be able to tell apart (EPIPE without SIGPIPE, ECONNREFUSED,
// EADDRINUSE). Readiness is awaited with poll(2) from this layer, bounded in time.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';
import { sys } from './constants.ts';
import { OsError } from './errno.ts';
import { close, fcntl, isNonBlocking, isOpen, write } from './fd.ts';
import { PollFdArray, poll } from './poll.ts';
import type { Ipv4Address } from './sockaddr.ts';
import {
  accept,
  bind,
  connect,
  describe as describeAddress,
  getpeername,
  getSocketError,
  getsockname,
  listen,
  recv,
  recvfrom,
  send,
  sendto,
  shutdown,
  socket,
  socketpair,
  WOULD_BLOCK,
} from './socket.ts';

const LOOPBACK: Ipv4Address = { family: 'ipv4', address: '127.0.0.1', port: 0 };

/** Waits (poll(2), at most `timeoutMs`) until `fd` has any of `events`; returns revents. */
function waitFor(fd: number, events: number, timeoutMs = 2000): number {
  const fds = new PollFdArray(1);
  fds.push(fd, events);
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const left = Math.max(0, Math.ceil(deadline - performance.now()));
    if (poll(fds, left) > 0) return fds.revents(0);
    if (left === 0) throw new Error(`fd ${fd} did not become ready within ${timeoutMs} ms`);
  }
}

/** A port of the address a socket is bound to. */
function portOf(fd: number): number {
  const a = getsockname(fd);
  assert.ok(a !== null && a.family !== 'unix');
  return a.port;
}

function assertOsError(e: unknown, code: string, syscall: string): true {
  assert.ok(e instanceof OsError, `expected an OsError, got ${e}`);
  assert.equal(e.code, code);
  assert.equal(e.syscall, syscall);
  return true;
}

/** A listening TCP socket on 127.0.0.1, port chosen by the kernel. */
function listener(): number {
  const fd = socket(sys.AF_INET, 'stream');
  bind(fd, LOOPBACK);
  listen(fd, 16);
  return fd;
}

/** A connected TCP pair on loopback: [client, server side]. Both non-blocking. */
function tcpPair(): [number, number, number] {
  const lfd = listener();
  const client = socket(sys.AF_INET, 'stream');
  const state = connect(client, { ...LOOPBACK, port: portOf(lfd) });
  assert.ok(state === 'connected' || state === 'in-progress', state);
  waitFor(client, sys.POLLOUT);
  assert.equal(getSocketError(client), 0, 'SO_ERROR 0: connected');
  waitFor(lfd, sys.POLLIN);
  const server = accept(lfd);
  assert.ok(server >= 0);
  return [client, server, lfd];
}

describe('socket calls', () => {
  let fdsBefore = fdSnapshot();
  before(() => {
    fdsBefore = fdSnapshot();
  });
  after(() => {
    assert.deepEqual(fdsOpenedSince(fdsBefore), [], 'every descriptor opened was closed');
  });

  test('socket, socketpair and accept give non-blocking, close-on-exec descriptors', () => {
    const s = socket(sys.AF_INET, 'stream');
    const u = socket(sys.AF_INET, 'dgram');
    const [a, b] = socketpair();
    const [c, d] = socketpair('dgram');
    const [client, server, lfd] = tcpPair();
    for (const fd of [s, u, a, b, c, d, client, server, lfd]) {
      assert.ok(isNonBlocking(fd), `fd ${fd} is O_NONBLOCK`);
      assert.ok((fcntl(fd, sys.F_GETFD) & sys.FD_CLOEXEC) !== 0, `fd ${fd} is FD_CLOEXEC`);
      close(fd);
      assert.ok(!isOpen(fd));
    }
  });

  test('bind, listen, connect, accept on 127.0.0.1 port 0; names on both ends', () => {
    const lfd = listener();
    const port = portOf(lfd);
    assert.ok(port > 0, 'the kernel picked an ephemeral port');
    assert.equal(accept(lfd), WOULD_BLOCK, 'nobody is connecting yet');
    const client = socket(sys.AF_INET, 'stream');
    const state = connect(client, { ...LOOPBACK, port });
    assert.ok(state === 'connected' || state === 'in-progress');
    assert.ok(waitFor(client, sys.POLLOUT) & sys.POLLOUT);
    assert.equal(getSocketError(client), 0);
    waitFor(lfd, sys.POLLIN);
    const server = accept(lfd);
    assert.ok(server >= 0);

    const clientName = getsockname(client);
    assert.deepEqual(getpeername(client), { family: 'ipv4', address: '127.0.0.1', port });
    assert.deepEqual(getsockname(server), { family: 'ipv4', address: '127.0.0.1', port });
    assert.deepEqual(getpeername(server), clientName);
    assert.equal(describeAddress(getpeername(client)!), `127.0.0.1:${port}`);

    assert.throws(
      () => getpeername(lfd),
      (e) => assertOsError(e, 'ENOTCONN', 'getpeername'),
    );
    for (const fd of [client, server, lfd]) close(fd);
  });

  test('IPv6 loopback: connect to [::1] and read the names back', (t) => {
    const lfd = socket(sys.AF_INET6, 'stream');
    try {
      bind(lfd, { family: 'ipv6', address: '::1', port: 0 });
    } catch (e) {
      close(lfd);
      if (e instanceof OsError && (e.code === 'EADDRNOTAVAIL' || e.code === 'EAFNOSUPPORT')) {
        t.skip(`no IPv6 loopback here (${e.code})`);
        return;
      }
      throw e;
    }
    listen(lfd, 4);
    const port = portOf(lfd);
    const client = socket(sys.AF_INET6, 'stream');
    connect(client, { family: 'ipv6', address: '::1', port });
    waitFor(client, sys.POLLOUT);
    assert.equal(getSocketError(client), 0);
    assert.deepEqual(getpeername(client), { family: 'ipv6', address: '::1', port });
    assert.equal(describeAddress(getpeername(client)!), `[::1]:${port}`);
    waitFor(lfd, sys.POLLIN);
    const server = accept(lfd);
    assert.ok(server >= 0);
    for (const fd of [client, server, lfd]) close(fd);
  });

  test('send and recv: WOULD_BLOCK when empty or full, bytes in order otherwise', () => {
    const [a, b] = socketpair();
    const buf = Buffer.alloc(64);
    assert.equal(recv(a, buf), WOULD_BLOCK, 'nothing to read is not an error');
    assert.equal(send(b, Buffer.from('hello')), 5);
    waitFor(a, sys.POLLIN);
    assert.equal(recv(a, buf, 10, 3), 3, 'offset and length are honoured');
    assert.equal(buf.toString('latin1', 10, 13), 'hel');
    assert.equal(recv(a, buf), 2);
    assert.equal(buf.toString('latin1', 0, 2), 'lo');

    // Fill the send buffer: the kernel accepts less and less, then WOULD_BLOCK. Bounded.
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let sent = 0;
    let r = 0;
    for (let i = 0; i < 10_000 && r !== WOULD_BLOCK; i++) {
      r = send(b, chunk);
      if (r > 0) sent += r;
    }
    assert.equal(r, WOULD_BLOCK, 'a full socket buffer reports WOULD_BLOCK');
    assert.ok(sent > 0);
    close(a);
    close(b);
  });

  test('shutdown(write) gives the peer end-of-stream after the data, and the other way still works', () => {
    const [client, server, lfd] = tcpPair();
    assert.equal(send(client, Buffer.from('last words')), 10);
    shutdown(client, 'write');
    const buf = Buffer.alloc(64);
    let got = '';
    let n = -2;
    for (let i = 0; i < 100 && n !== 0; i++) {
      waitFor(server, sys.POLLIN);
      n = recv(server, buf);
      if (n > 0) got += buf.toString('latin1', 0, n);
    }
    assert.equal(got, 'last words');
    assert.equal(n, 0, 'recv returns 0: end of stream');
    assert.equal(recv(server, buf), 0, 'and keeps returning 0');
    // Half-close: the server can still answer.
    assert.equal(send(server, Buffer.from('ok')), 2);
    waitFor(client, sys.POLLIN);
    assert.equal(recv(client, buf), 2);
    assert.throws(
      () => send(client, Buffer.from('x')),
      (e) => assertOsError(e, 'EPIPE', 'send'),
    );
    for (const fd of [client, server, lfd]) close(fd);
  });

  test('send to a closed peer throws EPIPE and raises no SIGPIPE (MSG_NOSIGNAL)', async () => {
    // Node ignores SIGPIPE by default, which would hide a missing MSG_NOSIGNAL. A JS listener
    // installs a real handler, so a SIGPIPE becomes visible; write(2), which cannot pass
    // MSG_NOSIGNAL, is the control that proves the listener sees one.
    let signals = 0;
    const onPipe = (): void => {
      signals++;
    };
    process.on('SIGPIPE', onPipe);
    const [a, b] = socketpair();
    try {
      close(b);
      assert.throws(
        () => send(a, Buffer.from('x')),
        (e) => assertOsError(e, 'EPIPE', 'send'),
      );
      assert.throws(
        () => write(a, Buffer.from('x')),
        (e) => assertOsError(e, 'EPIPE', 'write'),
      );
      for (let i = 0; i < 1000 && signals === 0; i++) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setImmediate(r));
      assert.equal(signals, 1, 'exactly one SIGPIPE: from write(), none from send()');
    } finally {
      process.off('SIGPIPE', onPipe);
      close(a);
    }
  });

  test('connect to a port nobody listens on fails with ECONNREFUSED (at once or via SO_ERROR)', () => {
    // A bound but not listening socket holds the port, so no other process can take it.
    const holder = socket(sys.AF_INET, 'stream');
    bind(holder, LOOPBACK);
    const port = portOf(holder);
    const client = socket(sys.AF_INET, 'stream');
    let errno = 0;
    try {
      const state = connect(client, { ...LOOPBACK, port });
      assert.equal(state, 'in-progress', 'a refused connect never reports connected');
      const revents = waitFor(client, sys.POLLOUT);
      assert.ok(revents & (sys.POLLOUT | sys.POLLERR | sys.POLLHUP));
      errno = getSocketError(client);
      assert.equal(getSocketError(client), 0, 'reading SO_ERROR clears it');
      const err = new OsError('connect', errno);
      assert.equal(err.code, 'ECONNREFUSED');
    } catch (e) {
      if (errno !== 0) throw e;
      assertOsError(e, 'ECONNREFUSED', 'connect');
      assert.match(
        (e as Error).message,
        new RegExp(`127\\.0\\.0\\.1:${port}`),
        'the message names the address',
      );
    }
    close(client);
    close(holder);
  });

  test('Unix: a missing path is ENOENT, a bound path nobody listens on is ECONNREFUSED', () => {
    const path = join(tmpdir(), `nbio-socket-test-${process.pid}.sock`);
    const fd = socket(sys.AF_UNIX, 'stream');
    assert.throws(
      () => connect(fd, { family: 'unix', path }),
      (e) => assertOsError(e, 'ENOENT', 'connect'),
    );
    const bound = socket(sys.AF_UNIX, 'stream');
    bind(bound, { family: 'unix', path });
    try {
      assert.deepEqual(getsockname(bound), { family: 'unix', path });
      assert.throws(
        () => connect(fd, { family: 'unix', path }),
        (e) => assertOsError(e, 'ECONNREFUSED', 'connect') && (e as Error).message.includes(path),
      );
    } finally {
      close(bound);
      close(fd);
      rmSync(path, { force: true });
    }
  });

  test('bind to an address in use fails with EADDRINUSE', () => {
    const lfd = listener();
    const port = portOf(lfd);
    const other = socket(sys.AF_INET, 'stream');
    assert.throws(
      () => bind(other, { ...LOOPBACK, port }),
      (e) => assertOsError(e, 'EADDRINUSE', 'bind') && (e as Error).message.includes(`127.0.0.1:${port}`),
    );
    close(other);
    close(lfd);
  });

  test('UDP: sendto and recvfrom carry the peer address; WOULD_BLOCK when nothing waits', () => {
    const a = socket(sys.AF_INET, 'dgram');
    const b = socket(sys.AF_INET, 'dgram');
    bind(a, LOOPBACK);
    bind(b, LOOPBACK);
    const buf = Buffer.alloc(16);
    assert.equal(recvfrom(b, buf), WOULD_BLOCK);
    assert.equal(sendto(a, Buffer.from('datagram'), getsockname(b)!), 8);
    waitFor(b, sys.POLLIN);
    const d = recvfrom(b, buf);
    assert.notEqual(d, WOULD_BLOCK);
    assert.ok(typeof d === 'object');
    assert.equal(d.bytes, 8);
    assert.equal(buf.toString('latin1', 0, 8), 'datagram');
    assert.deepEqual(d.from, getsockname(a));
    // A datagram longer than the buffer is truncated, and the rest is gone (datagram semantics).
    sendto(a, Buffer.from('0123456789abcdefXYZ'), getsockname(b)!);
    waitFor(b, sys.POLLIN);
    const t = recvfrom(b, buf);
    assert.ok(typeof t === 'object' && t.bytes === 16);
    assert.equal(recvfrom(b, buf), WOULD_BLOCK);
    close(a);
    close(b);
  });

  test('calls on a closed descriptor throw OsError EBADF naming the call', () => {
    const [a, b] = socketpair();
    close(a);
    close(b);
    assert.throws(
      () => recv(a, Buffer.alloc(1)),
      (e) => assertOsError(e, 'EBADF', 'recv'),
    );
    assert.throws(
      () => send(a, Buffer.alloc(1)),
      (e) => assertOsError(e, 'EBADF', 'send'),
    );
    assert.throws(
      () => listen(a, 1),
      (e) => assertOsError(e, 'EBADF', 'listen'),
    );
    assert.throws(
      () => shutdown(a, 'both'),
      (e) => assertOsError(e, 'EBADF', 'shutdown'),
    );
    assert.throws(
      () => getSocketError(a),
      (e) => assertOsError(e, 'EBADF', 'getsockopt'),
    );
  });
});
