// SocketTransport on every backend: pausing from connectionMade, half-close both ways,
// writing after close, a peer that resets mid-write, flow control against a slow reader,
// a throwing protocol, extra info and socket options.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  connectPair,
  deadline,
  forEachBackend,
  Recorder,
  sleep,
  withLoop,
} from '../../test/integration/fixtures/net-harness.ts';
import { sys } from '../sys/constants.ts';
import { OsError } from '../sys/errno.ts';
import { getIntOption } from '../sys/socket.ts';
import type { SocketTransport } from './socket-transport.ts';

const isCode = (c: string) => (e: unknown) => (e as { code?: string }).code === c;

forEachBackend('SocketTransport', (backend) => {
  test('pauseReading() inside connectionMade holds data until resumeReading()', async () => {
    const errors = await withLoop(backend, async (loop) => {
      const paused = () => {
        const r = new Recorder();
        r.onMade = (t) => t.pauseReading();
        return r;
      };
      const p = await connectPair(loop, { port: 0 }, paused);
      p.clientTransport.write('held back');
      await sleep(loop, 30);
      assert.equal(p.serverSide.received, 0, 'no dataReceived while paused');
      assert.equal(p.serverSide.transport!.isReading, false);
      p.serverSide.transport!.resumeReading();
      assert.equal(p.serverSide.transport!.isReading, true);
      await deadline(
        loop,
        5000,
        'data after resume',
        p.serverSide.until(() => p.serverSide.received === 9),
      );
      assert.equal(p.serverSide.data.toString(), 'held back');
      p.clientTransport.abort();
      await p.serverSide.until(() => p.serverSide.lostCount === 1);
      p.server.close();
    });
    assert.deepEqual(errors, []);
  });

  test('half-close: client writeEof, server keeps writing, then closes', async () => {
    const errors = await withLoop(backend, async (loop) => {
      const server = () => {
        const r = new Recorder();
        r.onEof = (t) => {
          t.write(`got ${r.data.toString()}`); // still writable after the peer's EOF
          t.close();
          return true;
        };
        return r;
      };
      const p = await connectPair(loop, { port: 0 }, server);
      const c = p.clientTransport;
      c.write('request');
      c.writeEof();
      c.writeEof(); // idempotent
      assert.throws(() => c.write('more'), isCode('NBIO_CLOSED'));
      assert.equal(c.isClosing, false, 'the read side stays open');
      await deadline(
        loop,
        5000,
        'reply and EOF',
        p.client.until(() => p.client.lostCount === 1),
      );
      assert.equal(p.client.data.toString(), 'got request');
      assert.deepEqual(p.client.events, ['made', 'data', 'eof', 'lost']);
      assert.deepEqual(p.serverSide.events.slice(0, 3), ['made', 'data', 'eof']);
      await p.serverSide.until(() => p.serverSide.lostCount === 1);
      assert.equal(p.serverSide.lostError, undefined);
      p.server.close();
    });
    assert.deepEqual(errors, []);
  });

  test('half-close: server writeEof, client answers after EOF', async () => {
    const errors = await withLoop(backend, async (loop) => {
      const server = () => {
        const r = new Recorder();
        r.onMade = (t) => {
          t.write('question');
          t.writeEof();
        };
        return r;
      };
      const client = () => {
        const r = new Recorder();
        r.onEof = (t) => {
          t.write('answer');
          t.close();
          return true;
        };
        return r;
      };
      const p = await connectPair(loop, { port: 0 }, server, client);
      await deadline(
        loop,
        5000,
        'server lost',
        p.serverSide.until(() => p.serverSide.lostCount === 1),
      );
      assert.equal(p.client.data.toString(), 'question');
      assert.equal(p.serverSide.data.toString(), 'answer');
      assert.deepEqual(p.serverSide.events, ['made', 'data', 'eof', 'lost']);
      await p.client.until(() => p.client.lostCount === 1);
      p.server.close();
    });
    assert.deepEqual(errors, []);
  });

  test('write after close() or abort() throws ClosedResourceError; connectionLost runs once', async () => {
    const errors = await withLoop(backend, async (loop) => {
      const p = await connectPair(loop, { port: 0 });
      const c = p.clientTransport;
      assert.throws(() => c.write(42 as unknown as string), isCode('NBIO_INVALID_ARGUMENT'));
      c.close();
      c.close();
      c.abort();
      assert.equal(c.isClosing, true);
      assert.throws(() => c.write('late'), isCode('NBIO_CLOSED'));
      assert.throws(() => c.writeLines?.(['a', 'b']), isCode('NBIO_CLOSED'));
      assert.equal(p.client.lostCount, 0, 'connectionLost is never synchronous');
      await deadline(
        loop,
        5000,
        'lost',
        p.client.until(() => p.client.lostCount === 1),
      );
      assert.equal(c.getExtraInfo('fd'), -1);
      assert.equal(c.stats().fd, -1);
      await p.serverSide.until(() => p.serverSide.lostCount === 1);
      await sleep(loop, 10);
      assert.equal(p.client.lostCount, 1);
      assert.equal(p.serverSide.lostCount, 1);
      p.server.close();
    });
    assert.deepEqual(errors, []);
  });

  test('a peer that resets mid-write gives BrokenResourceError in connectionLost', async () => {
    const errors = await withLoop(backend, async (loop) => {
      const unread = () => {
        const r = new Recorder();
        r.onMade = (t) => t.pauseReading();
        return r;
      };
      const p = await connectPair(loop, { port: 0 }, unread);
      const c = p.clientTransport;
      c.write(Buffer.alloc(10_000, 1));
      await sleep(loop, 20);
      // Closing with unread bytes in the receive buffer makes Linux answer with RST.
      p.serverSide.transport!.abort();
      const chunk = Buffer.alloc(64 * 1024, 2);
      let writes = 0;
      await deadline(
        loop,
        5000,
        'broken',
        new Promise<void>((resolve) => {
          const pump = () => {
            if (c.isClosing) return resolve();
            c.write(chunk);
            writes++;
            loop.callLater(1, pump);
          };
          pump();
        }),
      );
      await p.client.until(() => p.client.lostCount === 1);
      const err = p.client.lostError as Error & { code?: string; cause?: unknown };
      assert.equal(err?.code, 'NBIO_BROKEN', `got ${err}`);
      assert.ok(err.cause instanceof OsError);
      assert.ok(['ECONNRESET', 'EPIPE'].includes(err.cause.code), err.cause.code);
      assert.ok(writes >= 1);
      assert.throws(() => c.write('x'), isCode('NBIO_BROKEN'));
      p.server.close();
    });
    assert.deepEqual(errors, []);
  });

  test('slow reader: pauseWriting bounds the buffer, resumeWriting follows the drain', async () => {
    const errors = await withLoop(backend, async (loop) => {
      const slow = () => {
        const r = new Recorder();
        r.onMade = (t) => t.pauseReading();
        return r;
      };
      const p = await connectPair(loop, { port: 0 }, slow);
      const c = p.clientTransport as SocketTransport;
      assert.deepEqual(c.getWriteBufferLimits(), { high: 64 * 1024, low: 16 * 1024 });
      const chunk = Buffer.alloc(16 * 1024, 3);
      const LIMIT = 256 * 1024 * 1024; // far above any socket buffer: the loop ends at the pause
      let written = 0;
      let maxBuffered = 0;
      // A completion transport (io_uring) hands its buffer to the kernel only when the loop
      // submits, so one turn of writes can pause before the socket buffers are full: write on,
      // turn after turn, until a pause holds while the reader sleeps (readiness: one round).
      for (let round = 0; round < 200 && written < LIMIT; round++) {
        while (!c.stats().writePaused && written < LIMIT) {
          c.write(chunk);
          written += chunk.length;
          maxBuffered = Math.max(maxBuffered, c.bufferedAmount);
        }
        await sleep(loop, 20);
        if (c.stats().writePaused) break;
      }
      assert.ok(p.client.events.includes('pause'), 'pauseWriting fired');
      assert.ok(c.stats().writePaused);
      assert.ok(maxBuffered <= 64 * 1024 + chunk.length, `buffer stayed bounded (${maxBuffered})`);
      const eventsBefore = p.client.events.length;
      await sleep(loop, 20);
      assert.equal(p.client.events.length, eventsBefore, 'no resume while the reader sleeps');
      p.serverSide.transport!.resumeReading();
      await deadline(
        loop,
        10_000,
        'resume',
        p.client.until(() => p.client.events.length > eventsBefore && p.client.events.at(-1) === 'resume'),
      );
      assert.ok(c.bufferedAmount <= 16 * 1024);
      c.close();
      await deadline(
        loop,
        10_000,
        'all bytes',
        p.serverSide.until(() => p.serverSide.lostCount === 1),
      );
      assert.equal(p.serverSide.received, written, 'every byte accepted by write() arrived');
      const flow = p.client.events.filter((e) => e === 'pause' || e === 'resume');
      assert.ok(flow.length >= 2 && flow.length % 2 === 0, `pause/resume pairs: ${flow.join(',')}`);
      for (const [i, e] of flow.entries())
        assert.equal(e, i % 2 === 0 ? 'pause' : 'resume', 'they alternate');
      p.server.close();
    });
    assert.deepEqual(errors, []);
  });

  test('a throwing dataReceived is reported and aborts the transport with that error', async () => {
    const boom = new Error('protocol bug');
    const errors = await withLoop(backend, async (loop) => {
      const thrower = () => {
        const r = new Recorder();
        r.onData = () => {
          throw boom;
        };
        return r;
      };
      const p = await connectPair(loop, { port: 0 }, thrower);
      p.clientTransport.write('x');
      await deadline(
        loop,
        5000,
        'lost',
        p.serverSide.until(() => p.serverSide.lostCount === 1),
      );
      assert.equal(p.serverSide.lostError, boom);
      await p.client.until(() => p.client.lostCount === 1);
      p.server.close();
    });
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.error, boom);
    assert.match(errors[0]?.message ?? '', /dataReceived/);
  });

  test('extra info, stats, water marks and socket options', async () => {
    const errors = await withLoop(backend, async (loop) => {
      const p = await connectPair(loop, { port: 0 });
      const c = p.clientTransport as SocketTransport;
      const s = p.serverSide.transport!;
      assert.deepEqual(c.getExtraInfo('peername'), s.getExtraInfo('sockname'));
      assert.deepEqual(s.getExtraInfo('peername'), c.getExtraInfo('sockname'));
      assert.deepEqual(c.getExtraInfo('peername'), p.server.address());
      const fd = c.getExtraInfo('fd');
      assert.equal(getIntOption(fd, sys.IPPROTO_TCP, sys.TCP_NODELAY), 1, 'TCP_NODELAY on by default');
      c.setNoDelay(false);
      assert.equal(getIntOption(fd, sys.IPPROTO_TCP, sys.TCP_NODELAY), 0);
      c.setKeepAlive(true);
      assert.notEqual(getIntOption(fd, sys.SOL_SOCKET, sys.SO_KEEPALIVE), 0);
      const idleSec = getIntOption(fd, sys.IPPROTO_TCP, sys.TCP_KEEPIDLE);
      c.setKeepAlive(true, 17);
      assert.equal(getIntOption(fd, sys.IPPROTO_TCP, sys.TCP_KEEPIDLE), 17, 'the idle time before probes');
      c.setKeepAlive(true, 0); // no delay given: the idle time stays as it was
      assert.equal(getIntOption(fd, sys.IPPROTO_TCP, sys.TCP_KEEPIDLE), 17);
      assert.notEqual(idleSec, 17);
      assert.throws(() => c.setKeepAlive(true, -1), isCode('NBIO_INVALID_ARGUMENT'));
      assert.throws(() => c.setKeepAlive(true, 1.5), isCode('NBIO_INVALID_ARGUMENT'));
      c.setWriteBufferLimits(1000);
      assert.deepEqual(c.getWriteBufferLimits(), { high: 1000, low: 250 });
      assert.throws(() => c.setWriteBufferLimits(10, 20), isCode('NBIO_INVALID_ARGUMENT'));
      assert.throws(() => c.setWriteBufferLimits(-1), isCode('NBIO_INVALID_ARGUMENT'));
      assert.throws(() => c.setProtocol({} as never), isCode('NBIO_INVALID_ARGUMENT'));
      c.write('12345');
      await deadline(
        loop,
        5000,
        'data',
        p.serverSide.until(() => p.serverSide.received === 5),
      );
      const st = c.stats();
      assert.equal(st.bytesWritten, 5);
      assert.equal(st.bufferedAmount, 0);
      assert.equal(st.isReading, true);
      assert.ok(Object.isFrozen(st));
      assert.equal(c.canWriteEof(), true);
      const other = new Recorder();
      c.setProtocol(other);
      assert.equal(c.getProtocol(), other);
      s.write('to other');
      await deadline(
        loop,
        5000,
        'other',
        other.until(() => other.received === 8),
      );
      assert.equal(p.client.received, 0, 'the replaced protocol gets nothing');
      c.abort();
      await other.until(() => other.lostCount === 1);
      await p.serverSide.until(() => p.serverSide.lostCount === 1);
      p.server.close();
    });
    assert.deepEqual(errors, []);
  });
});
