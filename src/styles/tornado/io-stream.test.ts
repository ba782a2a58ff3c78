// IOStream over real loopback connections (TCPServer + TCPClient) on every backend and mode:
// the read modes, write promises, backpressure, and Tornado's faults, typed. Fds counted.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  BrokenResourceError,
  BusyResourceError,
  ClosedResourceError,
  ConnectionRefusedError,
  IncompleteReadError,
  InvalidArgumentError,
  LimitOverrunError,
} from '../../errors.ts';
import { EventLoop, type RunMode } from '../../loop/event-loop.ts';
import type { SelectorName } from '../../selector/selector.ts';
import { fdSnapshot, fdsOpenedSince } from '../../testing/fd-count.ts';
import { loopConfigs } from '../../testing/loop-configs.ts';
import type { IOStream } from './io-stream.ts';
import { TCPClient, TCPServer } from './tcp-server.ts';

const configs = loopConfigs();

/**
 * Runs `body(client, serverStream)` on a fresh loop with one connection, bounded to 10 s;
 * closes everything afterwards, even on failure.
 */
async function withPair(
  backend: SelectorName,
  mode: RunMode,
  body: (loop: EventLoop, client: IOStream, server: IOStream) => Promise<void>,
  options: { clientMax?: number; serverMax?: number } = {},
): Promise<void> {
  const loop = new EventLoop({ selector: backend, mode });
  let serverStream: IOStream | null = null;
  let client: IOStream | null = null;
  let accepted!: (s: IOStream) => void;
  const acceptedP = new Promise<IOStream>((r) => (accepted = r));
  const server = new TCPServer(loop, (s) => accepted(s), { maxBufferSize: options.serverMax });
  try {
    server.listen(0);
    await loop.runUntilComplete(async () => {
      let timer: { cancel(): void } | null = null;
      const limit = new Promise<never>((_, reject) => {
        timer = loop.callLater(10_000, () => reject(new Error('the exchange did not finish within 10 s')));
      });
      const work = (async () => {
        client = await new TCPClient(loop).connect('127.0.0.1', server.address().port, {
          maxBufferSize: options.clientMax,
          timeoutSec: 5,
        });
        serverStream = await acceptedP;
        await body(loop, client, serverStream);
      })();
      try {
        await Promise.race([work, limit]);
      } finally {
        timer!.cancel();
      }
    });
  } finally {
    server.stop();
    (client as IOStream | null)?.transport.abort();
    (serverStream as IOStream | null)?.transport.abort();
    await loop.runUntilComplete(new Promise<void>((r) => loop.callSoon(() => r())));
    loop.close();
  }
}

