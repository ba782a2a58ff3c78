// ServerRequest's whole-body readers hand out a buffer holding exactly the body, whatever way it
// arrived: a small body (from Node's shared pool), a body in the same read as its head, a body of
// many reads (joined once): never the pool or the head's bytes, on every loop configuration.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loopConfigs } from '../../testing/loop-configs.ts';
import { DEFAULT_LIMITS, parseHead } from '../parser/message-head.ts';
import type { Exchange } from './exchange.ts';
import { serve } from './http-server.ts';
import { PlainResponse } from './plain-response.ts';
import { ServerRequest } from './server-request.ts';
import { onLoop, RawClient, sleep } from './test-support.ts';

for (const config of loopConfigs()) {
  describe(`ServerRequest bodies (${config.backend}, ${config.mode})`, () => {
    test('arrayBuffer() and bytes() hold exactly the body', () =>
      onLoop(config, async ({ loop }) => {
        const seen: string[] = [];
        const server = serve(
          loop,
          async (req) => {
            const b = req.head.target === '/ab' ? new Uint8Array(await req.arrayBuffer()) : await req.bytes();
            const sum = b.reduce((a, x) => a + x, 0);
            seen.push(`${b.length}/${b.buffer.byteLength}/${b.byteOffset}/${sum}`);
            return new PlainResponse('ok');
          },
          { host: '127.0.0.1', port: 0, overrideGlobalObjects: false },
        );
        const c = await RawClient.connect(loop, server.port);
        const post = (path: string, body: Buffer): void => {
          c.send(`POST ${path} HTTP/1.1\r\nHost: t\r\nContent-Length: ${body.length}\r\n\r\n`);
          c.send(body);
        };
        const small = Buffer.from('tiny body');
        const big = Buffer.alloc(300 * 1024, 3);
        post('/ab', small);
        post('/bytes', small);
        await c.untilResponses(2);
        c.send(
          Buffer.concat([
            Buffer.from('POST /ab HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n'),
            Buffer.alloc(5000, 1),
          ]),
        );
        await c.untilResponses(3);
        post('/ab', big);
        await c.untilResponses(4);
        post('/bytes', big);
        await c.untilResponses(5);
        const sumSmall = small.reduce((a, x) => a + x, 0);
        assert.deepEqual(seen, [
          `9/9/0/${sumSmall}`,
          `9/9/0/${sumSmall}`,
          '5000/5000/0/5000',
          `${big.length}/${big.length}/0/${big.length * 3}`,
          `${big.length}/${big.length}/0/${big.length * 3}`,
        ]);
        c.close();
        await server.close();
      }));

    test('readAll() after the socket was paused resumes it; a body cut off (EOF: an incomplete message) rejects it', () =>
      onLoop(config, async ({ loop }) => {
        const seen: string[] = [];
        const server = serve(
          loop,
          async (req) => {
            if (req.head.target === '/late') await sleep(loop, 50); // the queue passes its high-water mark
            try {
              const b = await req.arrayBuffer();
              seen.push(`${req.head.target} ${b.byteLength}`);
            } catch (e) {
              seen.push(`${req.head.target} ${(e as { code?: string }).code}`);
            }
            return new PlainResponse('ok');
          },
          { host: '127.0.0.1', port: 0 },
        );
        const c = await RawClient.connect(loop, server.port);
        const big = Buffer.alloc(512 * 1024, 5);
        c.send(`POST /late HTTP/1.1\r\nHost: t\r\nContent-Length: ${big.length}\r\n\r\n`);
        c.send(big);
        await c.untilResponses(1);
        const cut = await RawClient.connect(loop, server.port);
        cut.send('POST /cut HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\npart of it');
        await sleep(loop, 20);
        cut.close();
        while (seen.length < 2) await sleep(loop, 5);
        assert.deepEqual(seen, [`/late ${big.length}`, '/cut NBIO_HTTP_PARSE']);
        c.close();
        await server.close();
      }));
  });
}

test('url: the Host and target of each request, whatever came before (the last URL is reused only when both are equal)', () => {
  const url = (req: string): string => {
    const b = Buffer.from(req, 'latin1');
    const head = parseHead(b, b.length, 'request', DEFAULT_LIMITS);
    return new ServerRequest({ head } as Exchange, 'fallback:1').url;
  };
  assert.deepEqual(
    [
      'GET /x HTTP/1.1\r\nHost: a.example:80\r\n\r\n',
      'GET /x HTTP/1.1\r\nHost: a.example:80\r\n\r\n',
      'GET /y HTTP/1.1\r\nHost: b.example:80\r\n\r\n',
      'GET /y HTTP/1.0\r\n\r\n',
      'GET / HTTP/1.1\r\nhost: a.example:80\r\n\r\n',
      'GET / HTTP/1.1\r\nhost: b.example:80\r\n\r\n',
      'GET /z HTTP/1.1\r\nhost: b.example:80\r\n\r\n',
      'OPTIONS * HTTP/1.1\r\nhost: b.example:80\r\n\r\n',
      'GET http://c.example/q HTTP/1.1\r\nhost: b.example:80\r\n\r\n',
      'GET /z HTTP/1.1\r\nhost: b.example:80\r\n\r\n',
    ].map(url),
    [
      'http://a.example:80/x',
      'http://a.example:80/x',
      'http://b.example:80/y',
      'http://fallback:1/y',
      'http://a.example:80/',
      'http://b.example:80/',
      'http://b.example:80/z',
      'http://b.example:80/',
      'http://c.example/q',
      'http://b.example:80/z',
    ],
  );
});
