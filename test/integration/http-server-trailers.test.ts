// Request trailers reach the handler, on every loop configuration: the trailer fields of a
// chunked request body are on `body.trailers` (serveRaw) and `req.trailers` (serve) once the body
// was read to its end — null before that, and for a body without trailers.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { serve, serveRaw } from '../../src/http/server/http-server.ts';
import { onLoop, RawClient } from '../../src/http/server/test-support.ts';
import { loopConfigs } from '../../src/testing/loop-configs.ts';

const H = 'Host: t\r\n';
const CHUNKED = 'Transfer-Encoding: chunked\r\n';
const WITH_TRAILERS = `POST /t HTTP/1.1\r\n${H}${CHUNKED}Trailer: X-Sum, X-Note\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\nX-Sum: 5\r\nx-note: one\r\nX-Note: two\r\n\r\n`;
const WITHOUT = `POST /n HTTP/1.1\r\n${H}${CHUNKED}\r\n3\r\nxyz\r\n0\r\n\r\n`;

for (const config of loopConfigs()) {
  describe(`HTTP server request trailers (${config.backend}, ${config.mode})`, () => {
    test('serveRaw: body.trailers after the body was read', () =>
      onLoop(config, async ({ loop }) => {
        const server = serveRaw(
          loop,
          async ({ body, response }) => {
            const before = body.trailers;
            const text = (await body.readAll()).toString();
            const t = body.trailers;
            response.end(
              JSON.stringify({
                before: before === null,
                text,
                sum: t?.get('x-sum') ?? null,
                note: t?.get('X-NOTE') ?? null,
                count: t?.size ?? 0,
              }),
            );
          },
          { host: '127.0.0.1', port: 0 },
        );
        const c = await RawClient.connect(loop, server.port);
        c.send(WITH_TRAILERS);
        c.send(WITHOUT);
        await c.untilResponses(2);
        assert.deepEqual(JSON.parse(c.responses[0]?.body ?? ''), {
          before: true,
          text: 'abcde',
          sum: '5',
          note: 'one, two',
          count: 3,
        });
        assert.deepEqual(JSON.parse(c.responses[1]?.body ?? ''), {
          before: true,
          text: 'xyz',
          sum: null,
          note: null,
          count: 0,
        });
        c.close();
        await server.close();
      }));

    test('serve: req.trailers as Headers after text() or the stream', () =>
      onLoop(config, async ({ loop }) => {
        const server = serve(
          loop,
          async (req) => {
            const before = req.trailers;
            let text = '';
            if (req.head.target === '/stream') {
              for await (const c of req.body ?? []) text += Buffer.from(c).toString();
            } else text = await req.text();
            return Response.json({
              before,
              text,
              sum: req.trailers?.get('x-sum') ?? null,
              list: req.trailerList?.value(0) ?? null,
            });
          },
          { host: '127.0.0.1', port: 0 },
        );
        const c = await RawClient.connect(loop, server.port);
        c.send(WITH_TRAILERS);
        c.send(WITH_TRAILERS.replace('/t', '/stream'));
        c.send(WITHOUT);
        await c.untilResponses(3);
        const [a, b, n] = c.responses.map((r) => JSON.parse(r.body) as unknown);
        assert.deepEqual(a, { before: null, text: 'abcde', sum: '5', list: '5' });
        assert.deepEqual(b, { before: null, text: 'abcde', sum: '5', list: '5' });
        assert.deepEqual(n, { before: null, text: 'xyz', sum: null, list: null });
        c.close();
        await server.close();
      }));
  });
}
