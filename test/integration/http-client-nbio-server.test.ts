// Both ends nbio on one loop: nbio's HTTP client against nbio's own fetch-shaped server
// (src/http/server), on every loop configuration — bodies both ways in both framings, HEAD,
// keep-alive counted by the server, and a graceful server close under a client.
import assert from 'node:assert/strict';
import { fetch } from '../../src/http/client/fetch.ts';
import { HttpClient } from '../../src/http/client/http-client.ts';
import { serve } from '../../src/http/server/http-server.ts';
import { onEachLoop } from './fixtures/http-client-harness.ts';

onEachLoop('nbio client and nbio server on one loop', async (loop) => {
  const server = serve(
    loop,
    async (req) => {
      if (req.method === 'POST')
        return new Response(await req.arrayBuffer(), { headers: { 'x-method': 'POST' } });
      if (req.method === 'PUT') return new Response(req.body); // streamed back (chunked)
      return new Response(`hello ${new URL(req.url).pathname}`, {
        headers: { 'content-type': 'text/plain' },
      });
    },
    { host: '127.0.0.1', port: 0 },
  );
  const base = `http://127.0.0.1:${server.port}`;
  const client = new HttpClient(loop);
  try {
    const hello = await fetch(loop, `${base}/a`, { client });
    assert.equal(hello.status, 200);
    assert.equal(await hello.text(), 'hello /a');
    const head = await fetch(loop, `${base}/a`, { client, method: 'HEAD' });
    assert.equal(head.body, null);
    await head.text();

    const big = Buffer.alloc(512 * 1024, 'p');
    const posted = await fetch(loop, `${base}/up`, { client, method: 'POST', body: big });
    assert.equal(posted.headers.get('x-method'), 'POST');
    assert.deepEqual(await posted.buffer(), big);

    async function* pieces() {
      for (let i = 0; i < 64; i++) yield Buffer.alloc(8192, i);
    }
    const put = await fetch(loop, `${base}/stream`, { client, method: 'PUT', body: pieces() });
    assert.equal(put.headers.get('transfer-encoding'), 'chunked');
    const back = await put.buffer();
    assert.equal(back.length, 64 * 8192);
    assert.equal(back[8192 * 63], 63);

    assert.equal(server.stats().connections, 1, 'one keep-alive connection carried every request');
    assert.equal(client.stats().reused, 3);
  } finally {
    client.close();
    await server.close({ timeoutMs: 1000 });
  }
});
