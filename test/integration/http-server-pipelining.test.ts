// Pipelined responses leave together, on every loop configuration: those a batch of requests
// produces while the connection parses it are held and sent in one write — in order, before an
// error response or a close that follows them; answered after an await (serve() with an async
// handler), the pipeline is worked through in one turn and its responses held until it is, or
// until the loop's next iteration when a handler takes longer.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { serve, serveRaw } from '../../src/http/server/http-server.ts';
import { PlainResponse } from '../../src/http/server/plain-response.ts';
import { onLoop, RawClient, sleep } from '../../src/http/server/test-support.ts';
import type { EventLoop } from '../../src/loop/event-loop.ts';
import type { Transport } from '../../src/net/transport.ts';
import { loopConfigs } from '../../src/testing/loop-configs.ts';

const H = 'Host: t\r\n';

/** The number of write calls the server's transport made. */
function writeCalls(t: Transport): number {
  return (t.stats() as unknown as { writeCalls: number }).writeCalls;
}

/**
 * Ten pipelined GETs in one send to a serveRaw server answering `answer <n>` (after an await
 * when `afterAwait`); checks the ten bodies arrive in order and returns the server transport's
 * write calls.
 */
async function tenPipelined(loop: EventLoop, afterAwait: boolean): Promise<number> {
  let transport: Transport | null = null;
  type Ctx = Parameters<Parameters<typeof serveRaw>[1]>[0];
  const answer = ({ head, response, connection }: Ctx): void => {
    transport = connection.transport;
    response.end(`answer ${head.target.slice(1)}`);
  };
  // A plain function answers while the connection parses; an async one after an await.
  const handler = afterAwait
    ? async (ctx: Ctx) => {
        await Promise.resolve();
        answer(ctx);
      }
    : answer;
  const server = serveRaw(loop, handler, { host: '127.0.0.1', port: 0 });
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
  const writes = writeCalls(transport);
  c.close();
  await server.close();
  return writes;
}

for (const config of loopConfigs()) {
  describe(`HTTP server pipelining (${config.backend}, ${config.mode})`, () => {
    test('ten pipelined requests, ten responses in order, one write', () =>
      onLoop(config, async ({ loop }) => {
        const writes = await tenPipelined(loop, false);
        assert.equal(writes, 1);
      }));

    test('answered after an await: ten pipelined requests in order, in two writes', () =>
      onLoop(config, async ({ loop }) => {
        const writes = await tenPipelined(loop, true);
        // The first response leaves at once (nothing else is known to come), the nine behind it
        // together (a completion-based transport may gather even those two); one each was ten.
        assert.ok(writes >= 1 && writes <= 2, `${writes} writes`);
      }));

    test('a slow handler in a pipeline does not hold back the responses before it', () =>
      onLoop(config, async ({ loop }) => {
        let seenBeforeSlow = -1;
        let c: RawClient | null = null;
        const server = serve(
          loop,
          async (req) => {
            if (req.head.target === '/slow') {
              await sleep(loop, 50);
              seenBeforeSlow = c?.responses.length ?? -1;
            }
            return new PlainResponse(req.head.target);
          },
          { host: '127.0.0.1', port: 0 },
        );
        c = await RawClient.connect(loop, server.port);
        c.send(['/a', '/b', '/c', '/slow', '/d'].map((p) => `GET ${p} HTTP/1.1\r\n${H}\r\n`).join(''));
        await c.untilResponses(5);
        assert.deepEqual(
          c.responses.map((r) => r.body),
          ['/a', '/b', '/c', '/slow', '/d'],
        );
        assert.equal(seenBeforeSlow, 3, 'the three answers before /slow arrived while it waited');
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
