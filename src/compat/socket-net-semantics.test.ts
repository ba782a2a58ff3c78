// The compat Socket where Node's own net tests look closely: bytesWritten (on the prototype,
// and counting bytes queued before the connection), pending after close, an abort signal
// already aborted, a write pending at destroy, resetAndDestroy, bufferSize and _connecting,
// connecting a closed socket again, _handle's lifetime (tcp-handle.test.ts tests its methods).
// On every loop: the default guest loop and each backend in each mode.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closeResolver } from '../net/resolver.ts';
import { connect } from './create-connection.ts';
import { Socket } from './socket.ts';
import type { NbioTcpHandle } from './tcp-handle.ts';
import {
  closeServer,
  describeWithFdCheck,
  listen,
  loopCases,
  nextEvent,
  onLoop,
  until,
} from './test-support.ts';

test('bytesWritten read on the prototype is undefined (as net.Socket.prototype.bytesWritten)', () => {
  assert.equal(Socket.prototype.bytesWritten, undefined);
});

for (const c of loopCases()) {
  describeWithFdCheck(`compat Socket, net's finer points (${c.name})`, () => {
    test('bytesWritten counts bytes queued before the connection; pending is true again after close', () =>
      onLoop(c, async (loop) => {
        let received = '';
        const { server, port } = await listen(loop, (s) => {
          s.setEncoding('utf8');
          s.on('data', (d: string) => (received += d));
          s.on('end', () => s.end());
        });
        const a = "L'État, c'est ";
        const b = 'moi';
        const socket = new Socket({ loop, highWaterMark: 0 });
        socket.connect(port, '127.0.0.1');
        assert.equal(socket._connecting, true);
        let connected = false;
        socket.once('connect', () => {
          connected = true;
        });
        let inCallback: number | undefined;
        let connectedInCallback = false;
        const wrote = socket.write(a, () => {
          inCallback = socket.bytesWritten;
          connectedInCallback = connected;
        });
        assert.equal(wrote, false);
        assert.equal(socket.bytesWritten, Buffer.byteLength(a), 'queued while connecting');
        socket.end(b);
        assert.equal(socket.bytesWritten, Buffer.byteLength(a + b), 'end()’s chunk, in the stream’s queue');
        assert.equal(socket.readyState, 'opening');
        await nextEvent(loop, socket, 'connect');
        assert.equal(socket._connecting, false);
        assert.equal(socket.pending, false);
        await nextEvent(loop, socket, 'close');
        assert.equal(inCallback, Buffer.byteLength(a + b));
        assert.equal(connectedInCallback, true, "'connect' listeners run before a queued write's callback");
        assert.equal(socket.bytesWritten, Buffer.byteLength(a + b), 'not counted twice once sent');
        assert.equal(socket.pending, true, 'no connection any more');
        assert.equal(received, a + b);
        await closeServer(loop, server);
      }));

    test('an already-aborted signal destroys the socket with an AbortError; connect() then starts nothing', () =>
      onLoop(
        c,
        async (loop) => {
          const ac = new AbortController();
          ac.abort();
          const s = connect({ loop, port: 9, host: '127.0.0.1', signal: ac.signal });
          assert.equal(s.destroyed, true);
          const error = nextEvent(loop, s, 'error');
          const closed = nextEvent(loop, s, 'close');
          const [err] = await error;
          assert.equal((err as Error).name, 'AbortError');
          await closed;
          const t = new Socket({ loop, signal: ac.signal });
          const tClosed = nextEvent(loop, t, 'close');
          t.on('error', () => {});
          await tClosed;
          // Aborted later: the connection attempt is given up.
          const later = new AbortController();
          const u = connect({ loop, port: 9, host: '127.0.0.1', signal: later.signal });
          const uErr = nextEvent(loop, u, 'error');
          later.abort();
          assert.equal(((await uErr)[0] as Error).name, 'AbortError');
        },
        { noBytes: true },
      ));

    test('port 0 passes net’s checks: a custom lookup runs and its error is reported; a literal host fails with an error event', () =>
      onLoop(
        c,
        async (loop) => {
          const notFound = Object.assign(new Error('getaddrinfo ENOTFOUND something.invalid'), {
            code: 'ENOTFOUND',
          });
          const s = connect({
            loop,
            port: 0,
            host: 'something.invalid',
            lookup: (_host, _options, cb) => process.nextTick(cb, notFound, '', 4),
          });
          const [err] = await nextEvent(loop, s, 'error');
          assert.equal(err, notFound, 'the lookup’s own error, as net passes it on');
          // A lookup answering no IP address, or a family other than 4/6: Node's errors, nothing dialed.
          const noIp = connect({
            loop,
            port: 80,
            host: 'x.invalid',
            lookup: (_h, _o, cb) => cb(null, '', 4),
          });
          const [noIpErr] = await nextEvent(loop, noIp, 'error');
          assert.equal((noIpErr as { code?: string }).code, 'ERR_INVALID_IP_ADDRESS');
          const badFamily = connect({
            loop,
            port: 0,
            host: 'localhost',
            lookup: (_h, _o, cb) => cb(null, '127.0.0.1', 100),
          });
          const [familyErr] = await nextEvent(loop, badFamily, 'error');
          assert.equal((familyErr as Error).message, 'Invalid address family: 100 localhost:0');
          assert.equal((familyErr as { code?: string }).code, 'ERR_INVALID_ADDRESS_FAMILY');
          assert.equal((familyErr as { port?: number }).port, 0);
          const t = connect({ loop, port: 0, host: '127.0.0.1' });
          const [tErr] = await nextEvent(loop, t, 'error');
          assert.ok(tErr instanceof Error, 'reported as an error event, not thrown');
        },
        { noBytes: true },
      ));

    test('write() after the peer ended (allowHalfOpen off): EPIPE, as net; after our own end(): ERR_STREAM_WRITE_AFTER_END', () =>
      onLoop(c, async (loop) => {
        const { server, port } = await listen(loop, (p) => p.end());
        const s = connect({ loop, port, host: '127.0.0.1' });
        const errors: unknown[] = [];
        s.on('error', (e) => errors.push(e));
        const closed = nextEvent(loop, s, 'close');
        s.resume();
        await nextEvent(loop, s, 'end');
        await until(loop, 'our side ended too', () => s.writableEnded);
        const cbErr = await new Promise<Error | null | undefined>((r) => s.write('late', r));
        assert.equal((cbErr as { code?: string }).code, 'EPIPE');
        assert.match(String(cbErr), /ended by the other party/);
        await closed;
        // 'error' too, unless the socket had already closed (destroy() is then a no-op, as in net).
        for (const e of errors) assert.equal((e as { code?: string }).code, 'EPIPE');
        const mine = connect({ loop, port, host: '127.0.0.1' });
        mine.on('error', () => {});
        const mineClosed = nextEvent(loop, mine, 'close');
        await nextEvent(loop, mine, 'connect');
        mine.end();
        const late = await new Promise<Error | null | undefined>((r) => mine.write('late', r));
        assert.equal(
          (late as { code?: string }).code,
          'ERR_STREAM_WRITE_AFTER_END',
          'our own end(): the Duplex error',
        );
        await mineClosed;
        await closeServer(loop, server);
      }));

    test('a write pending at destroy() gets ERR_SOCKET_CLOSED_BEFORE_CONNECTION; no connect', () =>
      onLoop(
        c,
        async (loop) => {
          const { server, port } = await listen(loop, () => {});
          const s = new Socket({ loop });
          s.on('connect', () => assert.fail('must not connect'));
          s.connect({ port, host: '127.0.0.1' });
          const err = new Promise<Error | null | undefined>((r) => s.write('foo', r));
          s.destroy();
          const e = (await err) as Error & { code?: string };
          assert.equal(e.code, 'ERR_SOCKET_CLOSED_BEFORE_CONNECTION');
          assert.equal(e.name, 'Error');
          await nextEvent(loop, s, 'close');
          await closeServer(loop, server);
        },
        { noBytes: true },
      ));

    test('resetAndDestroy: never connected → ERR_SOCKET_CLOSED; connected → an RST, the peer gets ECONNRESET; bufferSize', () =>
      onLoop(c, async (loop) => {
        const idle = new Socket({ loop });
        assert.equal(idle.bufferSize, undefined);
        idle.resetAndDestroy();
        const [err] = await nextEvent(loop, idle, 'error');
        assert.equal((err as { code?: string }).code, 'ERR_SOCKET_CLOSED');

        const peers: Socket[] = [];
        const peerErrors: { code?: string; message: string }[] = [];
        const { server, port } = await listen(loop, (s) => {
          peers.push(s);
          s.on('error', (e) => peerErrors.push(e));
          s.resume();
        });
        const s = connect({ loop, port, host: '127.0.0.1' });
        s.resetAndDestroy(); // while connecting: once connected
        await nextEvent(loop, s, 'close');
        const t = connect({ loop, port, host: '127.0.0.1' });
        await nextEvent(loop, t, 'connect');
        assert.equal(t.bufferSize, 0);
        t.resetAndDestroy();
        assert.equal(t.destroyed, true);
        await nextEvent(loop, t, 'close');
        await until(loop, 'both accepted', () => peers.length === 2);
        // The reset reached the peers: an RST (SO_LINGER 0), so ECONNRESET, not an end.
        await until(loop, 'both peers closed', () => peers.every((p) => p.destroyed));
        assert.deepEqual(
          peerErrors.map((e) => [e.code, e.message]),
          [
            ['ECONNRESET', 'read ECONNRESET'],
            ['ECONNRESET', 'read ECONNRESET'],
          ],
        );
        await closeServer(loop, server);
      }));

    test('autoSelectFamily: a lookup’s addresses tried in turn (AggregateError when all fail); off: the first only', () =>
      onLoop(c, async (loop) => {
        const { server, port } = await listen(loop, (s) => s.end());
        // Nobody listens on ::1 at this port (or there is no IPv6): that attempt fails.
        const lookup = (_h: string, o: { all?: boolean }, cb: (...a: unknown[]) => void) => {
          const all = [
            { address: '::1', family: 6 },
            { address: '127.0.0.1', family: 4 },
          ];
          if (o.all === true) cb(null, all);
          else cb(null, '::1', 6);
        };
        const opts = {
          loop,
          host: 'dual.test',
          lookup: lookup as never,
          autoSelectFamilyAttemptTimeout: 1000,
        };
        const ok = connect({ ...opts, port, autoSelectFamily: true });
        await nextEvent(loop, ok, 'connect');
        assert.deepEqual(ok.autoSelectFamilyAttemptedAddresses, [`::1:${port}`, `127.0.0.1:${port}`]);
        assert.equal(ok.remoteAddress, '127.0.0.1');
        const okClosed = nextEvent(loop, ok, 'close');
        ok.destroy();
        await okClosed;
        const off = connect({ ...opts, port, autoSelectFamily: false });
        const offClosed = nextEvent(loop, off, 'close');
        const [offErr] = (await nextEvent(loop, off, 'error')) as [{ address?: string }];
        assert.equal(off.autoSelectFamilyAttemptedAddresses, undefined);
        assert.equal(offErr.address, '::1');
        await offClosed;
        await closeServer(loop, server);
        const none = connect({ ...opts, port, autoSelectFamily: true });
        const noneClosed = nextEvent(loop, none, 'close');
        const [allFailed] = (await nextEvent(loop, none, 'error')) as [AggregateError];
        assert.ok(allFailed instanceof AggregateError);
        assert.equal(allFailed.errors.length, 2);
        assert.ok(
          (allFailed.errors as Error[]).some((e) => e.message === `connect ECONNREFUSED 127.0.0.1:${port}`),
        );
        await noneClosed;
      }));

    test('a closed socket connects again (as net: the same object, fresh counters, a new _handle); timeout =', () =>
      onLoop(c, async (loop) => {
        const { server, port } = await listen(loop, (s) => {
          s.setEncoding('utf8');
          s.on('data', (d: string) => s.end(d.toUpperCase()));
        });
        const socket = new Socket({ loop });
        socket.setEncoding('utf8');
        assert.equal(socket._handle, null);
        socket.timeout = 30_000; // assigning is setTimeout(ms), as pingpong-style net code does
        assert.equal(socket.timeout, 30_000);
        socket.timeout = 0;
        assert.equal(socket.timeout, undefined);
        const replies: string[] = [];
        socket.on('data', (d: string) => replies.push(d));
        const handles = new Set<unknown>();
        for (const word of ['one', 'two']) {
          socket.connect(port, '127.0.0.1');
          const handle = socket._handle as NbioTcpHandle | null; // (narrowed to null above)
          assert.ok(handle !== null, 'a handle from connect() on, as net');
          assert.equal(handle.fd, -1, 'no descriptor while connecting');
          handles.add(handle);
          await nextEvent(loop, socket, 'connect');
          assert.equal(socket._handle, handle);
          assert.equal(handle.fd, socket.transport?.getExtraInfo('fd'));
          socket.write(word);
          const [hadError] = await nextEvent(loop, socket, 'close');
          assert.equal(socket._handle, null, 'none once destroyed, as net');
          assert.equal(hadError, false);
          assert.equal(socket.bytesWritten, word.length, 'counted per connection');
          assert.equal(socket.bytesRead, word.length);
        }
        assert.deepEqual(replies, ['ONE', 'TWO']);
        assert.equal(handles.size, 2, 'one handle per connection');
        await closeServer(loop, server);
      }));

    test("'lookup' without a custom lookup: each address nbio's resolver gave, or its error; none for an IP", () =>
      onLoop(c, async (loop) => {
        const { server, port } = await listen(loop, (s) => s.resume());
        const named = new Socket({ loop });
        const lookups: unknown[][] = [];
        named.on('lookup', (...args: unknown[]) => lookups.push(args));
        named.connect({ port, host: 'localhost', family: 4 });
        await nextEvent(loop, named, 'connect');
        assert.ok(lookups.length >= 1);
        assert.deepEqual(lookups[0], [null, '127.0.0.1', 4, 'localhost']);

        const literal = new Socket({ loop });
        literal.on('lookup', () => assert.fail('an IP address is not looked up'));
        literal.connect(port, '127.0.0.1');
        await nextEvent(loop, literal, 'connect');

        const host = `${'x'.repeat(64)}.invalid`; // refused by the C library, no network traffic
        const bad = new Socket({ loop });
        const failedLookup = nextEvent(loop, bad, 'lookup');
        const error = nextEvent(loop, bad, 'error');
        bad.connect(port, host);
        const [err, address, family, name] = (await failedLookup) as [NodeJS.ErrnoException, ...unknown[]];
        assert.equal(err.code, 'ENOTFOUND');
        assert.deepEqual([address, family, name], [undefined, undefined, host]);
        assert.equal(((await error)[0] as NodeJS.ErrnoException).code, 'ENOTFOUND');
        // The bad name went to the resolver's worker threads: end them before the descriptor check.
        let ended = false;
        closeResolver(loop, () => (ended = true)); // (reported from Node's loop: wait with loop timers)
        await until(loop, 'the resolver threads ended', () => ended);
        for (const s of [named, literal]) {
          const closed = nextEvent(loop, s, 'close');
          s.destroy();
          await closed;
        }
        await closeServer(loop, server);
      }));

    test('localAddress/localPort: the socket is bound before it connects; a taken port is a bind error', () =>
      onLoop(c, async (loop) => {
        const remotePorts: (number | undefined)[] = [];
        const { server, port } = await listen(loop, (s) => {
          remotePorts.push(s.remotePort);
          s.resume();
        });
        const spare = await listen(loop); // a free port: taken, read, released
        const freePort = spare.port;
        await closeServer(loop, spare.server);
        const bound = connect({
          loop,
          port,
          host: '127.0.0.1',
          localAddress: '127.0.0.1',
          localPort: freePort,
        });
        await nextEvent(loop, bound, 'connect');
        assert.equal(bound.localAddress, '127.0.0.1');
        assert.equal(bound.localPort, freePort);
        await until(loop, 'accepted', () => remotePorts.length === 1);
        assert.deepEqual(remotePorts, [freePort], 'the server sees the bound port');

        const clash = connect({ loop, port, host: '127.0.0.1', localPort: port }); // the server's port
        const [err] = (await nextEvent(loop, clash, 'error')) as [NodeJS.ErrnoException];
        assert.equal(err.code, 'EADDRINUSE');
        assert.equal(err.syscall, 'bind');
        const closed = nextEvent(loop, bound, 'close');
        bound.destroy();
        await closed;
        await closeServer(loop, server);
      }));
  });
}
