// The HTTP server's timers and shutdown on every loop configuration: a client dripping its
// head byte by byte is cut off with 408 (slowloris), an idle keep-alive connection is closed,
// a body that never completes gets 408, and close() is graceful (idle connections closed at
// once, the in-flight request finished with Connection: close, then it resolves).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { serve, serveRaw } from '../../src/http/server/http-server.ts';
import { PlainResponse } from '../../src/http/server/plain-response.ts';
import { onLoop, RawClient, sleep } from '../../src/http/server/test-support.ts';
import { loopConfigs } from '../../src/testing/loop-configs.ts';

const H = 'Host: t\r\n';
const hello = () => new PlainResponse('hello');

for (const config of loopConfigs()) {
  describe(`HTTP server lifecycle (${config.backend}, ${config.mode})`, () => {
    test('slowloris: a head dripping in is cut off with 408 after headersTimeoutMs', () =>
      onLoop(config, async ({ loop }) => {
        const server = serve(loop, hello, { host: '127.0.0.1', port: 0, headersTimeoutMs: 200 });
        const c = await RawClient.connect(loop, server.port);
        const head = `GET / HTTP/1.1\r\n${H}X-Slow: ${'z'.repeat(100)}\r\n\r\n`;
        const started = loop.time();
        for (let i = 0; i < head.length && !c.closed; i++) {
          c.send(head[i] ?? '');
          await sleep(loop, 10);
        }
        await c.untilClosed();
        const elapsedMs = loop.time() - started;
        assert.deepEqual(
          c.responses.map((r) => r.status),
          [408],
        );
        assert.ok(elapsedMs >= 190 && elapsedMs < 1000, `cut off after ${elapsedMs} ms`);
        await server.close();
      }));

    test('an idle keep-alive connection is closed after keepAliveTimeoutMs', () =>
      onLoop(config, async ({ loop }) => {
        // Measured from the handler (before the response ended), not from when the client saw
        // the response: on a loaded machine that can come tens of ms later.
        let answeredAt = Number.POSITIVE_INFINITY;
        const answer = () => {
          answeredAt = loop.time();
          return hello();
        };
        const server = serve(loop, answer, { host: '127.0.0.1', port: 0, keepAliveTimeoutMs: 100 });
        const c = await RawClient.connect(loop, server.port);
        c.send(`GET / HTTP/1.1\r\n${H}\r\n`);
        await c.untilResponses(1);
        await c.untilClosed();
        assert.ok(loop.time() - answeredAt >= 99, `not before the timeout (${loop.time() - answeredAt} ms)`);
        assert.equal(c.responses.length, 1, 'closed quietly, no 408');
        for (let i = 0; i < 100 && server.stats().connections > 0; i++) await sleep(loop, 5);
        assert.equal(server.stats().connections, 0, 'the server forgot the connection');
        await server.close();
      }));

    test('a body that never completes gets 408 after requestTimeoutMs; the handler sees the error', () =>
      onLoop(config, async ({ loop }) => {
        let seen: unknown = null;
        const server = serve(
          loop,
          async (req) => {
            try {
              await req.text();
            } catch (err) {
              seen = err;
            }
            return hello();
          },
          { host: '127.0.0.1', port: 0, requestTimeoutMs: 150 },
        );
        const c = await RawClient.connect(loop, server.port);
        c.send(`POST / HTTP/1.1\r\n${H}Content-Length: 10\r\n\r\nabc`);
        await c.untilClosed();
        assert.deepEqual(
          c.responses.map((r) => r.status),
          [408],
        );
        assert.equal((seen as { code?: string } | null)?.code, 'NBIO_TIMEOUT');
        await server.close();
      }));

    test('a client that goes away mid-stream: write() throws NBIO_BROKEN, the server goes on', () =>
      onLoop(config, async ({ loop }) => {
        let caught: unknown = null;
        let writes = 0;
        const server = serveRaw(
          loop,
          async ({ head, response }) => {
            if (head.target !== '/stream') {
              response.end('served');
              return;
            }
            response.writeHead(200);
            try {
              for (let i = 0; i < 100_000; i++) {
                writes++;
                if (!response.write('tick\n')) await response.drain();
                await sleep(loop, 1);
              }
            } catch (err) {
              caught = err;
            }
          },
          { host: '127.0.0.1', port: 0 },
        );
        const c = await RawClient.connect(loop, server.port);
        c.send(`GET /stream HTTP/1.1\r\n${H}\r\n`);
        await c.until(() => c.received.includes('tick'));
        c.transport?.abort();
        for (let i = 0; i < 200 && caught === null; i++) await sleep(loop, 5);
        assert.equal((caught as { code?: string } | null)?.code, 'NBIO_BROKEN');
        assert.ok(writes < 100_000);
        const d = await RawClient.connect(loop, server.port);
        d.send(`GET /again HTTP/1.1\r\n${H}Connection: close\r\n\r\n`);
        await d.untilClosed();
        assert.deepEqual(
          d.responses.map((r) => r.body),
          ['served'],
          'the next client is served',
        );
        await server.close({ timeoutMs: 100 });
      }));

    test('graceful close: idle closed at once, in-flight finished with Connection: close', () =>
      onLoop(config, async ({ loop }) => {
        let release: () => void = () => {};
        const gate = new Promise<void>((r) => {
          release = r;
        });
        let started = 0;
        const server = serve(
          loop,
          async () => {
            started++;
            await gate;
            return hello();
          },
          { host: '127.0.0.1', port: 0 },
        );
        const idle = await RawClient.connect(loop, server.port);
        const busy = await RawClient.connect(loop, server.port);
        busy.send(`GET / HTTP/1.1\r\n${H}\r\n`);
        while (started === 0) await sleep(loop, 5);
        let closed = false;
        const closing = server.close().then(() => {
          closed = true;
        });
        await idle.untilClosed();
        assert.equal(busy.closed, false);
        assert.equal(closed, false, 'close() waits for the in-flight request');
        release();
        await busy.untilClosed();
        await closing;
        assert.deepEqual(
          busy.responses.map((r) => [r.status, r.headers.connection]),
          [[200, 'close']],
        );
        assert.equal(server.stats().connections, 0);
      }));
  });
}
