// Echo round trips through createServer + createConnection + SocketTransport on every
// backend: TCP over IPv4 and IPv6 (skipped when ::1 cannot be bound) and Unix sockets; a
// payload over 1 MiB in one write; several clients at once.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ServerOptions } from '../../src/net/listener.ts';
import type { SocketTransport } from '../../src/net/socket-transport.ts';
import { sys } from '../../src/sys/constants.ts';
import { getIntOption } from '../../src/sys/socket.ts';
import {
  connectPair,
  deadline,
  dial,
  forEachBackend,
  hasIpv6Loopback,
  pattern,
  Recorder,
  withLoop,
} from './fixtures/net-harness.ts';

const ipv6 = hasIpv6Loopback();

/** A server protocol that writes back whatever it receives. */
const echo = () => {
  const r = new Recorder();
  r.onData = (d, t) => t.write(d);
  return r;
};

forEachBackend('echo', (backend) => {
  const dir = mkdtempSync(join(tmpdir(), 'nbio-echo-'));
  const targets: { name: string; listen: () => ServerOptions; skip?: string | false }[] = [
    { name: 'TCP over IPv4', listen: () => ({ host: '127.0.0.1', port: 0 }) },
    {
      name: 'TCP over IPv6',
      listen: () => ({ host: '::1', port: 0 }),
      skip: !ipv6 && 'no IPv6 loopback (::1 cannot be bound here)',
    },
    { name: 'Unix socket', listen: () => ({ path: join(dir, `${backend}.sock`) }) },
  ];

  for (const { name, listen, skip } of targets) {
    test(`round trip over ${name}`, { skip }, async () => {
      const errors = await withLoop(backend, async (loop) => {
        const p = await connectPair(loop, listen(), echo);
        const addr = p.server.address();
        if (name.includes('IPv4')) assert.equal(addr.family, 'ipv4');
        if (name.includes('IPv6')) assert.equal(addr.family, 'ipv6');
        if (addr.family !== 'unix') assert.ok(addr.port > 0, 'port 0 was replaced by the real port');
        p.clientTransport.write('hello, ');
        p.clientTransport.write(Buffer.from('nbio'));
        await deadline(
          loop,
          5000,
          'echo',
          p.client.until(() => p.client.received === 11),
        );
        assert.equal(p.client.data.toString(), 'hello, nbio');
        const peer = p.clientTransport.getExtraInfo('peername');
        assert.equal(peer?.family, addr.family);
        assert.equal(p.server.stats().accepted, 1);
        assert.equal(p.server.stats().activeConnections, 1);
        p.clientTransport.close();
        // The server sees EOF; its protocol returns undefined, so its transport closes too.
        await deadline(
          loop,
          5000,
          'both sides lost',
          p.serverSide.until(() => p.serverSide.lostCount === 1),
        );
        await p.client.until(() => p.client.lostCount === 1);
        assert.deepEqual(p.client.events, ['made', 'data', 'lost']);
        assert.deepEqual(p.serverSide.events, ['made', 'data', 'eof', 'lost']);
        assert.equal(p.client.lostError, undefined);
        assert.equal(p.serverSide.lostError, undefined);
        assert.equal(p.server.stats().activeConnections, 0);
        p.server.close();
      });
      assert.deepEqual(errors, []);
    });
  }

  test('a payload over 1 MiB in one write arrives intact', async () => {
    const errors = await withLoop(backend, async (loop) => {
      const p = await connectPair(loop, { port: 0 }, echo);
      const t = p.clientTransport as SocketTransport;
      // Larger than the kernel's send buffer (nearly 4 MiB on loopback here), so that one
      // send() cannot take it all and the transport's own buffer and writev path are used.
      const sndbuf = getIntOption(t.getExtraInfo('fd'), sys.SOL_SOCKET, sys.SO_SNDBUF);
      const payload = pattern(Math.max(1024 * 1024 + 12345, 2 * sndbuf + 12345));
      t.write(payload);
      // The kernel cannot take it all at once: the rest waits in the transport's buffer.
      assert.ok(t.bufferedAmount > 0, 'part of the payload is buffered');
      assert.ok(p.client.events.includes('pause'), 'pauseWriting fired: 1 MiB is above the high mark');
      await deadline(
        loop,
        10_000,
        '1 MiB echo',
        p.client.until(() => p.client.received >= payload.length),
      );
      assert.equal(p.client.received, payload.length);
      assert.ok(p.client.data.equals(payload), 'the bytes came back unchanged and in order');
      assert.equal(t.bufferedAmount, 0);
      assert.equal(t.stats().bytesWritten, payload.length);
      assert.equal(t.stats().bytesRead, payload.length);
      assert.deepEqual(
        p.client.events.filter((e) => e === 'pause' || e === 'resume'),
        ['pause', 'resume'],
      );
      p.server.closeConnections(true);
      await deadline(
        loop,
        5000,
        'client lost',
        p.client.until(() => p.client.lostCount === 1),
      );
      p.server.close();
    });
    assert.deepEqual(errors, []);
  });

  test('ten clients at once each get their own bytes back', async () => {
    const errors = await withLoop(backend, async (loop) => {
      const p = await connectPair(loop, { port: 0 }, echo);
      const a = p.server.address();
      assert.equal(a.family, 'ipv4');
      const clients = await Promise.all(
        Array.from({ length: 10 }, () =>
          dial(loop, () => new Recorder(), { host: '127.0.0.1', port: a.port }),
        ),
      );
      for (const [i, c] of clients.entries()) c.transport.write(`client ${i}`);
      await deadline(
        loop,
        5000,
        'all echoes',
        Promise.all(
          clients.map((c, i) => c.protocol.until(() => c.protocol.received === `client ${i}`.length)),
        ),
      );
      for (const [i, c] of clients.entries()) assert.equal(c.protocol.data.toString(), `client ${i}`);
      assert.equal(p.server.stats().accepted, 11);
      p.server.close();
      assert.equal(p.server.stats().activeConnections, 11, 'closing the server keeps its connections');
      p.server.closeConnections();
      await deadline(
        loop,
        5000,
        'clients see EOF',
        Promise.all(clients.map((c) => c.protocol.until(() => c.protocol.lostCount === 1))),
      );
      await p.client.until(() => p.client.lostCount === 1);
      // The server sides linger after close() until each client's EOF (issue 9).
      await deadline(
        loop,
        5000,
        'server sides closed',
        new Promise<void>((r) => {
          const poll = () => (p.server.stats().activeConnections === 0 ? r() : loop.callLater(1, poll));
          poll();
        }),
      );
    });
    assert.deepEqual(errors, []);
  });

  test('cleanup', () => rmSync(dir, { recursive: true, force: true }));
});
