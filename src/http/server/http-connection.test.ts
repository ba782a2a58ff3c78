// HttpConnection copies what it keeps of each read (Protocol.copiesData, issue 10): a body that
// arrives in the same read as its head is copied into a buffer of its own (so arrayBuffer() and
// readAll() hand it out without a second copy), and nothing a request keeps (its fields, its
// body, pipelined bytes) aliases the transport's read buffer, which the next read overwrites.
// On every loop configuration.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loopConfigs } from '../../testing/loop-configs.ts';
import { serveRaw } from './http-server.ts';
import { onLoop, RawClient } from './test-support.ts';

/** A POST of `body` with an `X-Tag` field, head and body as one Buffer (one write). */
function post(path: string, tag: string, body: Buffer): Buffer {
  const head = `POST ${path} HTTP/1.1\r\nHost: t\r\nX-Tag: ${tag}\r\nContent-Length: ${body.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

for (const config of loopConfigs()) {
  describe(`HttpConnection reads (${config.backend}, ${config.mode})`, () => {
    test('a body read with its head fills a buffer of its own', () =>
      onLoop(config, async ({ loop }) => {
        const seen: string[] = [];
        const server = serveRaw(
          loop,
          async ({ body, response }) => {
            const b = await body.readAll();
            seen.push(`${b.length}/${b.byteOffset}/${b.buffer.byteLength}/${b.every((x) => x === 7)}`);
            response.writeHead(200);
            response.end('ok');
          },
          { host: '127.0.0.1', port: 0 },
        );
        const c = await RawClient.connect(loop, server.port);
        c.send(post('/', 'a', Buffer.alloc(16 * 1024, 7)));
        await c.untilResponses(1);
        assert.deepEqual(seen, [`${16 * 1024}/0/${16 * 1024}/true`]);
        c.close();
        await server.close();
      }));

    test("what a request keeps is not overwritten by another connection's reads", () =>
      onLoop(config, async ({ loop }) => {
        let releaseA: () => void = () => {};
        const aWaits = new Promise<void>((r) => {
          releaseA = r;
        });
        const seen: string[] = [];
        const server = serveRaw(
          loop,
          async ({ head, body, response }) => {
            const b = await body.readAll();
            if (head.target === '/a')
              await aWaits; // B's reads go through the read buffer meanwhile
            else releaseA();
            const tag = head.headers.get('x-tag') ?? '';
            seen.push(`${head.target} ${tag.slice(0, 3)} ${tag.length} ${b.length} ${b[0]}/${b.at(-1)}`);
            response.writeHead(200);
            response.end('ok');
          },
          { host: '127.0.0.1', port: 0 },
        );
        const a = await RawClient.connect(loop, server.port);
        const b = await RawClient.connect(loop, server.port);
        // A: one write holding two pipelined requests (the second waits in the parser meanwhile).
        a.send(
          Buffer.concat([
            post('/a', 'a'.repeat(3000), Buffer.alloc(6000, 1)),
            post('/a2', 'c'.repeat(3000), Buffer.alloc(5000, 3)),
          ]),
        );
        await a.until(() => a.transport !== null);
        await new Promise<void>((r) => loop.callLater(20, r));
        b.send(post('/b', 'b'.repeat(3000), Buffer.alloc(6000, 2)));
        await a.untilResponses(2);
        await b.untilResponses(1);
        assert.deepEqual(seen, ['/b bbb 3000 6000 2/2', '/a aaa 3000 6000 1/1', '/a2 ccc 3000 5000 3/3']);
        a.close();
        b.close();
        await server.close();
      }));
  });
}