for (const { backend, mode } of configs) {
  describe(`IOStream on ${backend} (${mode} mode)`, () => {
    let fdsBefore = fdSnapshot();
    before(() => {
      fdsBefore = fdSnapshot();
    });
    after(() => {
      assert.deepEqual(fdsOpenedSince(fdsBefore), [], 'every descriptor opened was closed');
    });

    test('readUntil, readBytes (whole and partial), readUntilClose; write resolves when flushed', () =>
      withPair(backend, mode, async (loop, client, server) => {
        await client.write('GET / HTTP/1.0\r\n\r\n0123456789');
        assert.equal(client.writing(), false, 'flushed to the socket');
        assert.equal((await server.readUntil('\r\n\r\n')).toString(), 'GET / HTTP/1.0\r\n\r\n');
        assert.equal((await server.readBytes(4)).toString(), '0123');
        const part = await server.readBytes(100, { partial: true });
        assert.ok(part.length >= 1 && part.length <= 6 && '456789'.startsWith(part.toString()));
        await Promise.all([client.write('tail'), server.write('bye')]);
        // Let 'bye' reach the client's buffer (closing with unread bytes in the kernel sends RST).
        for (let i = 0; i < 500 && client.bufferedAmount < 3; i++)
          await new Promise<void>((r) => loop.callLater(1, () => r()));
        client.close();
        assert.equal(client.closed(), true);
        assert.equal((await client.readBytes(3)).toString(), 'bye', 'buffered data is readable after close');
        await assert.rejects(client.readBytes(1), ClosedResourceError, 'then the closed stream refuses');
        const rest = await server.readUntilClose();
        assert.equal(rest.toString(), '456789tail'.slice(part.length));
      }));

    test('a second read while one is pending is BusyResourceError; the first still completes', () =>
      withPair(backend, mode, async (_loop, client, server) => {
        const first = server.readUntil('\n');
        assert.equal(server.reading(), true);
        await assert.rejects(
          server.readBytes(1),
          (e: unknown) =>
            e instanceof BusyResourceError &&
            e.code === 'NBIO_BUSY' &&
            /already reading \(a readUntil is pending\)/.test(e.message),
        );
        await client.write('line\n');
        assert.equal((await first).toString(), 'line\n');
      }));

    test('readUntil past maxBytes is LimitOverrunError and closes the stream', () =>
      withPair(backend, mode, async (_loop, client, server) => {
        let closedCallback = false;
        const callbackRan = new Promise<void>((resolve) => {
          server.setCloseCallback(() => {
            closedCallback = true;
            resolve();
          });
        });
        await client.write('x'.repeat(50));
        await assert.rejects(
          server.readUntil('\n', { maxBytes: 16 }),
          (e: unknown) => e instanceof LimitOverrunError && e.code === 'NBIO_LIMIT_OVERRUN',
        );
        assert.equal(server.closed(), true);
        await assert.rejects(server.write('late'), ClosedResourceError);
        // the peer sees the close
        await assert.rejects(client.readBytes(1), IncompleteReadError);
        // close() lingers until the peer's EOF (issue 9): the callback runs once the fd is closed.
        client.close();
        await callbackRan;
        assert.ok(closedCallback, 'the close callback ran');
      }));

    test('the peer closing before a read is satisfied: IncompleteReadError with what arrived', () =>
      withPair(backend, mode, async (_loop, client, server) => {
        await client.write('abc');
        client.close();
        await assert.rejects(
          server.readBytes(10),
          (e: unknown) =>
            e instanceof IncompleteReadError && e.partial.toString() === 'abc' && e.expected === 10,
        );
      }));

    test('backpressure: the buffer stops at maxBufferSize, the sender’s buffer fills, then everything arrives', () =>
      withPair(
        backend,
        mode,
        async (loop, client, server) => {
          const total = 16 * 1024 * 1024;
          const sent = server.write(Buffer.alloc(total, 97));
          // wait (bounded) until the client stopped reading and the server holds unsent bytes
          for (let i = 0; i < 500 && !(client.transport.isReading === false && server.writing()); i++) {
            await new Promise<void>((r) => loop.callLater(2, () => r()));
          }
          assert.equal(client.transport.isReading, false, 'the client paused reading');
          assert.ok(server.writing(), 'the rest waits in the sender’s buffer');
          assert.ok(client.bufferedAmount >= 64 * 1024, 'the buffer filled up to its limit');
          assert.ok(
            client.bufferedAmount < 64 * 1024 + 64 * 1024,
            `bounded by maxBufferSize + one read (${client.bufferedAmount})`,
          );
          let got = 0;
          while (got < total) got += (await client.readBytes(64 * 1024, { partial: true })).length;
          assert.equal(got, total);
          await sent;
        },
        { clientMax: 64 * 1024 },
      ));

    test('a connection broken under a pending write rejects it with BrokenResourceError', () =>
      withPair(backend, mode, async (loop, client, server) => {
        server.transport.pauseReading();
        const sent = client.write(Buffer.alloc(16 * 1024 * 1024, 98));
        for (let i = 0; i < 500 && !client.writing(); i++)
          await new Promise<void>((r) => loop.callLater(2, () => r()));
        server.transport.abort(); // RST: the client's next send fails
        await assert.rejects(sent, BrokenResourceError);
        assert.ok(client.error instanceof BrokenResourceError);
        assert.equal(client.closed(), true);
      }));

    test('bad arguments are refused with InvalidArgumentError', () =>
      withPair(
        backend,
        mode,
        async (_loop, _client, server) => {
          await assert.rejects(server.readBytes(1025), /more than maxBufferSize \(1024\)/);
          await assert.rejects(server.readBytes(-1), InvalidArgumentError);
          await assert.rejects(server.readUntil(''), InvalidArgumentError);
          await assert.rejects(server.readUntil('\n', { maxBytes: 0 }), InvalidArgumentError);
          assert.equal(server.reading(), false);
        },
        { serverMax: 1024 },
      ));

    test('TCPClient.connect to a port nobody listens on rejects with ConnectionRefusedError', async () => {
      const loop = new EventLoop({ selector: backend, mode });
      const probe = new TCPServer(loop, () => {});
      probe.listen(0);
      const port = probe.address().port;
      probe.stop();
      await assert.rejects(
        loop.runUntilComplete(new TCPClient(loop).connect('127.0.0.1', port)),
        ConnectionRefusedError,
      );
      loop.close();
    });
  });
}
