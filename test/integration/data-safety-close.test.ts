// Issue 9, defect 1: close() delivers what was written, then closes. A server reads one chunk
// of a 4 MiB request, writes a 1 MiB reply and closes; with the rest of the request unread, a
// plain close(fd) makes the kernel answer with an RST that discards the reply in flight. Every
// loop configuration, at the Transport level (the other API levels: data-safety-levels).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { NbioError } from '../../src/errors.ts';
import { createConnection } from '../../src/net/connect.ts';
import { createServer } from '../../src/net/listener.ts';
import type { SocketTransport } from '../../src/net/socket-transport.ts';
import {
  assertWholeReply,
  forEachConfig,
  REPLY,
  sendRequestReadReply,
  withConfigLoop,
} from './fixtures/data-safety.ts';
import { dial, Recorder } from './fixtures/net-harness.ts';

forEachConfig('close() after a reply behind an unread request', (config) => {
  test('Transport.close(): the client receives all 1,048,576 bytes, no ECONNRESET', async () => {
    const errors = await withConfigLoop(config, async (loop) => {
      let serverSide: Recorder | null = null;
      const server = createServer(
        loop,
        () => {
          const r = new Recorder();
          r.onData = (_d, t) => {
            if (t.isClosing) return;
            t.write(REPLY);
            t.close();
          };
          serverSide = r;
          return r;
        },
        { host: '127.0.0.1', port: 0 },
      );
      const { port } = server.address() as { port: number };
      const outcome = await sendRequestReadReply(loop, port);
      assertWholeReply(outcome);
      const s = serverSide as Recorder | null;
      assert.ok(s !== null);
      await s.until(() => s.lostCount === 1);
      assert.equal(s.lostError, undefined, 'the server side ended cleanly too');
      assert.equal(s.events.filter((e) => e === 'data').length, 1, 'no data after close()');
      server.close();
    });
    assert.deepEqual(errors, []);
  });

  test('abort() is still immediate: the descriptor closes at once', async () => {
    const errors = await withConfigLoop(config, async (loop) => {
      let serverT: SocketTransport | null = null;
      const server = createServer(
        loop,
        () => {
          const r = new Recorder();
          r.onData = (_d, t) => {
            if (t.isClosing) return;
            serverT = t as SocketTransport;
            t.write(REPLY);
            t.abort();
            assert.equal(serverT.stats().fd, -1, 'closed synchronously');
          };
          return r;
        },
        { host: '127.0.0.1', port: 0 },
      );
      const { port } = server.address() as { port: number };
      const outcome = await sendRequestReadReply(loop, port);
      assert.ok(serverT !== null);
      assert.ok(outcome.data.length <= REPLY.length);
      server.close();
    });
    assert.deepEqual(errors, []);
  });
});

