// A Hono app (npm hono, code nobody here wrote) served unchanged through `app.fetch` by nbio's
// fetch-shaped serve(), on every loop configuration: routing with params and query, middleware,
// c.req.json() and c.req.header(), c.json/c.text/c.body, streaming, notFound and onError — with
// serve()'s default (LightResponse as the global Response while it runs), with
// `overrideGlobalObjects: false` (Node's own Response), and under the user's own install.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Hono } from 'hono';
import { streamText } from 'hono/streaming';
import { serve } from '../../src/http/server/http-server.ts';
import { installLightResponse, LightResponse } from '../../src/http/server/light-response.ts';
import { onLoop, RawClient } from '../../src/http/server/test-support.ts';
import { type LoopConfig, loopConfigs } from '../../src/testing/loop-configs.ts';

function makeApp(): Hono {
  const app = new Hono();
  app.use('*', async (c, next) => {
    await next();
    c.header('x-powered-by', 'hono-on-nbio');
  });
  app.get('/', (c) => c.text('hello from hono'));
  app.get('/users/:id', (c) =>
    c.json({ id: c.req.param('id'), q: c.req.query('q'), agent: c.req.header('user-agent') }),
  );
  app.post('/json', async (c) => {
    const body = await c.req.json<{ a: number; b: number }>();
    return c.json({ sum: body.a + body.b }, 201);
  });
  app.get('/stream', (c) =>
    streamText(c, async (s) => {
      for (const w of ['one ', 'two ', 'three']) await s.write(w);
    }),
  );
  app.get('/error', () => {
    throw new Error('route failed');
  });
  app.onError((err, c) => c.text(`handled: ${err.message}`, 500));
  return app;
}

/** Serves makeApp() and checks every route's answer. */
function checkApp(config: LoopConfig, overrideGlobalObjects = true): Promise<void> {
  return onLoop(config, async ({ loop }) => {
    const app = makeApp();
    const server = serve(loop, (req) => app.fetch(req as unknown as Request), {
      host: '127.0.0.1',
      port: 0,
      overrideGlobalObjects,
    });
    assert.equal(globalThis.Response === (LightResponse as unknown), overrideGlobalObjects);
    const c = await RawClient.connect(loop, server.port);
    const H = 'Host: example.test\r\nUser-Agent: raw/1\r\n';
    c.send(`GET / HTTP/1.1\r\n${H}\r\n`);
    c.send(`GET /users/42?q=find%20me HTTP/1.1\r\n${H}\r\n`);
    c.send(
      `POST /json HTTP/1.1\r\n${H}Content-Type: application/json\r\nContent-Length: 13\r\n\r\n{"a":2,"b":3}`,
    );
    c.send(`GET /stream HTTP/1.1\r\n${H}\r\n`);
    c.send(`GET /missing HTTP/1.1\r\n${H}\r\n`);
    c.send(`GET /error HTTP/1.1\r\n${H}\r\n`);
    await c.untilResponses(6);
    const [root, user, json, stream, missing, error] = c.responses;
    assert.equal(root?.status, 200);
    assert.equal(root?.body, 'hello from hono');
    assert.equal(root?.headers['x-powered-by'], 'hono-on-nbio');
    assert.match(root?.headers['content-type'] ?? '', /^text\/plain/);
    assert.deepEqual(JSON.parse(user?.body ?? ''), { id: '42', q: 'find me', agent: 'raw/1' });
    assert.equal(json?.status, 201);
    assert.deepEqual(JSON.parse(json?.body ?? ''), { sum: 5 });
    assert.equal(stream?.body, 'one two three');
    assert.equal(missing?.status, 404);
    assert.equal(error?.status, 500);
    assert.equal(error?.body, 'handled: route failed');
    c.close();
    await server.close();
  });
}

for (const config of loopConfigs()) {
  describe(`Hono on nbio (${config.backend}, ${config.mode})`, () => {
    test('routes, params, JSON in and out, middleware, streaming, 404 and onError', () => checkApp(config));

    test('the same with Node’s own Response (overrideGlobalObjects: false)', () => checkApp(config, false));

    test('the same under the user’s own installLightResponse()', async () => {
      const undo = installLightResponse();
      try {
        await checkApp(config);
        assert.equal(globalThis.Response, LightResponse as unknown);
      } finally {
        undo();
      }
    });
  });
}
