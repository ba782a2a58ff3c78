// Backpressure end to end over loopback TCP, on every backend and mode: a 1 MiB write makes
// drain() wait while the peer does not read (and only then), and a reader that does not
// consume pauses its transport once its buffer passes the limit, bounding its memory.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Event } from '../../src/async/event.ts';
import { openConnection } from '../../src/async/open-connection.ts';
import { sleep } from '../../src/async/sleep.ts';
import type { StreamReader } from '../../src/async/stream-reader.ts';
import { startServer } from '../../src/async/stream-server.ts';
import type { StreamWriter } from '../../src/async/stream-writer.ts';
import { loopConfigs, withLoop } from '../../src/async/test-support.ts';
import type { EventLoop } from '../../src/loop/event-loop.ts';
import { sys } from '../../src/sys/constants.ts';
import type { Ipv4Address } from '../../src/sys/sockaddr.ts';
import { setIntOption } from '../../src/sys/socket.ts';
import { fdSnapshot, fdsOpenedSince } from '../../src/testing/fd-count.ts';

const MiB = 1024 * 1024;
const LIMIT = 64 * 1024;

/** 1 MiB with a pattern, so a reordered or lost byte is noticed. */
const payload = Buffer.alloc(MiB);
for (let i = 0; i < payload.length; i++) payload[i] = (i * 7 + (i >> 10)) & 0xff;

/** Waits (bounded) until `cond()` holds, checking every few ms of loop time. */
async function until(loop: EventLoop, cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !cond(); i++) await sleep(loop, 5);
  assert.ok(cond(), `timed out waiting for ${what}`);
}

/** A server whose handler holds the pair until `go` is set, then reads 1 MiB back. */
async function slowServer(loop: EventLoop, go: Event) {
  const side: { reader?: StreamReader; writer?: StreamWriter; received?: Buffer } = {};
  const connected = new Event();
  const server = await startServer(
    loop,
    async (reader, writer) => {
      side.reader = reader;
      side.writer = writer;
      connected.set();
      await go.wait();
      side.received = await reader.readExactly(MiB);
      writer.write('got it\n');
      writer.close();
    },
    { host: '127.0.0.1', port: 0, limit: LIMIT },
  );
  const [reader, writer] = await openConnection(loop, {
    host: '127.0.0.1',
    port: (server.address() as Ipv4Address).port,
  });
  // Linux autotunes a TCP send buffer up to net.ipv4.tcp_wmem's maximum (4 MiB here), which
  // would swallow the whole 1 MiB and leave nothing for nbio to buffer. A fixed SO_SNDBUF
  // (disabling autotuning) keeps the kernel's share small, as on a slow network.
  setIntOption(writer.getExtraInfo('fd'), sys.SOL_SOCKET, sys.SO_SNDBUF, 32 * 1024);
  await connected.wait();
  return { server, reader, writer, side };
}

for (const config of loopConfigs()) {
  describe(`backpressure on ${config.backend} (${config.mode} mode)`, () => {
    let fds = fdSnapshot();
    before(() => {
      fds = fdSnapshot();
    });
    after(() => assert.deepEqual(fdsOpenedSince(fds), [], 'every descriptor opened was closed'));

    test('1 MiB write: drain() waits while the peer does not read, resolves once it does', async () => {
      await withLoop(config, async (loop) => {
        const go = new Event();
        const { server, reader, writer } = await slowServer(loop, go);
        writer.write(payload); // synchronous: the kernel takes what it can, the rest is buffered
        const { high } = writer.transport.getWriteBufferLimits();
        assert.ok(
          writer.transport.bufferedAmount > high,
          `the transport buffers ${writer.transport.bufferedAmount} B, above its high mark ${high}`,
        );
        let drained = false;
        const drain = writer.drain().then(() => {
          drained = true;
        });
        for (let i = 0; i < 10; i++) {
          await sleep(loop, 2);
          assert.equal(drained, false, 'drain() must stay pending while the peer reads nothing');
        }
        go.set();
        await drain;
        assert.ok(writer.transport.bufferedAmount <= writer.transport.getWriteBufferLimits().low);
        assert.equal((await reader.readLine()).toString(), 'got it\n');
        writer.close();
        await writer.waitClosed();
        server.close();
        await server.waitClosed();
      });
    });

    test('a reader that does not consume pauses its transport past the limit; nothing is lost', async () => {
      await withLoop(config, async (loop) => {
        const go = new Event();
        const { server, reader, writer, side } = await slowServer(loop, go);
        writer.write(payload);
        await until(loop, () => side.reader!.stats().paused, 'the server reader to pause');
        const t = side.writer!.transport;
        assert.equal(t.isReading, false, 'the server transport stopped reading');
        const held = side.reader!.bufferedAmount;
        assert.ok(held > LIMIT, `paused only past the limit (holds ${held})`);
        assert.ok(held <= LIMIT + 64 * 1024, `memory bounded by limit + one read (holds ${held})`);
        await sleep(loop, 10);
        assert.equal(side.reader!.bufferedAmount, held, 'nothing more was read while paused');
        go.set();
        assert.equal((await reader.readLine()).toString(), 'got it\n');
        assert.ok(side.received!.equals(payload), 'all 1 MiB arrived, in order');
        writer.close();
        await writer.waitClosed();
        server.close();
        await server.waitClosed();
      });
    });
  });
}
