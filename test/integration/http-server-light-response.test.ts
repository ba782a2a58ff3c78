// serve() answering with LightResponse on every loop configuration: an unbuilt one goes out from
// its parts (status, the fields as given, the default content-type, Content-Length, one body);
// HEAD gets the length and no body; 204 none; one whose fields were changed goes out with the
// change, and one whose body was read (so built into a real Response) as that Response.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { serve } from '../../src/http/server/http-server.ts';
import { LightResponse } from '../../src/http/server/light-response.ts';
import { onLoop, RawClient } from '../../src/http/server/test-support.ts';
import { loopConfigs } from '../../src/testing/loop-configs.ts';

const H = 'Host: t\r\n';

for (const config of loopConfigs()) {
  describe(`HTTP server with LightResponse (${config.backend}, ${config.mode})`, () => {
    test('unbuilt and built responses, HEAD, 204, bytes', () =>
      onLoop(config, async ({ loop }) => {
        const server = serve(
          loop,
          (req) => {
            const path = req.head.target;
            if (path === '/none') return new LightResponse(null, { status: 204 });
            if (path === '/bytes') return new LightResponse(new Uint8Array([0x61, 0x62]), { status: 201 });
            const r = new LightResponse('héllo', { headers: { 'X-Kind': 'light' } });
            if (path === '/touched') r.headers.set('x-later', 'yes');
            if (path === '/built') void r.clone().text();
            return r;
          },
          { host: '127.0.0.1', port: 0 },
        );
        const c = await RawClient.connect(loop, server.port);
        c.send(`GET / HTTP/1.1\r\n${H}\r\n`);
        await c.untilResponses(1);
        c.expectHeadResponses(1);
        c.send(`HEAD / HTTP/1.1\r\n${H}\r\nGET /none HTTP/1.1\r\n${H}\r\n`);
        c.send(`GET /bytes HTTP/1.1\r\n${H}\r\nGET /touched HTTP/1.1\r\n${H}\r\n`);
        c.send(`GET /built HTTP/1.1\r\n${H}\r\n`);
        await c.untilResponses(6);
        const [plain, head, none, bytes, touched, built] = c.responses;
        assert.equal(plain?.status, 200);
        assert.equal(Buffer.from(plain?.body ?? '', 'latin1').toString(), 'héllo');
        assert.equal(plain?.headers['content-length'], '6');
        assert.equal(plain?.headers['content-type'], 'text/plain;charset=UTF-8');
        assert.equal(plain?.headers['x-kind'], 'light');
        assert.match(c.received, /\r\nX-Kind: light\r\n/); // as given: the server did not build Headers
        assert.equal(head?.headers['content-length'], '6');
        assert.equal(head?.body, '');
        assert.equal(none?.status, 204);
        assert.equal(none?.headers['content-length'], undefined);
        assert.equal(bytes?.status, 201);
        assert.equal(bytes?.body, 'ab');
        assert.equal(bytes?.headers['content-type'], undefined);
        assert.equal(touched?.headers['x-later'], 'yes');
        assert.equal(Buffer.from(touched?.body ?? '', 'latin1').toString(), 'héllo');
        assert.equal(Buffer.from(built?.body ?? '', 'latin1').toString(), 'héllo');
        assert.equal(built?.headers['x-kind'], 'light');
        c.close();
        await server.close();
        assert.equal(server.stats().handlerErrors, 0);
      }));
  });
}
