// StreamReader over an in-memory transport, on every backend and mode: every read kind,
// EOF, limits, one-read-at-a-time, backpressure, connection errors, cancellation.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  AbortedError,
  BrokenResourceError,
  BusyResourceError,
  IncompleteReadError,
  InvalidArgumentError,
  LimitOverrunError,
} from '../errors.ts';
import type { EventLoop } from '../loop/event-loop.ts';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';
import { sleep } from './sleep.ts';
import { StreamProtocol } from './stream-protocol.ts';
import { FakeTransport, loopConfigs, withLoop } from './test-support.ts';

function connect(loop: EventLoop, limit?: number) {
  const protocol = new StreamProtocol({ limit });
  const transport = new FakeTransport(loop, protocol);
  return { reader: protocol.reader, writer: protocol.writer!, transport };
}

for (const config of loopConfigs()) {
  describe(`StreamReader on ${config.backend} (${config.mode} mode)`, () => {
    let fds = fdSnapshot();
    before(() => {
      fds = fdSnapshot();
    });
    after(() => assert.deepEqual(fdsOpenedSince(fds), [], 'every descriptor opened was closed'));

    test('read returns what is buffered (up to max), waits when empty, empty Buffer at EOF', async () => {
      await withLoop(config, async (loop) => {
        const { reader, transport } = connect(loop);
        transport.receive('hello');
        assert.equal((await reader.read(3)).toString(), 'hel');
        assert.equal((await reader.read()).toString(), 'lo');
        loop.callLater(2, () => transport.receive('later'));
        assert.equal((await reader.read()).toString(), 'later');
        assert.equal((await reader.read(0)).length, 0);
        assert.equal(reader.atEof(), false);
        transport.receive('tail');
        transport.receiveEof();
        assert.equal(reader.atEof(), false, 'bytes left before EOF');
        assert.equal((await reader.read()).toString(), 'tail');
        assert.equal(reader.atEof(), true);
        assert.equal((await reader.read()).length, 0);
        assert.equal((await reader.read()).length, 0);
      });
    });

    test('readExactly waits for n bytes across chunks; IncompleteReadError with .partial at EOF', async () => {
      await withLoop(config, async (loop) => {
        const { reader, transport } = connect(loop);
        transport.receive('ab');
        loop.callLater(1, () => transport.receive('cd'));
        loop.callLater(2, () => transport.receive('ef'));
        assert.equal((await reader.readExactly(5)).toString(), 'abcde');
        assert.equal((await reader.readExactly(0)).length, 0);
        loop.callLater(1, () => transport.receiveEof());
        const err = await reader.readExactly(4).catch((e: unknown) => e);
        assert.ok(err instanceof IncompleteReadError);
        assert.equal(err.partial.toString(), 'f');
        assert.equal(err.expected, 4);
        assert.equal(err.code, 'NBIO_INCOMPLETE_READ');
        assert.ok(reader.atEof());
        await assert.rejects(reader.readExactly(-1), InvalidArgumentError);
      });
    });

    test('readUntil: delimiters split across chunks, multi-byte, bytes; readLine at EOF', async () => {
      await withLoop(config, async (loop) => {
        const { reader, transport } = connect(loop);
        transport.receive('GET / HTTP/1.1\r');
        loop.callLater(1, () => transport.receive('\nHost: x\r\n\r\nline one\nline two'));
        assert.equal((await reader.readUntil('\r\n')).toString(), 'GET / HTTP/1.1\r\n');
        assert.equal((await reader.readUntil(Buffer.from('\r\n'))).toString(), 'Host: x\r\n');
        assert.equal((await reader.readUntil('\r\n')).toString(), '\r\n');
        assert.equal((await reader.readLine()).toString(), 'line one\n');
        transport.receiveEof();
        assert.equal((await reader.readLine()).toString(), 'line two', 'the rest, without newline');
        assert.equal((await reader.readLine()).length, 0);
        await assert.rejects(reader.readUntil(''), InvalidArgumentError);
        const err = await reader.readUntil('\n').catch((e: unknown) => e);
        assert.ok(err instanceof IncompleteReadError && err.expected === null && err.partial.length === 0);
      });
    });

    test('readUntil past its limit: LimitOverrunError, nothing consumed', async () => {
      await withLoop(config, async (loop) => {
        const { reader, transport } = connect(loop, 16);
        transport.receive('0123456789abcdef'); // 16 bytes, no delimiter: the next one would end at 18
        const err = await reader.readUntil('\n').catch((e: unknown) => e);
        assert.ok(err instanceof LimitOverrunError, String(err));
        assert.equal(err.consumed, 16);
        assert.equal(reader.bufferedAmount, 16, 'nothing consumed');
        // Found, but too far: also an overrun; a larger per-call limit reads it.
        transport.receive('XYZ\n');
        await assert.rejects(reader.readUntil('\n'), LimitOverrunError);
        assert.equal((await reader.readUntil('\n', { limit: 64 })).toString(), '0123456789abcdefXYZ\n');
        // The limit is checked while waiting too.
        transport.receive('0123456789');
        loop.callLater(1, () => transport.receive('0123456789'));
        await assert.rejects(reader.readUntil('\n'), LimitOverrunError);
        assert.equal(reader.bufferedAmount, 20);
      });
    });

    test('a second concurrent read rejects with BusyResourceError; the first is unaffected', async () => {
      await withLoop(config, async (loop) => {
        const { reader, transport } = connect(loop);
        const first = reader.readLine();
        await assert.rejects(
          reader.read(),
          (e: unknown) => e instanceof BusyResourceError && e.code === 'NBIO_BUSY',
        );
        await assert.rejects(reader.readExactly(1), BusyResourceError);
        loop.callLater(1, () => transport.receive('ok\n'));
        assert.equal((await first).toString(), 'ok\n');
        transport.receive('next');
        assert.equal((await reader.read()).toString(), 'next', 'usable again after the first read');
      });
    });

    test('cancelled reads: at once when already aborted, during the wait; buffered bytes stay', async () => {
      await withLoop(config, async (loop) => {
        const { reader, transport } = connect(loop);
        transport.receive('abc');
        await assert.rejects(
          reader.read(10, { signal: AbortSignal.abort('r') }),
          (e: unknown) => e instanceof AbortedError && e.cause === 'r',
        );
        const ac = new AbortController();
        const p = reader.readExactly(10, { signal: ac.signal });
        loop.callLater(2, () => ac.abort());
        await assert.rejects(p, AbortedError);
        assert.equal(reader.bufferedAmount, 3, 'the aborted readExactly consumed nothing');
        assert.equal(reader.stats().reading, null, 'not busy any more');
        assert.equal((await reader.readExactly(3)).toString(), 'abc');
      });
    });

    test('backpressure: pauses the transport above the limit, resumes at or below it', async () => {
      await withLoop(config, async (loop) => {
        const { reader, transport } = connect(loop, 10);
        transport.receive('0123456789'); // exactly the limit: still reading
        assert.equal(transport.isReading, true);
        transport.receive('A'); // 11 > 10
        assert.equal(transport.isReading, false);
        assert.equal(reader.stats().paused, true);
        assert.equal((await reader.read(1)).toString(), '0'); // back to 10
        assert.equal(transport.isReading, true);
        assert.deepEqual([transport.pauseCalls, transport.resumeCalls], [1, 1]);
        // A read needing more than the limit resumes reading while it waits.
        transport.receive('BCDEFGHIJKLMN');
        assert.equal(transport.isReading, false);
        const big = reader.readExactly(30);
        assert.equal(transport.isReading, true, 'resumed for readExactly(30 > limit)');
        loop.callLater(1, () => transport.receive('x'.repeat(10)));
        assert.equal((await big).length, 30);
        assert.equal(reader.bufferedAmount, 3);
        assert.equal(transport.isReading, true);
      });
    });

    test('connection errors surface in the pending read, after the bytes that came before', async () => {
      await withLoop(config, async (loop) => {
        const { reader, transport } = connect(loop);
        transport.receive('last words');
        const broken = new BrokenResourceError('reset by peer');
        transport.fail(broken);
        await sleep(loop, 0);
        assert.equal((await reader.read()).toString(), 'last words');
        await assert.rejects(reader.read(), (e) => e === broken);
        const { reader: r2, transport: t2 } = connect(loop);
        const pending = r2.readLine();
        loop.callLater(1, () => t2.fail(new Error('plain error')));
        await assert.rejects(
          pending,
          (e: unknown) => e instanceof BrokenResourceError && (e.cause as Error).message === 'plain error',
        );
      });
    });

    test('async iteration yields chunks until EOF', async () => {
      await withLoop(config, async (loop) => {
        const { reader, transport } = connect(loop);
        loop.callLater(1, () => transport.receive('one '));
        loop.callLater(2, () => transport.receive('two'));
        loop.callLater(3, () => transport.receiveEof());
        const chunks: string[] = [];
        for await (const chunk of reader) chunks.push(chunk.toString());
        assert.equal(chunks.join(''), 'one two');
        assert.ok(chunks.length >= 1);
      });
    });
  });
}
