// UDP endpoints on every backend: echo over IPv4 and IPv6 loopback, connected and not, bounded
// reads per event, ICMP "port unreachable" as errorReceived(ECONNREFUSED), the send queue,
// lifecycle (connectionMade first, connectionLost once, last), bad input, and fd counts.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { EventLoop } from '../loop/event-loop.ts';
import type { ExceptionContext } from '../loop/exceptions.ts';
import { availableBackends } from '../selector/default-selector.ts';
import { sys } from '../sys/constants.ts';
import { close, read, WOULD_BLOCK as WOULD_BLOCK_FD } from '../sys/fd.ts';
import type { SocketAddress } from '../sys/sockaddr.ts';
import { bind, getsockname, sendto, socket, socketpair } from '../sys/socket.ts';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';
import { runFor } from '../testing/loop-configs.ts';
import {
  createDatagramEndpoint,
  type DatagramProtocol,
  type DatagramTransport,
  MAX_DATAGRAMS_PER_READ,
} from './datagram.ts';

const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;

const portOf = (a: SocketAddress | null) => (a !== null && a.family !== 'unix' ? a.port : -1);

/** A protocol that records everything, and resolves `lost` when connectionLost runs. */
function recorder() {
  const log: string[] = [];
  const got: { data: string; from: SocketAddress }[] = [];
  const errors: Error[] = [];
  let onData: (() => void) | null = null;
  let resolveLost: () => void = () => {};
  const lost = new Promise<void>((r) => {
    resolveLost = r;
  });
  const protocol: DatagramProtocol = {
    connectionMade: () => log.push('made'),
    datagramReceived(data, from) {
      got.push({ data: data.toString(), from });
      onData?.();
    },
    errorReceived(err) {
      errors.push(err);
      onData?.();
    },
    connectionLost(err) {
      log.push(err ? `lost:${err.message}` : 'lost');
      resolveLost();
    },
  };
  return { protocol, log, got, errors, lost, waitFor: (cb: () => void) => (onData = cb) };
}

