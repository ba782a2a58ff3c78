// nbio's HTTP/1.1 server with a raw client on nbio's own sockets, on every loop configuration:
// the fetch-shaped serve() (Response, PlainResponse, streamed bodies, HEAD, 204), keep-alive and
// pipelining in order, chunked bodies with backpressure both ways, 100-continue, a throwing
// handler, malformed input, HTTP/1.0. Timeouts and shutdown: http-server-lifecycle.test.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { serve, serveRaw } from '../../src/http/server/http-server.ts';
import { PlainResponse } from '../../src/http/server/plain-response.ts';
import { onLoop, RawClient, sleep } from '../../src/http/server/test-support.ts';
import { loopConfigs } from '../../src/testing/loop-configs.ts';

const H = 'Host: t\r\n';

for (const config of loopConfigs()) {
  describe(`HTTP server (${config.backend}, ${config.mode})`, () => {
    test('fetch-shaped: Response, PlainResponse, request fields, JSON body, lazy URL', () =>
      onLoop(config, async ({ loop }) => {
        const server = serve(
          loop,
          async (req) => {
            if (req.method === 'POST') {
              const data = (await req.json()) as { n: number };
              return Response.json({ n: data.n + 1, type: req.headers.get('content-type') });
            }
            if (req.url.endsWith('/plain'))
              return new PlainResponse('plain', { headers: { 'x-kind': 'plain' } });
            return new Response(`${req.method} ${req.url} ${req.headers.get('x-a')}`, {
              status: 201,
              headers: { 'x-b': '2' },
            });
          },
          { host: '127.0.0.1', port: 0 },
        );
        const c = await RawClient.connect(loop, server.port);
        c.send(`GET /p?q=1 HTTP/1.1\r\n${H}X-A: one\r\n\r\n`);
        c.send(`POST /j HTTP/1.1\r\n${H}Content-Type: application/json\r\nContent-Length: 7\r\n\r\n{"n":1}`);
        c.send(`GET /plain HTTP/1.1\r\n${H}\r\n`);
        await c.untilResponses(3);
        const [a, b, p] = c.responses;
        assert.equal(a?.status, 201);
        assert.equal(a?.body, 'GET http://t/p?q=1 one');
        assert.equal(a?.headers['x-b'], '2');
        assert.match(a?.headers.date ?? '', /^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT$/);
        assert.deepEqual(JSON.parse(b?.body ?? ''), { n: 2, type: 'application/json' });
        assert.equal(p?.body, 'plain');
        assert.equal(p?.headers['content-length'], '5');
        assert.equal(p?.headers['x-kind'], 'plain');
        c.close();
        await server.close();
        assert.equal(server.stats().requests, 3);
      }));

    test('streamed Response bodies are chunked; HEAD and 204 carry no body', () =>
      onLoop(config, async ({ loop }) => {
        const server = serve(
          loop,
          (req) => {
            if (req.url.endsWith('/none')) return new Response(null, { status: 204 });
            const parts = ['a', 'bb', 'ccc'];
            const body = new ReadableStream<Uint8Array>({
              pull(ctl) {
                const p = parts.shift();
                if (p === undefined) ctl.close();
                else ctl.enqueue(new TextEncoder().encode(p));
              },
            });
            return new Response(req.method === 'HEAD' ? 'head body' : body);
          },
          { host: '127.0.0.1', port: 0 },
        );
        const c = await RawClient.connect(loop, server.port);
        c.send(`GET /s HTTP/1.1\r\n${H}\r\n`);
        await c.untilResponses(1);
        c.expectHeadResponses(1);
        c.send(`HEAD /s HTTP/1.1\r\n${H}\r\nGET /none HTTP/1.1\r\n${H}\r\n`);
        await c.untilResponses(3);
        const [s, h, n] = c.responses;
        assert.equal(s?.headers['transfer-encoding'], 'chunked');
        assert.equal(s?.body, 'abbccc');
        assert.equal(h?.body, '');
        assert.equal(n?.status, 204);
        assert.equal(n?.headers['content-length'], undefined);
        assert.ok(!c.received.includes('head body'), 'no body bytes after a HEAD response');
        c.close();
        await server.close();
      }));

    test('a Response whose stream was read is sent from the stream, not from its source', () =>
      onLoop(config, async ({ loop }) => {
        const server = serve(loop, () => new Response(new Blob(['part one|', 'part two'])), {
          host: '127.0.0.1',
          port: 0,
        });
        const c = await RawClient.connect(loop, server.port);
        c.send(`GET / HTTP/1.1\r\n${H}\r\n`);
        await c.untilResponses(1);
        assert.equal(c.responses[0]?.body, 'part one|part two', 'a Blob body goes through the stream');
        c.close();
        await server.close();
        const s2 = serve(
          loop,
          async () => {
            const touched = new Response('never sent whole');
            const reader = touched.body?.getReader();
            await reader?.read();
            reader?.releaseLock();
            return touched;
          },
          { host: '127.0.0.1', port: 0 },
        );
        const d = await RawClient.connect(loop, s2.port);
        d.send(`GET / HTTP/1.1\r\n${H}\r\n`);
        await d.untilResponses(1);
        assert.notEqual(d.responses[0]?.body, 'never sent whole');
        d.close();
        await s2.close();
      }));

    test('pipelining: slow and fast handlers, responses strictly in order', () =>
      onLoop(config, async ({ loop }) => {
        const server = serve(
          loop,
          async (req) => {
            const n = Number(req.url.split('/').at(-1));
            await sleep(loop, (3 - n) * 30);
            return new PlainResponse(`r${n}`);
          },
          { host: '127.0.0.1', port: 0 },
        );
        const c = await RawClient.connect(loop, server.port);
        c.send(`GET /1 HTTP/1.1\r\n${H}\r\nGET /2 HTTP/1.1\r\n${H}\r\nGET /3 HTTP/1.1\r\n${H}\r\n`);
        await c.untilResponses(3);
        assert.deepEqual(
          c.responses.map((r) => r.body),
          ['r1', 'r2', 'r3'],
        );
        c.close();
        await server.close();
      }));

    test('pipelined requests then a half-close: every request is answered, then the server closes', () =>
      onLoop(config, async ({ loop }) => {
        const server = serve(
          loop,
          async (req) => {
            await sleep(loop, 5);
            return new PlainResponse(req.head.target);
          },
          { host: '127.0.0.1', port: 0 },
        );
        const c = await RawClient.connect(loop, server.port);
        c.send(`GET /a HTTP/1.1\r\n${H}\r\nGET /b HTTP/1.1\r\n${H}\r\nGET /c HTTP/1.1\r\n${H}\r\n`);
        c.transport?.writeEof();
        await c.untilClosed();
        assert.deepEqual(
          c.responses.map((r) => r.body),
          ['/a', '/b', '/c'],
        );
        assert.equal(c.responses[2]?.headers.connection, 'close');
        await server.close();
      }));

    test('chunked request body streamed with backpressure; chunked response echoed', () =>
      onLoop(config, async ({ loop }) => {
        let maxQueued = 0;
        const server = serveRaw(
          loop,
          async ({ body, response }) => {
            response.writeHead(200);
            for (let chunk = await body.read(); chunk !== null; chunk = await body.read()) {
              maxQueued = Math.max(maxQueued, body.queuedBytes);
              await sleep(loop, 1);
              if (!response.write(chunk)) await response.drain();
            }
            response.end();
          },
          { host: '127.0.0.1', port: 0 },
        );
        const c = await RawClient.connect(loop, server.port);
        const piece = 'x'.repeat(32 * 1024);
        const pieces = 64; // 2 MiB
        c.send(`POST /up HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n`);
        for (let i = 0; i < pieces; i++) c.send(`${piece.length.toString(16)}\r\n${piece}\r\n`);
        c.send('0\r\n\r\n');
        await c.untilResponses(1);
        const r = c.responses[0];
        assert.equal(r?.headers['transfer-encoding'], 'chunked');
        assert.equal(r?.body.length, piece.length * pieces);
        assert.ok(maxQueued <= 64 * 1024 + 64 * 1024, `queued at most ~2 reads (${maxQueued})`);
        c.close();
        await server.close();
      }));

    test('a large response waits for a slow reader (write() returns false, drain() resumes)', () =>
      onLoop(config, async ({ loop }) => {
        let fullSeen = 0;
        const server = serveRaw(
          loop,
          async ({ response }) => {
            response.writeHead(200, { 'content-length': String(12 * 1024 * 1024) });
            const block = Buffer.alloc(64 * 1024, 0x61);
            for (let i = 0; i < 192; i++) {
              if (!response.write(block)) {
                fullSeen++;
                await response.drain();
              }
            }
            response.end();
          },
          { host: '127.0.0.1', port: 0 },
        );
        const c = await RawClient.connect(loop, server.port);
        c.transport?.pauseReading();
        c.send(`GET /big HTTP/1.1\r\n${H}\r\n`);
        // The kernel's socket buffers take a few MiB; then the transport's buffer fills.
        for (let i = 0; i < 300 && fullSeen === 0; i++) await sleep(loop, 10);
        assert.ok(fullSeen >= 1, 'the server saw a full buffer while the client did not read');
        c.transport?.resumeReading();
        await c.untilResponses(1);
        assert.equal(c.responses[0]?.body.length, 12 * 1024 * 1024);
        c.close();
        await server.close();
      }));

    test('Expect: 100-continue is answered when the handler reads the body', () =>
      onLoop(config, async ({ loop }) => {
        const server = serve(loop, async (req) => new PlainResponse(`got ${await req.text()}`), {
          host: '127.0.0.1',
          port: 0,
        });
        const c = await RawClient.connect(loop, server.port);
        c.send(`PUT /e HTTP/1.1\r\n${H}Expect: 100-continue\r\nContent-Length: 4\r\n\r\n`);
        await c.until(() => c.interim.length === 1);
        assert.deepEqual(c.interim, [100]);
        c.send('data');
        await c.untilResponses(1);
        assert.equal(c.responses[0]?.body, 'got data');
        c.close();
        await server.close();
      }));

    test('Expect: 100-continue answered without reading the body: no 100, and the connection closes', () =>
      onLoop(config, async ({ loop }) => {
        const server = serve(loop, () => new PlainResponse('too big', { status: 413 }), {
          host: '127.0.0.1',
          port: 0,
        });
        const c = await RawClient.connect(loop, server.port);
        c.send(`PUT /e HTTP/1.1\r\n${H}Expect: 100-continue\r\nContent-Length: 100000\r\n\r\n`);
        await c.untilClosed();
        assert.deepEqual(c.interim, []);
        assert.deepEqual(
          c.responses.map((r) => [r.status, r.headers.connection]),
          [[413, 'close']],
        );
        await server.close();
      }));

    test('a throwing handler gets a 500 and a report; the connection lives on', () =>
      onLoop(config, async ({ loop, errors }) => {
        const server = serve(
          loop,
          (req) => {
            if (req.url.endsWith('/boom')) throw new Error('boom');
            if (req.url.endsWith('/reject')) return Promise.reject(new Error('nope'));
            return new PlainResponse('fine');
          },
          { host: '127.0.0.1', port: 0 },
        );
        const c = await RawClient.connect(loop, server.port);
        c.send(`GET /boom HTTP/1.1\r\n${H}\r\nGET /reject HTTP/1.1\r\n${H}\r\nGET /ok HTTP/1.1\r\n${H}\r\n`);
        await c.untilResponses(3);
        assert.deepEqual(
          c.responses.map((r) => r.status),
          [500, 500, 200],
        );
        assert.equal(errors.length, 2);
        assert.match(errors[0]?.message ?? '', /HTTP handler for GET \/boom/);
        assert.equal((errors[0]?.error as Error).message, 'boom');
        assert.equal(server.stats().handlerErrors, 2);
        c.close();
        await server.close();
      }));

    test('malformed input: 400 and close; nothing behind it is answered', () =>
      onLoop(config, async ({ loop }) => {
        let handled = 0;
        const server = serve(
          loop,
          () => {
            handled++;
            return new PlainResponse('ok');
          },
          { host: '127.0.0.1', port: 0, maxHeaderCount: 10 },
        );
        const cases: [string, number][] = [
          [
            `POST / HTTP/1.1\r\n${H}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n${H}\r\n`,
            400,
          ],
          [`GET / HTTP/3.0\r\n${H}\r\n`, 505],
          [`GET / HTTP/1.1\r\n${H}${'X: y\r\n'.repeat(11)}\r\n`, 431],
          [`GET /${'a'.repeat(9000)} HTTP/1.1\r\n${H}\r\n`, 414],
        ];
        for (const [input, status] of cases) {
          const c = await RawClient.connect(loop, server.port);
          c.send(input);
          await c.untilClosed();
          assert.deepEqual(
            c.responses.map((r) => r.status),
            [status],
          );
          assert.equal(c.responses[0]?.headers.connection, 'close');
        }
        assert.equal(handled, 0);
        await server.close();
      }));

    test('HTTP/1.0: closes after the response unless keep-alive; unknown length is close-delimited', () =>
      onLoop(config, async ({ loop }) => {
        const server = serveRaw(
          loop,
          ({ response }) => {
            response.writeHead(200);
            response.write('streamed');
            response.end();
          },
          { host: '127.0.0.1', port: 0 },
        );
        const a = await RawClient.connect(loop, server.port);
        a.send('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
        await a.untilClosed();
        assert.ok(a.received.startsWith('HTTP/1.1 200 OK\r\n'));
        assert.ok(a.received.endsWith('\r\n\r\nstreamed'), 'no chunked framing for 1.0');
        assert.match(a.received, /Connection: close/);
        await server.close();
      }));
  });
}
