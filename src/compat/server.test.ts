// The compat Server: listen's argument shapes, EADDRINUSE as net reports it, close() waiting
// for connections, getConnections, pauseOnConnect, listen's signal and path modes, EADDRNOTAVAIL
// as an event, and bad input.
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { hasIpv6Loopback } from '../../test/integration/fixtures/net-harness.ts';
import { AddressInUseError, InvalidArgumentError } from '../errors.ts';
import type { EventLoop } from '../loop/event-loop.ts';
import { connect } from './create-connection.ts';
import { NetError } from './net-error.ts';
import { createServer, type Server } from './server.ts';
import type { AddressInfo, Socket } from './socket.ts';
import {
  defaultAndPoll,
  describeWithFdCheck,
  loopSleep,
  nextEvent,
  onLoop,
  until,
  within,
} from './test-support.ts';

const ipv6Skip = hasIpv6Loopback() ? false : 'no IPv6 loopback here';

function connections(loop: EventLoop, server: Server): Promise<number> {
  return within(loop, 5000, 'getConnections', new Promise((r) => server.getConnections((_e, n) => r(n))));
}

for (const c of defaultAndPoll()) {
  describeWithFdCheck(`compat Server (${c.name})`, () => {
    test('listen() shapes: (cb), (port, host, backlog, cb), ({ port, host }, cb), numeric strings', () =>
      onLoop(
        c,
        async (loop) => {
          const listened: string[] = [];
          const servers = [
            createServer({ loop }),
            createServer({ loop }),
            createServer({ loop }),
            createServer({ loop }),
          ] as const;
          const [a, b, d, e] = servers;
          const all = Promise.all(servers.map((s) => nextEvent(loop, s, 'listening')));
          a.listen(() => listened.push('a'));
          b.listen(0, '127.0.0.1', 16, () => listened.push('b'));
          d.listen({ port: 0, host: '127.0.0.1' }, () => listened.push('d'));
          e.listen('0', () => listened.push('e'));
          await all;
          assert.deepEqual(listened, ['a', 'b', 'd', 'e']);
          for (const s of servers) {
            const addr = s.address() as AddressInfo;
            assert.equal(addr.address, '127.0.0.1', 'no host: loopback only (nbio’s default)');
            assert.equal(addr.family, 'IPv4');
            assert.ok(addr.port > 0);
            assert.equal(s.listening, true);
            const closed = nextEvent(loop, s, 'close');
            s.close();
            await closed;
            assert.equal(s.listening, false);
            assert.equal(s.address(), null);
          }
        },
        { noBytes: true },
      ));

    test('a taken port emits error with code EADDRINUSE, the nbio error as cause', () =>
      onLoop(
        c,
        async (loop) => {
          const first = createServer({ loop });
          first.listen(0, '127.0.0.1');
          await nextEvent(loop, first, 'listening');
          const { port } = first.address() as AddressInfo;
          const second = createServer({ loop });
          let listening = false;
          second.on('listening', () => (listening = true));
          second.listen(port, '127.0.0.1');
          const [err] = (await nextEvent(loop, second, 'error')) as [NetError];
          assert.ok(err instanceof NetError);
          assert.equal(err.code, 'EADDRINUSE');
          assert.equal(err.syscall, 'listen');
          assert.equal(err.port, port);
          assert.ok(err.cause instanceof AddressInUseError);
          assert.equal(listening, false);
          assert.equal(second.listening, false);
          const closed = nextEvent(loop, first, 'close');
          first.close();
          await closed;
        },
        { noBytes: true },
      ));

    test('an address this machine lacks is an error event (EADDRNOTAVAIL, syscall listen); it can listen again', () =>
      onLoop(
        c,
        async (loop) => {
          const server = createServer({ loop });
          server.listen(1, '192.0.2.1', () => assert.fail('must not listen')); // TEST-NET-1
          const [err] = (await nextEvent(loop, server, 'error')) as [NetError];
          assert.equal(err.code, 'EADDRNOTAVAIL');
          assert.equal(err.syscall, 'listen');
          assert.equal(err.address, '192.0.2.1');
          assert.equal(err.port, 1);
          assert.ok(err.cause instanceof InvalidArgumentError, 'nbio’s error, saying what to do');
          server.removeAllListeners('listening');
          server.listen(0, '127.0.0.1');
          await nextEvent(loop, server, 'listening');
          const closed = nextEvent(loop, server, 'close');
          server.close();
          await closed;
        },
        { noBytes: true },
      ));

    test('listen({ signal }): aborting closes the server; an aborted signal closes it at once', () =>
      onLoop(
        c,
        async (loop) => {
          const ac = new AbortController();
          const a = createServer({ loop });
          a.listen({ port: 0, host: '127.0.0.1', signal: ac.signal });
          await nextEvent(loop, a, 'listening');
          const closedA = nextEvent(loop, a, 'close');
          ac.abort();
          await closedA;
          assert.equal(a.listening, false);
          const b = createServer({ loop });
          let listened = false;
          b.on('listening', () => (listened = true));
          const closedB = nextEvent(loop, b, 'close');
          b.listen({ port: 0, host: '127.0.0.1', signal: AbortSignal.abort() });
          await closedB;
          assert.equal(listened, false);
          assert.equal(b.listening, false);
        },
        { noBytes: true },
      ));

    test('listen({ path, readableAll, writableAll }) opens the socket file to all; EADDRINUSE in libuv’s words', () =>
      onLoop(
        c,
        async (loop) => {
          const dir = mkdtempSync(join(tmpdir(), 'nbio-compat-server-'));
          try {
            const path = join(dir, 's.sock');
            const server = createServer({ loop });
            server.listen({ path, readableAll: true, writableAll: true });
            await nextEvent(loop, server, 'listening');
            assert.equal(statSync(path).mode & 0o666, 0o666);
            const second = createServer({ loop });
            second.listen({ path });
            const [err] = (await nextEvent(loop, second, 'error')) as [NetError];
            assert.equal(err.message, `listen EADDRINUSE: address already in use ${path}`);
            const closed = nextEvent(loop, server, 'close');
            server.close();
            await closed;
          } finally {
            rmSync(dir, { recursive: true, force: true });
          }
        },
        { noBytes: true },
      ));

    test('maxConnections: a connection over the limit is closed at once and dropped; a freed place is taken again', () =>
      onLoop(c, async (loop) => {
        const accepted: Socket[] = [];
        const server = createServer({ loop }, (s) => {
          accepted.push(s);
          s.resume();
        });
        server.maxConnections = 1;
        server.listen(0, '127.0.0.1');
        await nextEvent(loop, server, 'listening');
        const { port } = server.address() as AddressInfo;
        const first = connect({ loop, port, host: '127.0.0.1' });
        await until(loop, 'first accepted', () => accepted.length === 1);
        const dropped = nextEvent(loop, server, 'drop');
        const second = connect({ loop, port, host: '127.0.0.1' });
        second.on('error', () => {}); // ECONNRESET or an end: the server closed it
        second.resume();
        const [info] = (await dropped) as [
          { remotePort?: number; localPort?: number; remoteFamily?: string },
        ];
        await nextEvent(loop, second, 'close');
        assert.equal(info.localPort, port);
        assert.equal(info.remoteFamily, 'IPv4');
        assert.equal(info.remotePort, second.localPort);
        assert.equal(accepted.length, 1, 'the second never became a socket');
        const firstClosed = nextEvent(loop, first, 'close');
        first.destroy();
        await firstClosed;
        await until(loop, 'place freed', () => accepted[0]?.destroyed === true);
        await loopSleep(loop, 20); // its 'close' (next tick) frees the place
        const third = connect({ loop, port, host: '127.0.0.1' });
        await until(loop, 'third accepted', () => accepted.length === 2);
        const thirdClosed = nextEvent(loop, third, 'close');
        third.destroy();
        await thirdClosed;
        const closed = nextEvent(loop, server, 'close');
        server.close();
        await closed;
      }));

    test('listen({ fd }) on a descriptor that is no socket: ENOTSOCK as an error event', () =>
      onLoop(
        c,
        async (loop) => {
          const dir = mkdtempSync(join(tmpdir(), 'nbio-compat-fd-'));
          const fd = openSync(join(dir, 'f'), 'w');
          try {
            const server = createServer({ loop });
            server.listen({ fd });
            const [err] = (await nextEvent(loop, server, 'error')) as [NetError];
            assert.equal(err.code, 'ENOTSOCK');
            assert.equal(server.listening, false);
          } finally {
            closeSync(fd);
            rmSync(dir, { recursive: true, force: true });
          }
        },
        { noBytes: true },
      ));

    test('listen({ host: "::", ipv6Only: true }) takes no IPv4 connection', { skip: ipv6Skip }, () =>
      onLoop(
        c,
        async (loop) => {
          const server = createServer({ loop });
          server.listen({ host: '::', port: 0, ipv6Only: true });
          await nextEvent(loop, server, 'listening');
          const { port } = server.address() as AddressInfo;
          const v4 = connect({ loop, port, host: '127.0.0.1' });
          const [err] = (await nextEvent(loop, v4, 'error')) as [NetError];
          assert.equal(err.code, 'ECONNREFUSED');
          const closed = nextEvent(loop, server, 'close');
          server.close();
          await closed;
        },
        { noBytes: true },
      ),
    );

    test('close() stops accepting and emits close once the last connection closed', () =>
      onLoop(c, async (loop) => {
        const accepted: Socket[] = [];
        const server = createServer({ loop }, (s) => {
          accepted.push(s);
          s.resume();
        });
        server.listen(0, '127.0.0.1');
        await nextEvent(loop, server, 'listening');
        const { port } = server.address() as AddressInfo;
        const client = connect({ loop, port, host: '127.0.0.1' });
        await nextEvent(loop, client, 'connect');
        await until(loop, 'accepted', () => accepted.length === 1);
        assert.equal(accepted[0]?.remotePort, client.localPort);
        assert.equal(accepted[0]?.server, server, 'net’s socket.server');
        assert.equal(client.server, null);
        assert.equal(await connections(loop, server), 1);
        assert.equal(server.nbioServer?.stats().accepted, 1, 'nbio accepted the connection');
        let closed = false;
        let cbCalled = false;
        server.on('close', () => (closed = true));
        server.close(() => (cbCalled = true));
        await loopSleep(loop, 20);
        assert.equal(closed, false, 'close waits for the open connection, as net');
        client.end();
        await within(loop, 5000, 'server close', new Promise((r) => server.once('close', r)));
        assert.equal(cbCalled, true);
        assert.equal(await connections(loop, server), 0);
        const err = await within(
          loop,
          5000,
          'close cb',
          new Promise<Error | undefined>((r) => server.close((e) => r(e))),
        );
        assert.equal((err as NetError).code, 'ERR_SERVER_NOT_RUNNING');
        if (!client.destroyed) await nextEvent(loop, client, 'close');
      }));

    test('pauseOnConnect: the accepted socket reads nothing until resumed', () =>
      onLoop(c, async (loop) => {
        let accepted: Socket | null = null;
        const server = createServer({ loop, pauseOnConnect: true }, (s) => (accepted = s));
        server.listen(0, '127.0.0.1');
        await nextEvent(loop, server, 'listening');
        const client = connect({ loop, port: (server.address() as AddressInfo).port, host: '127.0.0.1' });
        client.write('waiting');
        await until(loop, 'accepted', () => accepted !== null);
        const s = accepted as unknown as Socket;
        await loopSleep(loop, 20);
        assert.equal(s.bytesRead, 0, 'not read while paused');
        assert.equal(s.transport?.isReading, false);
        const [data] = (await Promise.all([nextEvent(loop, s, 'data'), Promise.resolve(s.resume())]))[0];
        assert.equal(String(data), 'waiting');
        client.end();
        const closed = nextEvent(loop, server, 'close');
        server.close();
        await closed;
      }));

    test('bad input throws InvalidArgumentError before anything is opened', () =>
      onLoop(
        c,
        async (loop) => {
          const server = createServer({ loop });
          assert.throws(() => server.listen(70000), InvalidArgumentError);
          assert.throws(() => server.listen(-1), InvalidArgumentError);
          assert.throws(() => server.listen(0, 'example.com'), InvalidArgumentError);
          assert.throws(() => server.listen(true as unknown as number), InvalidArgumentError);
          assert.throws(() => createServer({ loop: {} as EventLoop }), InvalidArgumentError);
          server.listen(0, '127.0.0.1');
          assert.throws(() => server.listen(0), { code: 'ERR_SERVER_ALREADY_LISTEN', name: 'Error' });
          assert.throws(() => createServer({ loop }).listen({ port: 0, signal: 'x' } as never), {
            code: 'ERR_INVALID_ARG_TYPE',
          });
          await nextEvent(loop, server, 'listening');
          const closed = nextEvent(loop, server, 'close');
          server.close('bad argument' as unknown as () => void); // ignored, as net ignores it
          await closed;
        },
        { noBytes: true },
      ));
  });
}
