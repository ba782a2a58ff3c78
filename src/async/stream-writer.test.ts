// StreamWriter over an in-memory transport, on every backend and mode: write passes through,
// drain really waits while the transport is paused, errors reach drain and waitClosed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AbortedError, BrokenResourceError, ClosedResourceError } from '../errors.ts';
import type { EventLoop } from '../loop/event-loop.ts';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';
import { sleep } from './sleep.ts';
import { StreamProtocol } from './stream-protocol.ts';
import { FakeTransport, loopConfigs, withLoop } from './test-support.ts';

function connect(loop: EventLoop) {
  let paired: unknown[] = [];
  const protocol = new StreamProtocol({ onConnected: (r, w) => (paired = [r, w]) });
  const transport = new FakeTransport(loop, protocol);
  assert.deepEqual(paired, [protocol.reader, protocol.writer], 'onConnected got the pair');
  return { reader: protocol.reader, writer: protocol.writer!, transport };
}

for (const config of loopConfigs()) {
  describe(`StreamWriter on ${config.backend} (${config.mode} mode)`, () => {
    let fds = fdSnapshot();
    before(() => {
      fds = fdSnapshot();
    });
    after(() => assert.deepEqual(fdsOpenedSince(fds), [], 'every descriptor opened was closed'));

    test('write passes bytes and text to the transport; drain is immediate when not paused', async () => {
      await withLoop(config, async (loop) => {
        const { writer, transport } = connect(loop);
        writer.write('hi ');
        writer.write(Buffer.from([0x41]));
        await writer.drain();
        assert.equal(transport.sent.toString(), 'hi A');
        assert.equal(writer.transport, transport);
        assert.equal(writer.getExtraInfo('fd'), 99);
        assert.equal(writer.canWriteEof(), true);
        writer.writeEof();
        assert.equal(transport.eofWritten, true);
      });
    });

    test('drain waits while paused and resolves at resumeWriting (low water mark)', async () => {
      await withLoop(config, async (loop) => {
        const { writer, transport } = connect(loop);
        transport.setWriteBufferLimits(100, 20);
        writer.write(Buffer.alloc(150));
        let drained = false;
        const d1 = writer.drain().then(() => (drained = true));
        const d2 = writer.drain(); // several waiters are fine
        await sleep(loop, 3);
        assert.equal(drained, false, 'drain is pending while the buffer is above the high mark');
        transport.flush(100); // 50 left: above low (20), still paused
        await sleep(loop, 1);
        assert.equal(drained, false);
        transport.flush(30); // 20 left: at the low mark → resumeWriting
        await d1;
        await d2;
        assert.equal(drained, true);
      });
    });

    test('drain: cancellable before and during the wait', async () => {
      await withLoop(config, async (loop) => {
        const { writer, transport } = connect(loop);
        transport.setWriteBufferLimits(10, 0);
        writer.write('x'.repeat(20));
        await assert.rejects(writer.drain({ signal: AbortSignal.abort() }), AbortedError);
        const ac = new AbortController();
        const d = writer.drain({ signal: ac.signal });
        loop.callLater(2, () => ac.abort('stop'));
        await assert.rejects(d, (e: unknown) => e instanceof AbortedError && e.cause === 'stop');
        transport.flush();
        await writer.drain();
      });
    });

    test('a broken connection rejects pending and later drains, write and waitClosed', async () => {
      await withLoop(config, async (loop) => {
        const { writer, transport } = connect(loop);
        transport.setWriteBufferLimits(10, 0);
        writer.write('x'.repeat(20));
        const d = writer.drain();
        const closed = writer.waitClosed();
        const broken = new BrokenResourceError('EPIPE');
        loop.callLater(1, () => transport.fail(broken));
        await assert.rejects(d, (e) => e === broken);
        await assert.rejects(closed, (e) => e === broken);
        await assert.rejects(writer.drain(), (e) => e === broken);
        await assert.rejects(writer.waitClosed(), (e) => e === broken);
        assert.throws(
          () => writer.write('more'),
          (e) => e === broken,
        );
        assert.equal(writer.isClosing(), true);
      });
    });

    test('close flushes, then waitClosed resolves; drain after it is ClosedResourceError', async () => {
      await withLoop(config, async (loop) => {
        const { writer, transport } = connect(loop);
        transport.setWriteBufferLimits(10, 0);
        writer.write('x'.repeat(20));
        const pendingDrain = writer.drain();
        writer.close();
        assert.equal(writer.isClosing(), true);
        let closed = false;
        const wc = writer.waitClosed().then(() => (closed = true));
        await sleep(loop, 1);
        assert.equal(closed, false, 'still flushing');
        transport.flush();
        await wc;
        await pendingDrain; // the buffer was flushed before the clean close
        await assert.rejects(writer.drain(), ClosedResourceError);
        assert.throws(() => writer.write('late'), ClosedResourceError);
        await writer.waitClosed();
        const ac = new AbortController();
        const { writer: w2 } = connect(loop);
        const wait = w2.waitClosed({ signal: ac.signal });
        ac.abort();
        await assert.rejects(wait, AbortedError);
        w2.abort();
        await w2.waitClosed();
      });
    });

    test('peer EOF keeps the connection open for writing (half-close)', async () => {
      await withLoop(config, async (loop) => {
        const { reader, writer, transport } = connect(loop);
        transport.receiveEof();
        assert.equal((await reader.read()).length, 0);
        assert.equal(writer.isClosing(), false);
        writer.write('reply after EOF');
        writer.close();
        transport.flush();
        await writer.waitClosed();
        assert.equal(transport.sent.toString(), 'reply after EOF');
      });
    });
  });
}
