// The compat Socket's typed errors for bad input, and misuse of a socket (socket.test.ts has the I/O).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClosedResourceError, InvalidArgumentError } from '../errors.ts';
import { connect } from './create-connection.ts';
import { getDefaultLoop } from './default-loop.ts';
import { Socket } from './socket.ts';
import { describeWithFdCheck, nextEvent } from './test-support.ts';

describeWithFdCheck('compat Socket: bad input', () => {
  test('typed errors, thrown before anything is opened', () => {
    assert.throws(
      () => new Socket({ handle: {} }), // a libuv handle (fd: socket-fd.test.ts)
      (e: unknown) => e instanceof InvalidArgumentError && e.code === 'NBIO_UNSUPPORTED',
    );
    assert.throws(() => new Socket(null as unknown as object), InvalidArgumentError);
    // Node's codes for a bad port (node-errors.test.ts has the rest), nbio's error as the cause.
    assert.throws(
      () => connect({ port: 70000, host: '127.0.0.1' }),
      (e: Error & { code?: string }) =>
        e.code === 'ERR_SOCKET_BAD_PORT' && e.cause instanceof InvalidArgumentError,
    );
    assert.throws(() => connect({ port: 'http' as unknown as number }), { code: 'ERR_SOCKET_BAD_PORT' });
    assert.throws(() => connect({ port: 80, host: 'not a host!' }), InvalidArgumentError);
    assert.throws(() => connect({ port: 80, host: '127.0.0.1', family: 5 }), InvalidArgumentError);
    assert.throws(() => connect({ port: 80, host: '127.0.0.1', localAddress: 'here' }), {
      code: 'ERR_INVALID_IP_ADDRESS',
    });
    assert.throws(() => connect({ port: 80, host: '127.0.0.1', localPort: '5000' as unknown as number }), {
      code: 'ERR_INVALID_ARG_TYPE',
    });
    const s = new Socket();
    assert.throws(() => s.setTimeout(-1), { code: 'ERR_OUT_OF_RANGE', name: 'RangeError' });
    s.destroy(); // (connect() on it would start a new connection, as net: see socket-net-semantics)
  });

  test('connect() twice throws; write() on a socket never connected fails the write', async () => {
    const loop = getDefaultLoop();
    const s = connect({ port: 9, host: '127.0.0.1' });
    assert.throws(() => s.connect(9, '127.0.0.1'), /already connecting/);
    s.on('error', () => {});
    const closed = nextEvent(loop, s, 'close');
    s.destroy();
    await closed;
    const idle = new Socket();
    idle.on('error', () => {});
    const idleClosed = nextEvent(loop, idle, 'close');
    const err = await new Promise<Error | null | undefined>((r) => idle.write('x', r));
    assert.ok(err instanceof ClosedResourceError);
    await idleClosed;
  });
});
