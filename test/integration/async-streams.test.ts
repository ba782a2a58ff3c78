// Streams over real loopback sockets (TCP 127.0.0.1, ::1 where available, Unix), on every
// backend and mode: echo by line, reads past EOF and over the limit, one read at a time,
// connection errors, handler failures, name resolution, refused connections. fds counted.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openConnection } from '../../src/async/open-connection.ts';
import { sleep } from '../../src/async/sleep.ts';
import { startServer } from '../../src/async/stream-server.ts';
import { loopConfigs, withLoop } from '../../src/async/test-support.ts';
import {
  AbortedError,
  BrokenResourceError,
  BusyResourceError,
  ConnectionRefusedError,
  IncompleteReadError,
  LimitOverrunError,
} from '../../src/errors.ts';
import { EventLoop } from '../../src/loop/event-loop.ts';
import { closeResolver } from '../../src/net/resolver.ts';
import type { Ipv4Address, Ipv6Address } from '../../src/sys/sockaddr.ts';
import { fdSnapshot, fdsOpenedSince } from '../../src/testing/fd-count.ts';

const portOf = (a: unknown) => (a as Ipv4Address | Ipv6Address).port;

/** Waits (bounded) until `cond()` holds, checking once per loop turn. */
async function until(loop: EventLoop, cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !cond(); i++) await sleep(loop, 5);
  assert.ok(cond(), `timed out waiting for ${what}`);
}

