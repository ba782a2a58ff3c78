// Issue 9, defect 1 at every API level above the Transport: streams (writer.close()), Twisted
// (loseConnection), Tornado (IOStream.close) and compat (socket.end()). Each server reads one
// chunk of a 4 MiB request, writes a 1 MiB reply and closes; the client (an nbio transport)
// must receive all 1,048,576 bytes and a clean end, on every loop configuration.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startServer } from '../../src/async/stream-server.ts';
import { createServer as createCompatServer } from '../../src/compat/server.ts';
import type { Socket } from '../../src/compat/socket.ts';
import { TCPServer } from '../../src/styles/tornado/tcp-server.ts';
import { Factory } from '../../src/styles/twisted/factory.ts';
import { listenTCP } from '../../src/styles/twisted/listen-tcp.ts';
import { Protocol } from '../../src/styles/twisted/protocol.ts';
import {
  assertWholeReply,
  forEachConfig,
  REPLY,
  sendRequestReadReply,
  withConfigLoop,
} from './fixtures/data-safety.ts';

forEachConfig('a 1 MiB reply behind 4 MiB of unread request', (config) => {
  test('streams: write, drain, writer.close(); waitClosed() resolves clean', async () => {
    const errors = await withConfigLoop(config, async (loop) => {
      let closed: Promise<void> = Promise.reject(new Error('no connection'));
      closed.catch(() => {});
      const server = await startServer(loop, async (reader, writer) => {
        await reader.read();
        writer.write(REPLY);
        await writer.drain();
        writer.close();
        closed = writer.waitClosed();
        await closed;
      });
      const { port } = server.address() as { port: number };
      assertWholeReply(await sendRequestReadReply(loop, port));
      await closed; // after the linger: the client's EOF came, so a clean end
      server.close();
    });
    assert.deepEqual(errors, []);
  });

  test('Twisted: transport.write then loseConnection(); connectionLost(undefined)', async () => {
    const errors = await withConfigLoop(config, async (loop) => {
      const reasons: (Error | undefined)[] = [];
      class Replier extends Protocol {
        #replied = false;
        override dataReceived(): void {
          if (this.#replied) return;
          this.#replied = true;
          this.transport!.write(REPLY);
          this.transport!.loseConnection();
        }
        override connectionLost(reason?: Error): void {
          reasons.push(reason);
        }
      }
      const port = listenTCP(loop, 0, Factory.forProtocol(Replier), { interface: '127.0.0.1' });
      assertWholeReply(await sendRequestReadReply(loop, (port.getHost() as { port: number }).port));
      await new Promise<void>((resolve) => {
        const poll = () => (reasons.length > 0 ? resolve() : loop.callLater(1, poll));
        poll();
      });
      assert.deepEqual(reasons, [undefined], 'connectionLost once, clean');
      await port.stopListening();
    });
    assert.deepEqual(errors, []);
  });

  test('Tornado: await stream.write then stream.close(); the close callback runs', async () => {
    const errors = await withConfigLoop(config, async (loop) => {
      let closedCallbacks = 0;
      const server = new TCPServer(loop, async (stream) => {
        stream.setCloseCallback(() => closedCallbacks++);
        await stream.readBytes(1, { partial: true });
        await stream.write(REPLY);
        stream.close();
      });
      server.listen(0);
      assertWholeReply(await sendRequestReadReply(loop, server.address().port));
      await new Promise<void>((resolve) => {
        const poll = () => (closedCallbacks > 0 ? resolve() : loop.callLater(1, poll));
        poll();
      });
      assert.equal(closedCallbacks, 1);
      server.stop();
    });
    assert.deepEqual(errors, []);
  });

  test("compat: socket.end(reply) after one 'data'; 'close' without error", async () => {
    const errors = await withConfigLoop(config, async (loop) => {
      const closes: boolean[] = [];
      const server = createCompatServer({ loop }, (socket: Socket) => {
        socket.once('data', () => socket.end(REPLY));
        socket.on('error', () => {});
        socket.on('close', (hadError: boolean) => closes.push(hadError));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as { port: number };
      assertWholeReply(await sendRequestReadReply(loop, port));
      await new Promise<void>((resolve) => {
        const poll = () => (closes.length > 0 ? resolve() : loop.callLater(1, poll));
        poll();
      });
      assert.deepEqual(closes, [false]);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    assert.deepEqual(errors, []);
  });
});
