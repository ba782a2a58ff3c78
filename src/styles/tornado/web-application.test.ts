// The Tornado-style Application/RequestHandler over nbio's HTTP server, on every loop: routing
// with path arguments, query arguments, the whole body, JSON output, prepare(), 404/405, and a
// handler that throws (500, reported, the server lives on).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { onLoop, RawClient } from '../../http/server/test-support.ts';
import { loopConfigs } from '../../testing/loop-configs.ts';
import { Application, RequestHandler } from './web-application.ts';

class Hello extends RequestHandler {
  get(name: string): void {
    this.write(`hello ${name} ${this.getQueryArgument('x', '-')}`);
  }
}
class Echo extends RequestHandler {
  override prepare(): void {
    if (this.request.headers.get('x-deny') !== null) this.sendError(403);
  }
  async post(): Promise<void> {
    await Promise.resolve();
    this.write({ got: this.request.body.toString(), method: this.request.method });
  }
}
class Boom extends RequestHandler {
  get(): void {
    throw new Error('handler failed');
  }
}

for (const config of loopConfigs()) {
  describe(`Tornado-style Application (${config.backend}, ${config.mode})`, () => {
    test('routes, arguments, body, JSON, prepare, 404, 405 and 500', () =>
      onLoop(config, async ({ loop, errors }) => {
        const app = new Application([
          ['/hello/(\\w+)', Hello],
          ['/echo', Echo],
          ['/boom', Boom],
        ]);
        const server = app.listen(loop, 0);
        const c = await RawClient.connect(loop, server.port);
        const H = 'Host: t\r\n';
        c.send(`GET /hello/ann?x=1 HTTP/1.1\r\n${H}\r\n`);
        c.send(`POST /echo HTTP/1.1\r\n${H}Content-Length: 2\r\n\r\nhi`);
        c.send(`POST /echo HTTP/1.1\r\n${H}X-Deny: 1\r\nContent-Length: 0\r\n\r\n`);
        c.send(`GET /nowhere HTTP/1.1\r\n${H}\r\n`);
        c.send(`DELETE /hello/bob HTTP/1.1\r\n${H}\r\n`);
        c.send(`GET /boom HTTP/1.1\r\n${H}\r\n`);
        c.send(`GET /hello/again HTTP/1.1\r\n${H}\r\n`);
        await c.untilResponses(7);
        assert.deepEqual(
          c.responses.map((r) => r.status),
          [200, 200, 403, 404, 405, 500, 200],
        );
        assert.equal(c.responses[0]?.body, 'hello ann 1');
        assert.deepEqual(JSON.parse(c.responses[1]?.body ?? ''), { got: 'hi', method: 'POST' });
        assert.match(c.responses[1]?.headers['content-type'] ?? '', /^application\/json/);
        assert.equal(c.responses[6]?.body, 'hello again -');
        assert.equal(errors.length, 1);
        assert.match(errors[0]?.message ?? '', /RequestHandler for GET \/boom/);
        c.close();
        await server.close();
      }));
  });
}
