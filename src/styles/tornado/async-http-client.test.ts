import assert from 'node:assert/strict';
import { test } from 'node:test';
import { miniHttpServer } from '../../http/client/test-support.ts';
import { EventLoop } from '../../loop/event-loop.ts';
import { fdSnapshot, fdsOpenedSince } from '../../testing/fd-count.ts';
import { loopConfigs, runFor } from '../../testing/loop-configs.ts';
import { AsyncHTTPClient, HTTPClientError, HTTPRequest } from './async-http-client.ts';
import { IOLoop } from './io-loop.ts';

for (const config of loopConfigs()) {
  test(`AsyncHTTPClient.fetch: body, redirects, raise_error, keep-alive (${config.backend} ${config.mode})`, async () => {
    const fds = fdSnapshot();
    const loop = new EventLoop({ selector: config.backend, mode: config.mode });
    try {
      await runFor(loop, async () => {
        const mini = miniHttpServer(loop, (req) => {
          if (req.path === '/old') return { status: 301, headers: { location: '/new' } };
          if (req.path === '/new') return { status: 200, body: `${req.method} new` };
          if (req.path === '/post') return { status: 200, body: `got ${req.body.length} bytes` };
          return { status: 404, body: 'nope' };
        });
        const client = new AsyncHTTPClient(new IOLoop(loop));
        try {
          const r = await client.fetch(`${mini.base}/old`);
          assert.equal(r.code, 200);
          assert.equal(r.body.toString(), 'GET new');
          assert.equal(r.effectiveUrl, `${mini.base}/new`);
          assert.ok(r.requestTime >= 0);
          assert.equal(r.error, null);

          const post = await client.fetch(
            new HTTPRequest(`${mini.base}/post`, { method: 'POST', body: 'abcdef' }),
          );
          assert.equal(post.body.toString(), 'got 6 bytes');

          const noFollow = await client.fetch(`${mini.base}/old`, {
            followRedirects: false,
            raiseError: false,
          });
          assert.equal(noFollow.code, 301);
          assert.ok(noFollow.error instanceof HTTPClientError);

          await assert.rejects(client.fetch(`${mini.base}/missing`), (err: unknown) => {
            assert.ok(err instanceof HTTPClientError);
            assert.equal(err.code, 404);
            assert.equal(err.response.body.toString(), 'nope');
            return true;
          });
          const kept = await client.fetch(`${mini.base}/missing`, { raiseError: false });
          assert.equal(kept.code, 404);
          assert.throws(() => kept.rethrow(), HTTPClientError);
          assert.equal(mini.connections(), 1, 'every fetch went over one keep-alive connection');

          await assert.rejects(client.fetch('https://127.0.0.1/'), { code: 'NBIO_UNSUPPORTED' });
        } finally {
          client.close();
          mini.server.close();
        }
      });
    } finally {
      loop.close();
    }
    assert.deepEqual(fdsOpenedSince(fds), []);
  });
}
