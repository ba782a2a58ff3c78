// The compat Socket on every loop: the default guest loop and each backend in each mode.
// Every test proves nbio carried the bytes (loop I/O callbacks, transport counters).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConnectionRefusedError } from '../errors.ts';
import { compatStats } from './compat-stats.ts';
import { connect } from './create-connection.ts';
import { NetError } from './net-error.ts';
import { createServer } from './server.ts';
import { Socket } from './socket.ts';
import {
  closeServer,
  describeWithFdCheck,
  listen,
  loopCases,
  loopSleep,
  nextEvent,
  onLoop,
  until,
  within,
} from './test-support.ts';

/** Collects a socket's data. */
function collect(s: Socket): { data: () => Buffer; bytes: () => number } {
  const chunks: Buffer[] = [];
  let n = 0;
  s.on('data', (d: Buffer) => {
    chunks.push(d);
    n += d.length;
  });
  return { data: () => Buffer.concat(chunks), bytes: () => n };
}

/** A deterministic byte pattern. */
function pattern(size: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) b[i] = (i * 7 + (i >> 8)) & 0xff;
  return b;
}

for (const c of loopCases()) {
  describeWithFdCheck(`compat Socket (${c.name})`, () => {
    test('a round trip: events, addresses and counters, with the bytes carried by nbio', () =>
      onLoop(c, async (loop) => {
        const io0 = loop.stats().ioCallbacks;
        const stats0 = compatStats();
        const { server, port } = await listen(loop);
        const s = connect({ loop, port, host: '127.0.0.1' });
        assert.equal(s.connecting, true);
        assert.equal(s.pending, true);
        assert.equal(s.readyState, 'opening');
        const events: string[] = [];
        for (const e of ['connect', 'ready', 'end', 'finish']) s.on(e, () => events.push(e));
        const closed = nextEvent(loop, s, 'close');
        await nextEvent(loop, s, 'connect');
        assert.equal(s.connecting, false);
        assert.equal(s.pending, false);
        assert.equal(s.readyState, 'open');
        assert.equal(s.remoteAddress, '127.0.0.1');
        assert.equal(s.remotePort, port);
        assert.equal(s.remoteFamily, 'IPv4');
        assert.equal(s.localAddress, '127.0.0.1');
        assert.ok((s.localPort ?? 0) > 0);
        assert.deepEqual(s.address(), { address: '127.0.0.1', family: 'IPv4', port: s.localPort });
        assert.equal(s.loop, loop);
        const got = collect(s);
        s.write('hello, ');
        s.end('nbio');
        const [hadError] = await closed;
        assert.equal(hadError, false);
        assert.equal(got.data().toString(), 'hello, nbio');
        assert.deepEqual(events.slice(0, 2), ['connect', 'ready']);
        assert.deepEqual([...events].sort(), ['connect', 'end', 'finish', 'ready']);
        assert.equal(s.bytesRead, 11);
        assert.equal(s.bytesWritten, 11);
        assert.equal(s.readyState, 'closed');
        assert.equal(s.destroyed, true);
        const t = s.transport!.stats();
        assert.equal(t.bytesWritten, 11, 'the nbio transport sent the bytes');
        assert.equal(t.bytesRead, 11, 'the nbio transport received the bytes');
        assert.equal(t.fd, -1, 'the descriptor is closed');
        assert.ok(loop.stats().ioCallbacks > io0, 'the nbio loop dispatched the I/O');
        const stats = compatStats();
        assert.equal(stats.bytesRead - stats0.bytesRead, 22, 'client and server side both counted');
        assert.equal(stats.connectionsAccepted - stats0.connectionsAccepted, 1);
        await closeServer(loop, server);
      }));

    test('write() returns false above the high water mark and drain comes once the peer reads', () =>
      onLoop(c, async (loop) => {
        let serverSide: Socket | null = null;
        const { server, port } = await listen(loop, (s) => (serverSide = s), { pauseOnConnect: true });
        const s = connect({ loop, port, host: '127.0.0.1' });
        await nextEvent(loop, s, 'connect');
        await until(loop, 'server connection', () => serverSide !== null);
        const chunk = pattern(64 * 1024);
        let total = 0;
        let ok = true;
        // The peer does not read: the kernel buffers fill, then the transport's buffer passes
        // its high water mark and the Duplex callback is held back.
        // On io_uring the transport hands its buffer to the kernel only when the loop submits:
        // write on, turn after turn, until the pause holds (readiness backends: one round).
        // Until the kernel takes no more (on io_uring a SEND in flight may still complete into
        // socket buffers with room, and a 'drain' then is right: the buffer did empty): paused,
        // and nothing left the transport's buffer across one more turn.
        for (let round = 0, i = 0; round < 100 && i < 512; round++) {
          for (; i < 512 && !s.transport!.stats().writePaused; i++) {
            ok = s.write(chunk);
            total += chunk.length;
          }
          await loopSleep(loop, 20);
          const held = s.transport!.stats().bufferedAmount;
          if (!s.transport!.stats().writePaused) continue;
          await loopSleep(loop, 20);
          if (s.transport!.stats().writePaused && s.transport!.stats().bufferedAmount === held) break;
        }
        assert.equal(s.transport!.stats().writePaused, true, 'the transport paused writing');
        assert.equal(ok, false, 'write() returned false');
        let drained = false;
        s.once('drain', () => (drained = true));
        await loopSleep(loop, 30);
        assert.equal(drained, false, 'no drain while the peer reads nothing');
        let received = 0;
        let corrupt = false;
        const peer = serverSide as unknown as Socket;
        peer.on('data', (d: Buffer) => {
          for (let i = 0; i < d.length; i += 997) {
            if (d[i] !== chunk[(received + i) % chunk.length]) corrupt = true;
          }
          received += d.length;
        });
        peer.resume();
        await within(loop, 10_000, 'drain', new Promise((r) => (drained ? r(null) : s.once('drain', r))));
        await until(loop, 'all bytes at the peer', () => received === total, 10_000);
        assert.equal(corrupt, false, 'bytes arrived in order, unchanged');
        assert.equal(s.bytesWritten, total);
        assert.equal(peer.bytesRead, total);
        const closed = nextEvent(loop, s, 'close');
        s.end();
        await closed;
        await closeServer(loop, server);
      }));

    test('a reader that does not consume stops the transport reading; resuming delivers everything', () =>
      onLoop(c, async (loop) => {
        const size = 4 * 1024 * 1024;
        const body = pattern(size);
        const { server, port } = await listen(loop, (srv) => srv.end(body));
        const s = connect({ loop, port, host: '127.0.0.1' });
        await nextEvent(loop, s, 'connect');
        await until(loop, 'client transport paused', () => s.transport!.isReading === false);
        assert.ok(s.readableLength >= s.readableHighWaterMark, 'the stream buffer is full');
        assert.ok(s.bytesRead < size, 'not everything was read: the peer felt backpressure');
        const got = collect(s);
        const closed = nextEvent(loop, s, 'close', 10_000);
        await closed;
        assert.equal(got.bytes(), size);
        assert.ok(got.data().equals(body), 'bytes arrived in order, unchanged');
        await closeServer(loop, server);
      }));

    test('allowHalfOpen false (default) ends our side after the peer ends; true keeps it writable', () =>
      onLoop(c, async (loop) => {
        const fromClient: Buffer[] = [];
        const { server, port } = await listen(
          loop,
          (srv) => {
            srv.on('data', (d: Buffer) => fromClient.push(d));
            srv.end('bye');
          },
          { allowHalfOpen: true },
        );
        const a = connect({ loop, port, host: '127.0.0.1' });
        const gotA = collect(a);
        const [hadError] = await nextEvent(loop, a, 'close');
        assert.equal(hadError, false);
        assert.equal(gotA.data().toString(), 'bye');
        assert.equal(a.writableEnded, true, 'the default ended our side after the peer’s end');

        const b = connect({ loop, port, host: '127.0.0.1', allowHalfOpen: true });
        const gotB = collect(b);
        await nextEvent(loop, b, 'end');
        assert.equal(gotB.data().toString(), 'bye');
        assert.equal(b.writable, true, 'still writable after the peer’s end');
        const closed = nextEvent(loop, b, 'close');
        b.end('late words');
        await closed;
        await until(
          loop,
          'server got the late words',
          () => Buffer.concat(fromClient).toString() === 'late words',
        );
        await closeServer(loop, server);
      }));

    test('write() after end(): ERR_STREAM_WRITE_AFTER_END, as any Duplex, and the socket closes', () =>
      onLoop(c, async (loop) => {
        const { server, port } = await listen(loop);
        const s = connect({ loop, port, host: '127.0.0.1' });
        await nextEvent(loop, s, 'connect');
        s.end('last');
        const errorEvent = nextEvent(loop, s, 'error');
        const closed = nextEvent(loop, s, 'close');
        const cbErr = await within(
          loop,
          5000,
          'write callback',
          new Promise<Error | null | undefined>((r) => s.write('too late', r)),
        );
        assert.equal((cbErr as NodeJS.ErrnoException).code, 'ERR_STREAM_WRITE_AFTER_END');
        const [err] = await errorEvent;
        assert.equal((err as NodeJS.ErrnoException).code, 'ERR_STREAM_WRITE_AFTER_END');
        const [hadError] = await closed;
        assert.equal(hadError, true);
        assert.equal(s.transport!.stats().fd, -1);
        await closeServer(loop, server);
      }));

    test('a refused connection gives an error shaped like net’s ECONNREFUSED', () =>
      onLoop(c, async (loop) => {
        const { server, port } = await listen(loop);
        await closeServer(loop, server); // now nobody listens on `port`
        const s = connect({ loop, port, host: '127.0.0.1' });
        const closed = nextEvent(loop, s, 'close');
        const [err] = (await nextEvent(loop, s, 'error')) as [NetError];
        assert.ok(err instanceof NetError);
        assert.equal(err.code, 'ECONNREFUSED');
        assert.equal(err.errno, -constants.errno.ECONNREFUSED);
        assert.equal(err.syscall, 'connect');
        assert.equal(err.address, '127.0.0.1');
        assert.equal(err.port, port);
        assert.equal(err.message, `connect ECONNREFUSED 127.0.0.1:${port}`);
        assert.ok(err.cause instanceof ConnectionRefusedError, 'the nbio error is the cause');
        const [hadError] = await closed;
        assert.equal(hadError, true);
        assert.equal(s.transport, null);
      }));

    test('writes and end() made while connecting are sent once connected', () =>
      onLoop(c, async (loop) => {
        const received: Buffer[] = [];
        let ended = false;
        const { server, port } = await listen(loop, (srv) => {
          srv.on('data', (d: Buffer) => received.push(d));
          srv.on('end', () => (ended = true));
        });
        const s = connect({ loop, port, host: '127.0.0.1' });
        s.write('early ');
        s.end('bird');
        assert.equal(s.connecting, true);
        await nextEvent(loop, s, 'finish');
        await until(loop, 'server end', () => ended);
        assert.equal(Buffer.concat(received).toString(), 'early bird');
        s.destroy();
        await closeServer(loop, server);
      }));

    test('setTimeout emits timeout without destroying; 0 turns it off', () =>
      onLoop(c, async (loop) => {
        const { server, port } = await listen(loop);
        const s = connect({ loop, port, host: '127.0.0.1' });
        await nextEvent(loop, s, 'connect');
        let fired = 0;
        s.setTimeout(15, () => fired++);
        assert.equal(s.timeout, 15);
        await nextEvent(loop, s, 'timeout', 5000);
        assert.equal(fired, 1);
        assert.equal(s.destroyed, false, 'a timeout does not destroy (as net)');
        assert.equal(s.readyState, 'open');
        s.setTimeout(0);
        assert.equal(s.timeout, undefined);
        const closed = nextEvent(loop, s, 'close');
        s.destroy();
        await closed;
        assert.equal(loop.stats().timersPending, 0, 'no timer left behind');
        await closeServer(loop, server);
      }));

    test('destroy() while connecting closes without connect or error', () =>
      onLoop(
        c,
        async (loop) => {
          const { server, port } = await listen(loop);
          const s = connect({ loop, port, host: '127.0.0.1' });
          const seen: string[] = [];
          s.on('connect', () => seen.push('connect'));
          s.on('error', () => seen.push('error'));
          s.destroy();
          const [hadError] = await nextEvent(loop, s, 'close');
          assert.equal(hadError, false);
          await loopSleep(loop, 5);
          assert.deepEqual(seen, []);
          await closeServer(loop, server);
        },
        { noBytes: true },
      ));

    test('a reset by the peer arrives as ECONNRESET', () =>
      onLoop(c, async (loop) => {
        let serverSide: Socket | null = null;
        const { server, port } = await listen(loop, (srv) => (serverSide = srv), { pauseOnConnect: true });
        const s = connect({ loop, port, host: '127.0.0.1' });
        await nextEvent(loop, s, 'connect');
        s.resume();
        await until(loop, 'server connection', () => serverSide !== null);
        s.write('unread'); // sits unread in the server's receive queue
        await until(loop, 'sent', () => s.transport!.stats().bytesWritten === 6);
        const closed = nextEvent(loop, s, 'close');
        const error = nextEvent(loop, s, 'error');
        (serverSide as unknown as Socket).destroy(); // close() with unread data sends RST
        const [err] = (await error) as [NetError];
        assert.equal(err.code, 'ECONNRESET');
        assert.equal(err.syscall, 'read');
        assert.deepEqual(await closed, [true]);
        await closeServer(loop, server);
      }));

    test('a custom lookup is used and reported with the lookup event', () =>
      onLoop(c, async (loop) => {
        const { server, port } = await listen(loop);
        const asked: string[] = [];
        const s = new Socket({ loop });
        const lookedUp = nextEvent(loop, s, 'lookup');
        s.connect({
          port,
          host: 'nbio-compat.invalid',
          lookup: (host, _opts, cb) => {
            asked.push(host);
            setImmediate(cb, null, '127.0.0.1', 4);
          },
        });
        const [err, address, family, host] = await lookedUp;
        assert.deepEqual([err, address, family, host], [null, '127.0.0.1', 4, 'nbio-compat.invalid']);
        await nextEvent(loop, s, 'connect');
        assert.deepEqual(asked, ['nbio-compat.invalid']);
        assert.equal(s.remoteAddress, '127.0.0.1');
        s.destroy();
        await nextEvent(loop, s, 'close');
        await closeServer(loop, server);
      }));

    test('Unix sockets: connect({ path })', () =>
      onLoop(c, async (loop) => {
        const dir = mkdtempSync(join(tmpdir(), 'nbio-compat-'));
        try {
          const path = join(dir, 's.sock');
          const server = createServer({ loop }, (srv) => srv.pipe(srv));
          server.listen(path);
          await nextEvent(loop, server, 'listening');
          assert.equal(server.address(), path);
          const s = connect({ loop, path });
          await nextEvent(loop, s, 'connect');
          assert.equal(s.remoteAddress, undefined);
          assert.deepEqual(s.address(), {});
          const got = collect(s);
          s.end('over a path');
          await nextEvent(loop, s, 'close');
          assert.equal(got.data().toString(), 'over a path');
          await closeServer(loop, server);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }));
  });
}