for (const backend of availableBackends()) {
  describe(`datagram endpoints on ${backend}`, () => {
    let fds = fdSnapshot();
    let loop: EventLoop;
    let reported: ExceptionContext[];
    beforeEach(() => {
      fds = fdSnapshot();
      reported = [];
      loop = new EventLoop({ selector: backend, exceptionHandler: (ctx) => reported.push(ctx) });
    });
    afterEach(() => {
      loop.close();
      assert.deepEqual(fdsOpenedSince(fds), [], 'every descriptor opened was closed');
    });

    for (const [family, host] of [
      ['ipv4', '127.0.0.1'],
      ['ipv6', '::1'],
    ] as const) {
      test(`echo over ${family} loopback: a connected client and an unconnected server`, async () => {
        const srv = recorder();
        let server: DatagramTransport | null = null;
        server = createDatagramEndpoint(
          loop,
          () => ({
            ...srv.protocol,
            datagramReceived(data, from) {
              srv.protocol.datagramReceived(data, from);
              server?.sendto(Buffer.concat([Buffer.from('echo:'), data]), from);
            },
          }),
          { localAddress: { host, port: 0 } },
        );
        const port = portOf(server.getExtraInfo('sockname'));
        assert.ok(port > 0);
        assert.equal(server.getExtraInfo('peername'), null);
        const cli = recorder();
        const client = createDatagramEndpoint(loop, () => cli.protocol, { remoteAddress: { host, port } });
        assert.deepEqual(client.getExtraInfo('peername'), { family, address: host, port });
        await runFor(
          loop,
          () =>
            new Promise<void>((done) => {
              cli.waitFor(() => cli.got.length === 3 && done());
              client.sendto('a');
              client.sendto(Buffer.from('b'));
              client.sendto(new Uint8Array([0x63]), { family, address: host, port });
            }),
        );
        assert.deepEqual(
          cli.got.map((g) => g.data),
          ['echo:a', 'echo:b', 'echo:c'],
        );
        assert.ok(cli.got.every((g) => portOf(g.from) === port && g.from.family === family));
        const clientPort = portOf(client.getExtraInfo('sockname'));
        assert.ok(srv.got.every((g) => portOf(g.from) === clientPort));
        assert.equal(client.stats().datagramsSent, 3);
        assert.equal(client.stats().bytesReceived, 18);
        assert.equal(server.stats().datagramsReceived, 3);
        client.close();
        client.close();
        server.abort();
        assert.throws(() => client.sendto('late'), code('NBIO_CLOSED'));
        assert.equal(client.getExtraInfo('fd'), -1);
        await runFor(loop, Promise.all([cli.lost, srv.lost]));
        assert.deepEqual(cli.log, ['made', 'lost']);
        assert.deepEqual(srv.log, ['made', 'lost']);
      });
    }

    test(`reads at most ${MAX_DATAGRAMS_PER_READ} datagrams per readable event, losing none`, async () => {
      const rec = recorder();
      const t = createDatagramEndpoint(loop, () => rec.protocol, {
        localAddress: { host: '127.0.0.1', port: 0 },
      });
      const to = t.getExtraInfo('sockname') as SocketAddress;
      const COUNT = 100;
      const before = loop.stats().ioCallbacks;
      const fd = socket(sys.AF_INET, 'dgram');
      try {
        // All sent before the loop looks: they wait together in the receive queue.
        for (let i = 0; i < COUNT; i++) assert.equal(sendto(fd, Buffer.from(`m${i}`), to), `m${i}`.length);
      } finally {
        close(fd);
      }
      await runFor(
        loop,
        () => new Promise<void>((done) => rec.waitFor(() => rec.got.length === COUNT && done())),
      );
      assert.deepEqual(
        rec.got.map((g) => g.data),
        Array.from({ length: COUNT }, (_, i) => `m${i}`),
      );
      const events = loop.stats().ioCallbacks - before;
      assert.ok(events >= Math.ceil(COUNT / MAX_DATAGRAMS_PER_READ), `${events} readable events`);
      t.close();
      await runFor(loop, rec.lost);
    });

    test('ICMP port unreachable on a connected socket: errorReceived(ECONNREFUSED), and the loop goes on', async () => {
      // A port nobody listens on: bind one, note it, close it.
      const probe = socket(sys.AF_INET, 'dgram');
      bind(probe, { family: 'ipv4', address: '127.0.0.1', port: 0 });
      const deadPort = portOf(getsockname(probe));
      close(probe);
      const rec = recorder();
      const t = createDatagramEndpoint(loop, () => rec.protocol, {
        remoteAddress: { host: '127.0.0.1', port: deadPort },
      });
      let timerRan = false;
      await runFor(
        loop,
        () =>
          new Promise<void>((done) => {
            rec.waitFor(() => {
              if (rec.errors.length === 0) return;
              loop.callLater(1, () => {
                timerRan = true;
                done();
              });
            });
            t.sendto('anyone?');
            // The error may come on the next send instead of the next read (Linux reports a
            // pending socket error on whichever comes first): send again until it shows.
            const again = () => {
              if (rec.errors.length > 0 || t.isClosing) return;
              t.sendto('anyone?');
              loop.callLater(5, again);
            };
            loop.callLater(5, again);
          }),
      );
      assert.equal((rec.errors[0] as { code?: string }).code, 'ECONNREFUSED');
      assert.equal(rec.errors[0]?.name, 'OsError');
      assert.ok(timerRan);
      assert.equal(t.isClosing, false, 'the endpoint stays open');
      assert.ok(t.stats().errors >= 1);
      t.close();
      await runFor(loop, rec.lost);
      assert.deepEqual(rec.log, ['made', 'lost']);
    });

    test('a full socket buffer queues datagrams, flushes them in order, and close() waits for them', async () => {
      // Loopback UDP never says would-block (the kernel hands each datagram straight to the
      // receiver, measured), so adopt a Unix datagram socketpair: its sender blocks once the
      // receiver's queue is full, and the receiver is not read until we say so.
      const [a, b] = socketpair('dgram');
      const sender = recorder();
      const pauses: string[] = [];
      const client = createDatagramEndpoint(
        loop,
        () => ({
          ...sender.protocol,
          pauseWriting: () => pauses.push(`pause@${client.bufferedAmount}`),
          resumeWriting: () => pauses.push(`resume@${client.bufferedAmount}`),
        }),
        { sock: a },
      );
      assert.equal(client.getExtraInfo('peername')?.family, 'unix');
      const payload = Buffer.alloc(1000);
      let sent = 0;
      while (client.bufferedAmount === 0 && sent < 100_000) {
        payload.writeUInt32BE(sent++, 0);
        client.sendto(payload);
      }
      assert.ok(client.bufferedAmount > 0, `the socket would block after ${sent} datagrams`);
      for (let i = 0; i < 100; i++) {
        payload.writeUInt32BE(sent++, 0);
        client.sendto(payload); // queued behind the first: order kept
      }
      payload.fill(0xff); // the queue holds copies
      // 100 KiB queued: pauseWriting ran once, as the queue first went past 64 KiB.
      assert.equal(pauses.length, 1);
      const at = Number(pauses[0]?.slice('pause@'.length));
      assert.ok(at > 64 * 1024 && at <= 64 * 1024 + payload.length, pauses[0]);
      const queuedBefore = client.stats().queuedDatagrams;
      client.close(); // must send the queue first
      const seen: number[] = [];
      const buf = Buffer.alloc(2000);
      await runFor(
        loop,
        () =>
          new Promise<void>((done) => {
            loop.addReader(b, () => {
              for (;;) {
                const n = read(b, buf);
                if (n === WOULD_BLOCK_FD) break;
                seen.push(buf.readUInt32BE(0));
              }
              if (seen.length === sent) {
                loop.removeReader(b);
                done();
              }
            });
          }),
      );
      await runFor(loop, sender.lost);
      assert.deepEqual(
        seen,
        Array.from({ length: sent }, (_, i) => i),
        'every datagram, in order',
      );
      assert.ok(queuedBefore >= 100);
      assert.equal(client.stats().datagramsSent, sent);
      assert.equal(client.bufferedAmount, 0);
      assert.equal(pauses.length, 2);
      assert.ok(Number(pauses[1]?.slice('resume@'.length)) <= 16 * 1024, pauses[1]);
      assert.deepEqual(sender.log, ['made', 'lost']);
      close(b);
    });

    test('a throwing datagramReceived is reported; the endpoint keeps reading', async () => {
      let n = 0;
      let done: () => void = () => {};
      const finished = new Promise<void>((r) => {
        done = r;
      });
      const t = createDatagramEndpoint(
        loop,
        () => ({
          datagramReceived() {
            if (++n === 1) throw new Error('protocol bug');
            done();
          },
        }),
        { localAddress: { host: '127.0.0.1', port: 0 } },
      );
      const to = t.getExtraInfo('sockname') as SocketAddress;
      t.sendto('1', to);
      t.sendto('2', to);
      await runFor(loop, finished);
      assert.equal(n, 2);
      assert.equal(reported.length, 1);
      assert.match(reported[0]?.message ?? '', /DatagramProtocol\.datagramReceived/);
      t.abort();
      await runFor(loop, () => new Promise<void>((r) => loop.callSoon(r)));
    });

    test('bad input is a typed error, and no descriptor leaks', () => {
      const p = () => ({ datagramReceived() {} });
      const never = () => {
        throw new Error('the factory must not run');
      };
      assert.throws(
        () => createDatagramEndpoint(loop, never, { localAddress: { host: 'example.com', port: 0 } }),
        code('NBIO_INVALID_ARGUMENT'),
      );
      assert.throws(
        () => createDatagramEndpoint(loop, never, { localAddress: { host: '127.0.0.1', port: 70000 } }),
        code('NBIO_INVALID_ARGUMENT'),
      );
      assert.throws(
        () =>
          createDatagramEndpoint(loop, never, {
            localAddress: { host: '::1', port: 0 },
            remoteAddress: { host: '127.0.0.1', port: 9 },
          }),
        code('NBIO_INVALID_ARGUMENT'),
      );
      const a = createDatagramEndpoint(loop, p, { localAddress: { host: '127.0.0.1', port: 0 } });
      const port = portOf(a.getExtraInfo('sockname'));
      assert.throws(
        () => createDatagramEndpoint(loop, p, { localAddress: { host: '127.0.0.1', port } }),
        code('NBIO_ADDRESS_IN_USE'),
      );
      assert.throws(() => a.sendto('x'), code('NBIO_INVALID_ARGUMENT'), 'not connected: `to` is needed');
      assert.throws(
        () => a.sendto('x', { family: 'ipv6', address: '::1', port }),
        code('NBIO_INVALID_ARGUMENT'),
      );
      assert.throws(() => a.sendto(42 as unknown as string, { family: 'ipv4', address: '127.0.0.1', port }));
      const b = createDatagramEndpoint(loop, p, { remoteAddress: { host: 'localhost', port } });
      assert.throws(
        () => b.sendto('x', { family: 'ipv4', address: '127.0.0.2', port }),
        code('NBIO_INVALID_ARGUMENT'),
      );
      a.abort();
      b.abort();
    });
  });
}
