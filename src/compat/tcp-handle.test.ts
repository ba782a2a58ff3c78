// The compat `_handle`s: what Node's own code and tests call on a socket's and a server's
// handle reaches nbio's descriptor (setsockopt, getsockname, getpeername, reading), the calls
// `net` makes go through them (a replaced `_handle.setKeepAlive` sees them, with net's
// arguments), and a server's `_handle.onconnection` is called for each accepted connection.
// On every loop: the default guest loop and each backend in each mode.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sys } from '../sys/constants.ts';
import { getIntOption } from '../sys/socket.ts';
import { connect } from './create-connection.ts';
import type { Socket } from './socket.ts';
import type { NbioTcpHandle } from './tcp-handle.ts';
import { calledFromNodeTls, keepAliveSeconds, markInstanceCheck } from './tcp-handle.ts';
import {
  closeServer,
  describeWithFdCheck,
  listen,
  loopCases,
  nextEvent,
  onLoop,
  until,
} from './test-support.ts';

type Call = [string, ...unknown[]];

/** Replaces `method` on `handle` with a recorder that still calls the original. */
function spy(handle: NbioTcpHandle, method: 'setKeepAlive' | 'setNoDelay', calls: Call[]): void {
  const original = handle[method] as (...a: unknown[]) => number;
  Object.assign(handle, {
    [method]: (...args: unknown[]) => {
      calls.push([method, ...args]);
      return original.apply(handle, args);
    },
  });
}

test("keepAliveSeconds is net's ~~(ms / 1000) with negatives and non-numbers as 0", () => {
  assert.deepEqual(
    [123, 456123, -123000, undefined, 2999, Number.NaN, '5000'].map(keepAliveSeconds),
    [0, 456, 0, 0, 2, 0, 0],
  );
  const socket = {};
  assert.equal(calledFromNodeTls(socket), false, 'no instanceof check came first');
  markInstanceCheck(socket);
  assert.equal(calledFromNodeTls(socket), false, 'a test is not Node’s TLS');
});