const tmp = mkdtempSync(join(tmpdir(), 'nbio-async-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

for (const config of loopConfigs()) {
  describe(`async streams on ${config.backend} (${config.mode} mode)`, () => {
    let fds = fdSnapshot();
    before(() => {
      fds = fdSnapshot();
    });
    after(() => assert.deepEqual(fdsOpenedSince(fds), [], 'every descriptor opened was closed'));

    const targets: { name: string; listen: () => { host?: string; path?: string } }[] = [
      { name: 'TCP 127.0.0.1', listen: () => ({ host: '127.0.0.1' }) },
      { name: 'TCP ::1', listen: () => ({ host: '::1' }) },
      {
        name: 'Unix socket',
        listen: () => ({ path: join(tmp, `echo-${config.backend}-${config.mode}.sock`) }),
      },
    ];
    for (const target of targets) {
      test(`echo by readLine over ${target.name}`, async (t) => {
        await withLoop(config, async (loop) => {
          const where = target.listen();
          let server: Awaited<ReturnType<typeof startServer>>;
          try {
            server = await startServer(
              loop,
              async (reader, writer) => {
                for (let line = await reader.readLine(); line.length > 0; line = await reader.readLine()) {
                  writer.write(line.toString().toUpperCase());
                  await writer.drain();
                }
                writer.close();
              },
              where.path !== undefined ? where : { ...where, port: 0 },
            );
          } catch (err) {
            if (where.host === '::1' && (err as { code?: string }).code === 'EADDRNOTAVAIL') {
              t.skip('no IPv6 loopback here');
              return;
            }
            throw err;
          }
          const addr = server.address();
          const [reader, writer] = await openConnection(
            loop,
            addr.family === 'unix' ? { path: addr.path } : { host: where.host ?? '', port: portOf(addr) },
          );
          writer.write('hello\nwor');
          writer.write('ld\n');
          assert.equal((await reader.readLine()).toString(), 'HELLO\n');
          assert.equal((await reader.readLine()).toString(), 'WORLD\n');
          writer.write('no newline at the end');
          writer.writeEof();
          assert.equal((await reader.readLine()).toString(), 'NO NEWLINE AT THE END');
          assert.equal((await reader.readLine()).length, 0);
          assert.ok(reader.atEof());
          writer.close();
          await writer.waitClosed();
          server.close();
          await server.waitClosed();
          assert.deepEqual(server.stats(), {
            listening: false,
            accepted: 1,
            connections: 0,
            handlersRunning: 0,
            handlerErrors: 0,
            refusedFdTooLarge: 0,
          });
        });
      });
    }

    test('readExactly past EOF: IncompleteReadError with the partial bytes', async () => {
      await withLoop(config, async (loop) => {
        const server = await startServer(loop, (_reader, writer) => {
          writer.write('abc');
          writer.close();
        });
        const [reader, writer] = await openConnection(loop, {
          host: '127.0.0.1',
          port: portOf(server.address()),
        });
        const err = await reader.readExactly(10).catch((e: unknown) => e);
        assert.ok(err instanceof IncompleteReadError, String(err));
        assert.equal(err.partial.toString(), 'abc');
        assert.equal(err.expected, 10);
        writer.close();
        await writer.waitClosed();
        server.close();
        await server.waitClosed();
      });
    });

    test('readUntil over the limit: LimitOverrunError; the bytes stay readable', async () => {
      await withLoop(config, async (loop) => {
        const server = await startServer(loop, async (_reader, writer) => {
          writer.write('x'.repeat(40));
          writer.write('\n');
          writer.close();
        });
        const [reader, writer] = await openConnection(loop, {
          host: '127.0.0.1',
          port: portOf(server.address()),
          limit: 16,
        });
        const err = await reader.readUntil('\n').catch((e: unknown) => e);
        assert.ok(err instanceof LimitOverrunError, String(err));
        assert.ok(err.consumed >= 16);
        const line = await reader.readUntil('\n', { limit: 100 });
        assert.equal(line.toString(), `${'x'.repeat(40)}\n`);
        writer.close();
        await writer.waitClosed();
        server.close();
        await server.waitClosed();
      });
    });

    test('a concurrent read rejects with BusyResourceError', async () => {
      await withLoop(config, async (loop) => {
        const server = await startServer(loop, async (reader, writer) => {
          await reader.readExactly(1);
          writer.write('pong\n');
          writer.close();
        });
        const [reader, writer] = await openConnection(loop, {
          host: '127.0.0.1',
          port: portOf(server.address()),
        });
        const first = reader.readLine();
        await assert.rejects(reader.readLine(), BusyResourceError);
        await assert.rejects(reader.read(), BusyResourceError);
        writer.write('!');
        assert.equal((await first).toString(), 'pong\n');
        writer.close();
        await writer.waitClosed();
        server.close();
        await server.waitClosed();
      });
    });

    test('a reset by the peer surfaces in the pending read as BrokenResourceError', async () => {
      await withLoop(config, async (loop) => {
        // A tiny limit pauses the server's reading after the first chunk, so bytes stay unread
        // in its kernel buffer: closing a socket with unread bytes makes the kernel send RST.
        const server = await startServer(
          loop,
          async (reader, writer) => {
            await until(loop, () => reader.stats().paused, 'the server reader to pause');
            writer.abort();
          },
          { limit: 16 },
        );
        const [reader, writer] = await openConnection(loop, {
          host: '127.0.0.1',
          port: portOf(server.address()),
        });
        writer.write(Buffer.alloc(1024 * 1024));
        const err = await reader.readLine().catch((e: unknown) => e);
        assert.ok(err instanceof BrokenResourceError, String(err));
        await assert.rejects(writer.waitClosed(), BrokenResourceError);
        server.close();
        await server.waitClosed();
      });
    });

    test('a failing handler is reported, its connection aborted, the server goes on', async () => {
      await withLoop(config, async (loop) => {
        const reported: string[] = [];
        loop.setExceptionHandler((ctx) => reported.push(`${ctx.where}: ${(ctx.error as Error).message}`));
        let calls = 0;
        const server = await startServer(loop, async (reader, writer) => {
          if (++calls === 1) throw new Error('handler bug');
          writer.write(await reader.readLine());
          writer.close();
        });
        const port = portOf(server.address());
        const [r1, w1] = await openConnection(loop, { host: '127.0.0.1', port });
        assert.equal((await r1.read()).length, 0, 'the first connection was closed');
        w1.close(); // EOF keeps our side open for writing (half-close): close it
        await w1.waitClosed();
        const [r2, w2] = await openConnection(loop, { host: '127.0.0.1', port });
        w2.write('still serving\n');
        assert.equal((await r2.readLine()).toString(), 'still serving\n');
        assert.deepEqual(reported, ['stream server handler: handler bug']);
        assert.equal(server.stats().handlerErrors, 1);
        server.closeClients();
        w2.close();
        server.close();
        await server.waitClosed();
        loop.setExceptionHandler(null);
      });
    });

    test('refused, aborted and timed-out connects reject and leave no descriptor', async () => {
      await withLoop(config, async (loop) => {
        const server = await startServer(loop, () => {});
        const port = portOf(server.address());
        server.close();
        await server.waitClosed();
        await assert.rejects(openConnection(loop, { host: '127.0.0.1', port }), ConnectionRefusedError);
        await assert.rejects(
          openConnection(loop, { host: '127.0.0.1', port, signal: AbortSignal.abort('no') }),
          (e: unknown) => e instanceof AbortedError && e.cause === 'no',
        );
        await assert.rejects(
          openConnection(loop, { path: join(tmp, 'nobody.sock') }),
          ConnectionRefusedError,
        );
        await assert.rejects(openConnection(loop, { host: '127.0.0.1', port, limit: 0 }), /limit/);
      });
    });

    test("host names are resolved first: 'localhost' on both sides", async () => {
      const loop = new EventLoop({ selector: config.backend, mode: config.mode });
      try {
        await loop.runUntilComplete(async () => {
          const server = await startServer(
            loop,
            async (reader, writer) => {
              writer.write(await reader.readLine());
              writer.close();
            },
            { host: 'localhost', port: 0, family: 'ipv4' },
          );
          const addr = server.address();
          assert.equal(addr.family, 'ipv4');
          const [reader, writer] = await openConnection(loop, {
            host: 'localhost',
            port: portOf(addr),
            family: 'ipv4',
          });
          writer.write('resolved\n');
          assert.equal((await reader.readLine()).toString(), 'resolved\n');
          writer.close();
          await writer.waitClosed();
          server.close();
          await server.waitClosed();
        });
        assert.equal(loop.stats().timersPending, 0);
      } finally {
        // Outside run(): the resolver's workers report their exit through Node's loop, which an
        // owner-mode loop blocked in its selector would not let run.
        await new Promise<void>((r) => closeResolver(loop, r));
        loop.close();
      }
    });
  });
}
