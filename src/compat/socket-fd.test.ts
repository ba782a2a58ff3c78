// new Socket({ fd }) on compat sockets, as net's: Node's errors for a bad fd (in Node's order),
// a connected stream socket (here a socketpair's ends) wrapped open at once — no 'connect' —
// made non-blocking, readable/writable as asked, bytes both ways through nbio's transports, and
// the descriptor closed exactly once when the socket is destroyed. On every loop.
import assert from 'node:assert/strict';
import { closeSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sys } from '../sys/constants.ts';
import { close, isNonBlocking, setNonBlocking, WOULD_BLOCK } from '../sys/fd.ts';
import { accept, bind, connect, getsockname, listen, socket, socketpair } from '../sys/socket.ts';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';
import { Socket } from './socket.ts';
import { checkWrapFd, guessFdType } from './socket-fd.ts';
import { describeWithFdCheck, loopCases, nextEvent, onLoop } from './test-support.ts';

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return `${(err as Error).name} ${(err as { code?: string }).code}: ${(err as Error).message}`;
  }
  return undefined;
};

test("a bad fd throws net's errors, and nothing is opened or closed", () => {
  const before = fdSnapshot();
  assert.equal(
    code(() => new Socket({ fd: -1 })),
    'RangeError ERR_OUT_OF_RANGE: The value of "fd" is out of range. It must be >= 0 && <= 2147483647. Received -1',
  );
  assert.equal(
    code(() => new Socket({ fd: 'foo' as unknown as number })),
    'TypeError ERR_INVALID_ARG_TYPE: The "fd" argument must be of type number. Received type string (\'foo\')',
  );
  assert.match(code(() => new Socket({ fd: 1.5 })) ?? '', /ERR_OUT_OF_RANGE.*must be an integer/);
  const [a, b] = socketpair();
  close(a);
  close(b);
  assert.equal(
    code(() => new Socket(a)),
    'TypeError ERR_INVALID_FD_TYPE: Unsupported fd type: UNKNOWN',
  );
  const file = openSync(join(tmpdir(), `nbio-socket-fd-${process.pid}`), 'w');
  try {
    assert.equal(
      code(() => new Socket({ fd: file })),
      'TypeError ERR_INVALID_FD_TYPE: Unsupported fd type: FILE',
    );
  } finally {
    closeSync(file);
  }
  const udp = socket(sys.AF_INET, 'dgram');
  try {
    assert.equal(guessFdType(udp).type, 'UDP');
    assert.equal(
      code(() => checkWrapFd(udp)),
      'TypeError ERR_INVALID_FD_TYPE: Unsupported fd type: UDP',
    );
  } finally {
    close(udp);
  }
  assert.deepEqual(fdsOpenedSince(before), []);
});