for (const c of loopCases()) {
  describeWithFdCheck(`compat _handle (${c.name})`, () => {
    test("a client's handle: net's calls go through it, and its methods reach the descriptor", () =>
      onLoop(c, async (loop) => {
        const { server, port } = await listen(loop, (s) => s.resume());
        const calls: Call[] = [];
        const socket = connect({
          loop,
          port,
          host: '127.0.0.1',
          keepAlive: true,
          keepAliveInitialDelay: 456123,
        });
        const handle = socket._handle;
        assert.ok(handle !== null, 'from connect() on');
        spy(handle, 'setKeepAlive', calls);
        spy(handle, 'setNoDelay', calls);
        await nextEvent(loop, socket, 'connect');
        assert.deepEqual(calls, [['setKeepAlive', true, 456]], 'as net’s afterConnect');
        const fd = handle.fd;
        assert.equal(fd, socket.transport?.getExtraInfo('fd'));
        assert.notEqual(getIntOption(fd, sys.SOL_SOCKET, sys.SO_KEEPALIVE), 0);
        assert.equal(getIntOption(fd, sys.IPPROTO_TCP, sys.TCP_KEEPIDLE), 456, 'the delay is the idle time');

        socket.setKeepAlive(true, 456_900); // the same whole seconds: no call, as net
        socket.setKeepAlive(true, 2000);
        assert.equal(getIntOption(fd, sys.IPPROTO_TCP, sys.TCP_KEEPIDLE), 2);
        assert.equal(
          handle.setKeepAlive(true, 99_999),
          0,
          'past Linux’s 32767 s: clamped, as net ignores EINVAL',
        );
        assert.equal(getIntOption(fd, sys.IPPROTO_TCP, sys.TCP_KEEPIDLE), 32767);
        socket.setNoDelay(true); // already on (nbio's default): no call
        socket.setNoDelay(false);
        socket.setKeepAlive(false);
        assert.deepEqual(calls.slice(1), [
          ['setKeepAlive', true, 2],
          ['setKeepAlive', true, 99_999], // the direct call above, seen by the spy too
          ['setNoDelay', false],
          ['setKeepAlive', false, 0],
        ]);
        assert.equal(getIntOption(fd, sys.IPPROTO_TCP, sys.TCP_NODELAY), 0, 'TCP_NODELAY really off');
        assert.equal(getIntOption(fd, sys.SOL_SOCKET, sys.SO_KEEPALIVE), 0, 'SO_KEEPALIVE really off');
        assert.equal(handle.setNoDelay(true), 0);
        assert.notEqual(getIntOption(fd, sys.IPPROTO_TCP, sys.TCP_NODELAY), 0);

        const local: Record<string, unknown> = {};
        const peer: Record<string, unknown> = {};
        assert.equal(handle.getsockname(local), 0);
        assert.equal(handle.getpeername(peer), 0);
        assert.deepEqual(local, socket.address());
        assert.deepEqual(peer, { address: '127.0.0.1', family: 'IPv4', port });
        assert.equal(handle.owner, socket);
        assert.equal(handle.getAsyncId(), -1);

        assert.equal(handle.readStop(), 0);
        assert.equal(socket.transport?.stats().isReading, false, 'readStop stops reading the descriptor');
        assert.equal(handle.readStart(), 0);
        assert.equal(socket.transport?.stats().isReading, true);
        handle.unref();
        assert.equal(socket.hasRef(), false, 'the handle’s unref is the socket’s');
        handle.ref();
        assert.equal(handle.hasRef(), true);

        socket.write('x');
        await until(loop, 'the byte counted', () => handle.bytesWritten === 1);
        const closed = nextEvent(loop, socket, 'close');
        socket.destroy();
        await closed;
        assert.equal(socket._handle, null);
        assert.equal(handle.fd, -1);
        assert.equal(handle.getsockname({}), -9, 'EBADF once closed');
        await closeServer(loop, server);
      }));

    test('keepAlive off: the handle is never asked; settings made while connecting apply once connected', () =>
      onLoop(c, async (loop) => {
        const { server, port } = await listen(loop, (s) => s.resume());
        const calls: Call[] = [];
        const socket = connect({ loop, port, host: '127.0.0.1', keepAlive: 0 as unknown as boolean });
        const handle = socket._handle as NbioTcpHandle;
        spy(handle, 'setKeepAlive', calls);
        socket.setNoDelay(false); // while connecting: the handle keeps it
        assert.equal(handle.fd, -1);
        await nextEvent(loop, socket, 'connect');
        assert.deepEqual(calls, []);
        assert.equal(getIntOption(handle.fd, sys.IPPROTO_TCP, sys.TCP_NODELAY), 0);
        const closed = nextEvent(loop, socket, 'close');
        socket.destroy();
        await closed;
        await closeServer(loop, server);
      }));

    test("a server's handle: onconnection per accept, the server's settings through the client handle", () =>
      onLoop(c, async (loop) => {
        const seen: Call[] = [];
        const accepted: Socket[] = [];
        const { server, port } = await listen(
          loop,
          (s) => {
            seen.push(['connection']);
            accepted.push(s);
            s.resume();
          },
          { keepAlive: true, keepAliveInitialDelay: 3500 },
        );
        assert.equal(server.keepAliveInitialDelay, 3, 'seconds, as net');
        assert.equal(server.noDelay, true, 'nbio’s default');
        const handle = server._handle;
        assert.ok(handle !== null, 'listening: a handle');
        const out: Record<string, unknown> = {};
        assert.equal(handle.getsockname(out), 0);
        assert.deepEqual(out, server.address());
        assert.ok(handle.fd >= 0);
        const original = handle.onconnection;
        let clientHandle: NbioTcpHandle | undefined;
        handle.onconnection = (err, h) => {
          seen.push(['onconnection', err]);
          clientHandle = h;
          if (h !== undefined) {
            spy(h, 'setKeepAlive', seen);
            spy(h, 'setNoDelay', seen);
          }
          original.call(handle, err, h);
        };
        const client = connect({ loop, port, host: '127.0.0.1' });
        await until(loop, 'accepted', () => accepted.length === 1);
        assert.deepEqual(seen, [
          ['onconnection', null],
          ['setNoDelay', true],
          ['setKeepAlive', true, 3],
          ['connection'],
        ]);
        const socket = accepted[0] as Socket;
        assert.equal(clientHandle?.owner, socket);
        assert.equal(socket._handle, clientHandle);
        assert.notEqual(getIntOption(clientHandle.fd, sys.SOL_SOCKET, sys.SO_KEEPALIVE), 0);
        socket.setKeepAlive(true, 3000); // the server's delay already: no call, as net
        assert.equal(seen.length, 4);
        const closed = nextEvent(loop, client, 'close');
        socket.destroy();
        client.resume();
        await closed;
        await closeServer(loop, server);
        assert.equal(server._handle, null, 'closed: no handle');
        assert.equal(handle.fd, -1);
      }));
  });
}
