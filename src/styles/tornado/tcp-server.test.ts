// TCPServer/TCPClient on every backend and mode: a Tornado-style echo server written as a
// generator coroutine over IOStream, a handler whose Promise rejects, and misuse. Fds counted.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BusyResourceError, InvalidArgumentError } from '../../errors.ts';
import { EventLoop } from '../../loop/event-loop.ts';
import type { ExceptionContext } from '../../loop/exceptions.ts';
import { fdSnapshot, fdsOpenedSince } from '../../testing/fd-count.ts';
import { loopConfigs } from '../../testing/loop-configs.ts';
import { coroutine } from './coroutine.ts';
import { IOLoop } from './io-loop.ts';
import type { IOStream } from './io-stream.ts';
import { TCPClient, TCPServer } from './tcp-server.ts';

const configs = loopConfigs();

for (const { backend, mode } of configs) {
  describe(`TCPServer on ${backend} (${mode} mode)`, () => {
    let fdsBefore = fdSnapshot();
    before(() => {
      fdsBefore = fdSnapshot();
    });
    after(() => {
      assert.deepEqual(fdsOpenedSince(fdsBefore), [], 'every descriptor opened was closed');
    });

    test('an echo server written as a coroutine, subclassing handleStream', async () => {
      const io = new IOLoop(new EventLoop({ selector: backend, mode }));
      class EchoServer extends TCPServer {
        override handleStream = coroutine(io, function* (stream: IOStream) {
          for (;;) {
            const line = (yield stream.readUntil('\n')) as Buffer;
            if (line.toString() === 'quit\n') break;
            yield stream.write(line);
          }
          stream.close();
        });
      }
      const server = new EchoServer(io);
      server.listen(0);
      const answers = await io.runSync(
        async () => {
          const client = await new TCPClient(io).connect('127.0.0.1', server.address().port);
          const got: string[] = [];
          for (const word of ['one', 'two']) {
            await client.write(`${word}\n`);
            got.push((await client.readUntil('\n')).toString());
          }
          await client.write('quit\n');
          got.push((await client.readUntilClose()).toString());
          return got;
        },
        { timeoutSec: 5 },
      );
      assert.deepEqual(answers, ['one\n', 'two\n', '']);
      server.stop();
      io.close();
    });

    test('a handler whose Promise rejects is reported to the loop; misuse is refused', async () => {
      const errors: ExceptionContext[] = [];
      const loop = new EventLoop({ selector: backend, mode, exceptionHandler: (ctx) => errors.push(ctx) });
      const server = new TCPServer(loop, async (stream) => {
        stream.close();
        throw new Error('handler failed');
      });
      assert.throws(() => server.address(), InvalidArgumentError);
      server.listen(0);
      assert.throws(() => server.listen(0), BusyResourceError);
      await loop.runUntilComplete(async () => {
        const client = await new TCPClient(loop).connect('127.0.0.1', server.address().port);
        await client.readUntilClose();
        client.close();
        // one more turn for the rejection's report
        await new Promise<void>((r) => loop.callLater(1, () => r()));
      });
      assert.equal(errors.length, 1);
      assert.match(errors[0]?.message ?? '', /TCPServer\.handleStream/);
      assert.equal((errors[0]?.error as Error | undefined)?.message, 'handler failed');
      const plain = new TCPServer(loop);
      assert.throws(() => plain.handleStream({} as IOStream, null), /no handleStream/);
      server.stop();
      loop.close();
    });
  });
}