/** A connected loopback TCP pair made with nbio's system calls: [accepted, client]. */
async function tcpPair(): Promise<[number, number]> {
  const listener = socket(sys.AF_INET, 'stream');
  try {
    bind(listener, { family: 'ipv4', address: '127.0.0.1', port: 0 });
    listen(listener, 1);
    const client = socket(sys.AF_INET, 'stream');
    connect(client, getsockname(listener)!);
    for (let i = 0; i < 500; i++) {
      const fd = accept(listener);
      if (fd !== WOULD_BLOCK) return [fd, client];
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    close(client);
    throw new Error('the loopback connection was not accepted within 1 s');
  } finally {
    close(listener);
  }
}

test("new Socket(fd): net's shorthand for { fd }, on the default loop", async () => {
  const [a, b] = socketpair();
  const s = new Socket(a);
  assert.equal(s.readyState, 'open');
  const closed = new Promise((resolve) => s.once('close', resolve));
  s.destroy();
  await closed;
  assert.throws(() => close(a), { code: 'EBADF' }, 'the socket closed its descriptor');
  close(b);
});

for (const c of loopCases()) {
  describeWithFdCheck(`compat Socket over an fd (${c.name})`, () => {
    test("a socketpair wrapped at both ends: open at once (no 'connect'), non-blocking, bytes both ways, closed on destroy", () =>
      onLoop(c, async (loop) => {
        const [a, b] = socketpair();
        setNonBlocking(a, false);
        const left = new Socket({ loop, fd: a });
        const right = new Socket({ loop, fd: b, readable: true, writable: true });
        assert.equal(isNonBlocking(a), true, 'O_NONBLOCK set');
        for (const s of [left, right]) {
          assert.equal(s.connecting, false);
          assert.equal(s.readyState, 'open');
          assert.equal(s.readable, true);
          assert.equal(s.writable, true);
          assert.equal(s._handle?.fd, s === left ? a : b);
          s.on('connect', () => assert.fail("no 'connect' for a wrapped fd"));
        }
        right.setEncoding('utf8');
        let atRight = '';
        right.on('data', (d: string) => {
          atRight += d;
          if (atRight === 'ping') right.end('pong');
        });
        left.setEncoding('utf8');
        let atLeft = '';
        left.on('data', (d: string) => (atLeft += d));
        const leftClosed = nextEvent(loop, left, 'close');
        const rightClosed = nextEvent(loop, right, 'close');
        left.write('ping');
        await nextEvent(loop, left, 'end');
        left.end();
        const [[leftHadError], [rightHadError]] = await Promise.all([leftClosed, rightClosed]);
        assert.equal(atLeft, 'pong');
        assert.equal(leftHadError, false);
        assert.equal(rightHadError, false);
        assert.equal(left.transport?.stats().bytesWritten, 4, 'nbio carried the bytes');
        assert.throws(() => close(a), { code: 'EBADF' }, 'closed by the socket');
        assert.throws(() => close(b), { code: 'EBADF' }, 'closed by the socket');
      }));

    test('an accepted TCP descriptor and its client: addresses as net reports them, bytes both ways', () =>
      onLoop(c, async (loop) => {
        const [accepted, client] = await tcpPair();
        const server = new Socket({ loop, fd: accepted });
        const peer = new Socket({ loop, fd: client });
        assert.equal(server.remoteAddress, '127.0.0.1');
        assert.equal(server.remotePort, peer.localPort);
        assert.equal(peer.remotePort, server.localPort);
        assert.equal(server.remoteFamily, 'IPv4');
        server.pipe(server); // echo
        peer.setEncoding('utf8');
        let got = '';
        peer.on('data', (d: string) => (got += d));
        const closed = [nextEvent(loop, server, 'close'), nextEvent(loop, peer, 'close')];
        peer.end('over TCP');
        await Promise.all(closed);
        assert.equal(got, 'over TCP');
        assert.throws(() => close(accepted), { code: 'EBADF' });
        assert.throws(() => close(client), { code: 'EBADF' });
      }));

    test('readable: false reads nothing, writable: false cannot write; destroyed at once, the fd is closed once', () =>
      onLoop(c, async (loop) => {
        const [a, b] = socketpair();
        const writeOnly = new Socket({ loop, fd: a, readable: false });
        const readOnly = new Socket({ loop, fd: b, writable: false });
        assert.equal(writeOnly.readable, false);
        assert.equal(writeOnly.writable, true);
        assert.equal(writeOnly.readyState, 'writeOnly');
        assert.equal(readOnly.readable, true);
        assert.equal(readOnly.writable, false);
        readOnly.setEncoding('utf8');
        let got = '';
        readOnly.on('data', (d: string) => (got += d));
        writeOnly.on('data', () => assert.fail('readable: false reads nothing'));
        writeOnly.write('one way');
        await new Promise<void>((resolve) => readOnly.on('data', () => got === 'one way' && resolve()));
        const closed = [nextEvent(loop, writeOnly, 'close'), nextEvent(loop, readOnly, 'close')];
        writeOnly.destroy();
        readOnly.destroy();
        await Promise.all(closed);
        assert.equal(got, 'one way');
        assert.throws(() => close(a), { code: 'EBADF' });
        assert.throws(() => close(b), { code: 'EBADF' });
      }));
  });
}
