// serve() makes nbio's LightResponse the global Response while it runs (as @hono/node-server does
// with its own class), on every loop configuration: installed by the first server, kept while
// any server (or the user's own installLightResponse()) holds it, Node's own Response back after
// the last close; `overrideGlobalObjects: false` leaves the global alone. Under the default,
// handlers' Response.json, Response.redirect, stream bodies, Node's own Response objects and
// `instanceof Response` still behave.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { serve } from '../../src/http/server/http-server.ts';
import { installLightResponse, LightResponse, lightParts } from '../../src/http/server/light-response.ts';
import { onLoop, RawClient } from '../../src/http/server/test-support.ts';
import { loopConfigs } from '../../src/testing/loop-configs.ts';

const NativeResponse = globalThis.Response;
const H = 'Host: t\r\n';
const LOCAL = { host: '127.0.0.1', port: 0 } as const;
const isLight = (): boolean => globalThis.Response === (LightResponse as unknown);

for (const config of loopConfigs()) {
  describe(`serve() and the global Response (${config.backend}, ${config.mode})`, () => {
    test('installed while servers run, Node’s again after the last one closed', () =>
      onLoop(config, async ({ loop }) => {
        assert.equal(globalThis.Response, NativeResponse);
        const a = serve(loop, () => new Response('a'), LOCAL);
        assert.ok(isLight());
        const b = serve(loop, () => new Response('b'), LOCAL);
        const c = await RawClient.connect(loop, a.port);
        c.send(`GET / HTTP/1.1\r\n${H}\r\n`);
        await c.untilResponses(1);
        assert.equal(c.responses[0]?.body, 'a');
        c.close();
        await a.close();
        assert.ok(isLight(), 'the second server still holds it');
        await b.close();
        assert.equal(globalThis.Response, NativeResponse);
      }));

    test('the user’s own install outlives the servers; opt-out leaves the global alone', () =>
      onLoop(config, async ({ loop }) => {
        const undo = installLightResponse();
        try {
          const s = serve(loop, () => new Response('x'), LOCAL);
          await s.close();
          assert.ok(isLight(), 'installed by the user: not the server’s to put back');
        } finally {
          undo();
        }
        assert.equal(globalThis.Response, NativeResponse);
        const seen: boolean[] = [];
        const s = serve(
          loop,
          () => {
            const r = new Response('native');
            seen.push(lightParts(r) === null);
            return r;
          },
          { ...LOCAL, overrideGlobalObjects: false },
        );
        assert.equal(globalThis.Response, NativeResponse);
        const c = await RawClient.connect(loop, s.port);
        c.send(`GET / HTTP/1.1\r\n${H}\r\n`);
        await c.untilResponses(1);
        assert.equal(c.responses[0]?.body, 'native');
        assert.deepEqual(seen, [true]);
        c.close();
        await s.close();
        assert.throws(
          () => serve(loop, () => new Response(''), { ...LOCAL, overrideGlobalObjects: 'no' as never }),
          (e: unknown) => (e as { code?: string }).code === 'NBIO_INVALID_ARGUMENT',
        );
        assert.equal(globalThis.Response, NativeResponse);
      }));

    test('under the default: json, redirect, streams, Node’s own Response, instanceof', () =>
      onLoop(config, async ({ loop }) => {
        const checks: boolean[] = [];
        const server = serve(
          loop,
          (req) => {
            const path = req.head.target;
            if (path === '/json') {
              const r = Response.json({ ok: 1 }, { status: 201 });
              checks.push(r instanceof Response && lightParts(r) !== null);
              return r;
            }
            if (path === '/redirect') return Response.redirect('http://t/elsewhere', 307);
            if (path === '/stream') {
              const parts = ['str', 'eam'];
              const body = new ReadableStream<Uint8Array>({
                pull(ctrl) {
                  const p = parts.shift();
                  if (p === undefined) ctrl.close();
                  else ctrl.enqueue(new TextEncoder().encode(p));
                },
              });
              const r = new Response(body, { headers: { 'x-s': '1' } });
              checks.push(r instanceof Response && lightParts(r) instanceof NativeResponse);
              return r;
            }
            const own = new NativeResponse('node’s own', { status: 202 });
            checks.push(own instanceof Response);
            return own;
          },
          LOCAL,
        );
        const c = await RawClient.connect(loop, server.port);
        for (const p of ['/json', '/redirect', '/stream', '/native']) c.send(`GET ${p} HTTP/1.1\r\n${H}\r\n`);
        await c.untilResponses(4);
        const [json, redirect, stream, native] = c.responses;
        assert.equal(json?.status, 201);
        assert.equal(json?.headers['content-type'], 'application/json');
        assert.deepEqual(JSON.parse(json?.body ?? ''), { ok: 1 });
        assert.equal(redirect?.status, 307);
        assert.equal(redirect?.headers.location, 'http://t/elsewhere');
        assert.equal(stream?.body, 'stream');
        assert.equal(stream?.headers['x-s'], '1');
        assert.equal(native?.status, 202);
        assert.equal(Buffer.from(native?.body ?? '', 'latin1').toString(), 'node’s own');
        assert.deepEqual(checks, [true, true, true]);
        c.close();
        await server.close();
        assert.equal(globalThis.Response, NativeResponse);
      }));
  });
}
