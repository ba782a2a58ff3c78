// StreamReader's direct read path (a plain read() settled by feedData itself, the async iterator
// without a generator) over an in-memory transport, on every backend and mode: what a waiting
// read gets, one read at a time, errors and EOF in a waiting read, bad sizes as rejections, and
// the iterator's next()/return().
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BrokenResourceError, BusyResourceError, InvalidArgumentError } from '../errors.ts';
import type { EventLoop } from '../loop/event-loop.ts';
import { fdSnapshot, fdsOpenedSince } from '../testing/fd-count.ts';
import { StreamProtocol } from './stream-protocol.ts';
import { FakeTransport, loopConfigs, withLoop } from './test-support.ts';

function connect(loop: EventLoop, limit?: number) {
  const protocol = new StreamProtocol({ limit });
  const transport = new FakeTransport(loop, protocol);
  return { reader: protocol.reader, writer: protocol.writer!, transport };
}

for (const config of loopConfigs()) {
  describe(`StreamReader direct reads on ${config.backend} (${config.mode} mode)`, () => {
    let fds = fdSnapshot();
    before(() => {
      fds = fdSnapshot();
    });
    after(() => assert.deepEqual(fdsOpenedSince(fds), [], 'every descriptor opened was closed'));

    test('a waiting read() takes at most max of what arrives; the rest stays buffered', async () => {
      await withLoop(config, async (loop) => {
        const { reader, transport } = connect(loop);
        const pending = reader.read(4);
        assert.equal(reader.stats().reading, 'read');
        const second = reader.read();
        await assert.rejects(second, BusyResourceError, 'a second read while one waits rejects');
        loop.callLater(1, () => transport.receive('abcdefg'));
        assert.equal((await pending).toString(), 'abcd');
        assert.equal(reader.stats().reading, null);
        assert.equal(reader.bufferedAmount, 3);
        assert.equal((await reader.read()).toString(), 'efg');
      });
    });

    test('a waiting read() gets the connection error, or an empty Buffer at EOF', async () => {
      await withLoop(config, async (loop) => {
        const a = connect(loop);
        const broken = new BrokenResourceError('reset by peer');
        const failed = a.reader.read();
        loop.callLater(1, () => a.transport.fail(broken));
        await assert.rejects(failed, (e) => e === broken);
        const b = connect(loop);
        const ended = b.reader.read();
        loop.callLater(1, () => b.transport.receiveEof());
        assert.equal((await ended).length, 0);
        assert.ok(b.reader.atEof());
        assert.equal((await b.reader.read()).length, 0, 'and again after EOF');
      });
    });

    test('bad sizes reject (never throw); read(0) gives an empty Buffer at once', async () => {
      await withLoop(config, async (loop) => {
        const { reader, transport } = connect(loop);
        transport.receive('xy');
        let p: Promise<Buffer> | undefined;
        assert.doesNotThrow(() => {
          p = reader.read(-1);
        });
        await assert.rejects(p!, InvalidArgumentError);
        await assert.rejects(reader.read(1.5), InvalidArgumentError);
        assert.equal((await reader.read(0)).length, 0);
        assert.equal(reader.bufferedAmount, 2, 'nothing consumed');
      });
    });

    test('the async iterator: next() reads, one at a time; return() leaves the rest buffered', async () => {
      await withLoop(config, async (loop) => {
        const { reader, transport } = connect(loop);
        const it = reader[Symbol.asyncIterator]();
        assert.equal(it[Symbol.asyncIterator](), it);
        const first = it.next();
        await assert.rejects(it.next(), BusyResourceError);
        loop.callLater(1, () => transport.receive('one'));
        assert.deepEqual(await first, { value: Buffer.from('one'), done: false });
        transport.receive('two');
        assert.deepEqual(await it.next(), { value: Buffer.from('two'), done: false });
        transport.receive('rest');
        assert.deepEqual(await it.return!(), { value: undefined, done: true });
        assert.equal(reader.bufferedAmount, 4);
        transport.receiveEof();
        const chunks: string[] = [];
        for await (const chunk of reader) chunks.push(chunk.toString());
        assert.deepEqual(chunks, ['rest']);
        assert.deepEqual(await it.next(), { value: undefined, done: true });
      });
    });
  });
}