forEachConfig('close() lingering', (config) => {
  test('a peer that never ends: the fd closes after lingerMs, connectionLost gets a TimeoutError', async () => {
    const errors = await withConfigLoop(config, async (loop) => {
      let serverT: SocketTransport | null = null;
      const side = new Recorder();
      side.onData = (_d, t) => {
        if (t.isClosing) return;
        serverT = t as SocketTransport;
        t.write('bye');
        t.close();
      };
      const server = createServer(loop, () => side, { host: '127.0.0.1', port: 0, lingerMs: 100 });
      const { port } = server.address() as { port: number };
      // The client reads (so the reply is delivered) but never closes or half-closes.
      const { transport, protocol } = await dial(loop, () => new Recorder(), { host: '127.0.0.1', port });
      protocol.onEof = () => true; // stay open after the server's EOF
      const t0 = loop.time();
      transport.write(Buffer.alloc(300_000, 1)); // more than one read, all of it dropped
      await side.until(() => side.lostCount === 1);
      const waitedMs = loop.time() - t0;
      assert.ok(waitedMs >= 95, `lingered about lingerMs (${waitedMs} ms)`);
      assert.equal((side.lostError as NbioError | undefined)?.code, 'NBIO_TIMEOUT');
      assert.match(String(side.lostError?.message), /lingerMs \(100 ms\)/);
      const st = (serverT as SocketTransport | null)?.stats();
      assert.equal(st?.fd, -1);
      assert.ok((st?.bytesRead ?? 0) + (st?.bytesDiscarded ?? 0) === 300_000, 'every byte was read');
      await protocol.until(() => protocol.received === 3);
      assert.equal(protocol.data.toString(), 'bye');
      transport.close();
      await protocol.until(() => protocol.lostCount === 1);
      server.close();
    });
    assert.deepEqual(errors, []);
  });

  test('createConnection takes lingerMs: a client close() lingers too, bounded', async () => {
    const errors = await withConfigLoop(config, async (loop) => {
      const side = new Recorder();
      side.onEof = () => true; // the server never ends its side
      const server = createServer(loop, () => side, { host: '127.0.0.1', port: 0 });
      const { port } = server.address() as { port: number };
      assert.throws(
        () =>
          createConnection(
            loop,
            () => new Recorder(),
            { host: '127.0.0.1', port, lingerMs: Number.NaN },
            () => {},
          ),
        (e: NbioError) => e.code === 'NBIO_INVALID_ARGUMENT' && /lingerMs/.test(e.message),
      );
      const { transport, protocol } = await dial(loop, () => new Recorder(), {
        host: '127.0.0.1',
        port,
        lingerMs: 60,
      });
      transport.write('last words');
      transport.close();
      await protocol.until(() => protocol.lostCount === 1);
      assert.equal((protocol.lostError as NbioError | undefined)?.code, 'NBIO_TIMEOUT');
      await side.until(() => side.received === 10 && side.events.includes('eof'));
      side.transport?.close();
      await side.until(() => side.lostCount === 1);
      server.close();
    });
    assert.deepEqual(errors, []);
  });

  test('lingerMs: 0 closes right after the flush; a bad lingerMs is refused', async () => {
    const errors = await withConfigLoop(config, async (loop) => {
      assert.throws(
        () => createServer(loop, () => new Recorder(), { port: 0, lingerMs: -1 }).close(),
        (e: NbioError) => e.code === 'NBIO_INVALID_ARGUMENT',
      );
      const side = new Recorder();
      side.onMade = (t) => {
        t.write('now');
        t.close();
      };
      const server = createServer(loop, () => side, { host: '127.0.0.1', port: 0, lingerMs: 0 });
      const { port } = server.address() as { port: number };
      const { transport, protocol } = await dial(loop, () => new Recorder(), { host: '127.0.0.1', port });
      protocol.onEof = () => true;
      await side.until(() => side.lostCount === 1);
      assert.equal(side.lostError, undefined);
      await protocol.until(() => protocol.received === 3);
      transport.close();
      await protocol.until(() => protocol.lostCount === 1);
      server.close();
    });
    assert.deepEqual(errors, []);
  });
});

const noEpoll = process.platform !== 'linux' && 'the child uses the epoll selector in guest mode (Linux)';
test(
  'guest mode: a lingering connection keeps the process alive for lingerMs, not longer',
  { skip: noEpoll },
  async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./fixtures/linger-exit-child.ts', import.meta.url)), '400'],
      { cwd: fileURLToPath(new URL('../..', import.meta.url)), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    clearTimeout(killer);
    assert.equal(code, 0, err);
    const r = JSON.parse(out.trim()) as { lostAfterMs: number; lostCode: string | null; exitAfterMs: number };
    assert.equal(r.lostCode, 'NBIO_TIMEOUT', 'the linger ran out (the peer never ended)');
    assert.ok(r.lostAfterMs >= 390, `the linger lasted lingerMs (${r.lostAfterMs} ms)`);
    assert.ok(r.exitAfterMs - r.lostAfterMs < 500, `exited right after (${r.exitAfterMs} ms)`);
  },
);
