// The Twisted-style Resource/Site over nbio's HTTP server, on every loop: the resource tree
// (putChild, getChild, leaves), query args and content, NOT_DONE_YET with later write/finish,
// 404 and 405, and a render that throws (500, reported).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { onLoop, RawClient } from '../../http/server/test-support.ts';
import type { EventLoop } from '../../loop/event-loop.ts';
import { loopConfigs } from '../../testing/loop-configs.ts';
import { NOT_DONE_YET, type Request, Resource, Site } from './web-site.ts';

class Hello extends Resource {
  override isLeaf = true;
  render_GET(request: Request): string {
    return `hello ${request.args.get('name')?.[0] ?? 'world'} ${request.postpath.join('/')}`;
  }
}
class Later extends Resource {
  readonly #loop: EventLoop;
  constructor(loop: EventLoop) {
    super();
    this.#loop = loop;
  }
  render_POST(request: Request): typeof NOT_DONE_YET {
    this.#loop.callLater(5, () => {
      request.write('got ');
      request.write(request.content);
      request.finish();
    });
    return NOT_DONE_YET;
  }
}
class Users extends Resource {
  override getChild(path: string): Resource {
    const r = new Resource();
    (r as unknown as { render_GET: () => string }).render_GET = () => `user ${path}`;
    return r;
  }
}
class Boom extends Resource {
  render_GET(): string {
    throw new Error('render failed');
  }
}

for (const config of loopConfigs()) {
  describe(`Twisted-style Site (${config.backend}, ${config.mode})`, () => {
    test('tree walk, args, content, NOT_DONE_YET, 404, 405, 500', () =>
      onLoop(config, async ({ loop, errors }) => {
        const root = new Resource();
        root.putChild('hello', new Hello());
        root.putChild('later', new Later(loop));
        root.putChild('users', new Users());
        root.putChild('boom', new Boom());
        const server = new Site(root).listen(loop, 0);
        const c = await RawClient.connect(loop, server.port);
        const H = 'Host: t\r\n';
        c.send(`GET /hello/a/b?name=ann HTTP/1.1\r\n${H}\r\n`);
        c.send(`POST /later HTTP/1.1\r\n${H}Content-Length: 4\r\n\r\nbody`);
        c.send(`GET /users/42 HTTP/1.1\r\n${H}\r\n`);
        c.send(`GET /nothing HTTP/1.1\r\n${H}\r\n`);
        c.send(`GET /later HTTP/1.1\r\n${H}\r\n`);
        c.send(`GET /boom HTTP/1.1\r\n${H}\r\n`);
        await c.untilResponses(6);
        assert.deepEqual(
          c.responses.map((r) => [r.status, r.body]),
          [
            [200, 'hello ann a/b'],
            [200, 'got body'],
            [200, 'user 42'],
            [404, '404 No Such Resource\n'],
            [405, '405 Method Not Allowed\n'],
            [500, '500 Internal Server Error\n'],
          ],
        );
        assert.equal(c.responses[1]?.headers['transfer-encoding'], 'chunked');
        assert.equal(errors.length, 1);
        c.close();
        await server.close();
      }));
  });
}
