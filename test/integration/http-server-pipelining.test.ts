// Pipelined requests answered synchronously leave in one write, on every loop configuration: the
// responses a batch of requests produces while the connection parses it are held and sent
// together — in order, before an error response or a close that follows them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { serveRaw } from '../../src/http/server/http-server.ts';
import { onLoop, RawClient } from '../../src/http/server/test-support.ts';
import type { Transport } from '../../src/net/transport.ts';
import { loopConfigs } from '../../src/testing/loop-configs.ts';

const H = 'Host: t\r\n';

/** The number of write calls the server's transport made. */
function writeCalls(t: Transport): number {
  return (t.stats() as unknown as { writeCalls: number }).writeCalls;
}

for (const config of loopConfigs()) {
  describe(`HTTP server pipelining (${config.backend}, ${config.mode})`, () => {
    test('ten pipelined requests, ten responses in order, one write', () =>
      onLoop(config, async ({ loop }) => {
        let transport: Transport | null = null;
        const server = serveRaw(
          loop,
          ({ head, response, connection }) => {
            transport = connection.transport;
            response.end(`answer ${head.target.slice(1)}`);
          },
          { host: '127.0.0.1', port: 0 },
        );
        const c = await RawClient.connect(loop, server.port);
        let batch = '';
        for (let i = 0; i < 10; i++) batch += `GET /${i} HTTP/1.1\r\n${H}\r\n`;
        c.send(batch);
        await c.untilResponses(10);
        assert.deepEqual(
          c.responses.map((r) => r.body),
          Array.from({ length: 10 }, (_, i) => `answer ${i}`),
        );
        assert.ok(transport !== null);
        assert.equal(writeCalls(transport), 1);
        c.close();
        await server.close();
      }));

    test('held responses go out before a 400 and before a close', () =>
      onLoop(config, async ({ loop }) => {
        const server = serveRaw(
          loop,
          ({ head, response }) => {
            response.end(`answer ${head.target}`);
          },
          { host: '127.0.0.1', port: 0 },
        );
        const bad = await RawClient.connect(loop, server.port);
        bad.send(`GET /a HTTP/1.1\r\n${H}\r\nGET /b HTTP/1.1\r\n${H}\r\nGET /c HTTP/1.1\r\nHost : t\r\n\r\n`);
        await bad.untilClosed();
        assert.deepEqual(
          bad.responses.map((r) => [r.status, r.body.slice(0, 9)]),
          [
            [200, 'answer /a'],
            [200, 'answer /b'],
            [400, '400 Bad R'],
          ],
        );
        const closing = await RawClient.connect(loop, server.port);
        closing.send(`GET /x HTTP/1.1\r\n${H}\r\nGET /y HTTP/1.1\r\n${H}Connection: close\r\n\r\n`);
        await closing.untilClosed();
        assert.deepEqual(
          closing.responses.map((r) => [r.body, r.headers.connection]),
          [
            ['answer /x', undefined],
            ['answer /y', 'close'],
          ],
        );
        await server.close();
      }));
  });
}
