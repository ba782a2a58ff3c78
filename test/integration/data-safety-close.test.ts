// Issue 9, defect 1: close() delivers what was written, then closes. A server reads one chunk
// of a 4 MiB request, writes a 1 MiB reply and closes; with the rest of the request unread, a
// plain close(fd) makes the kernel answer with an RST that discards the reply in flight. Every
// loop configuration, at the Transport level (the other API levels: data-safety-levels).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createServer } from '../../src/net/listener.ts';
import type { SocketTransport } from '../../src/net/socket-transport.ts';
import {
  assertWholeReply,
  forEachConfig,
  REPLY,
  sendRequestReadReply,
  withConfigLoop,
} from './fixtures/data-safety.ts';
import { Recorder } from './fixtures/net-harness.ts';

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
