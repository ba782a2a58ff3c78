// undici 7 — code nobody here wrote — making requests through nbio sockets, two ways:
// (1) its documented `connect` option, a function `(opts, callback)` that hands undici a
// connected socket (docs/api/Client.md, "connect"); (2) no option at all, under patchNet(),
// since undici's own connector calls net.connect at call time. The server is Node's http
// behind an nbio listener, so both ends of every connection are nbio sockets.
import assert from 'node:assert/strict';
import http from 'node:http';
import type * as NodeNet from 'node:net';
import { test } from 'node:test';
import { type buildConnector, Client } from 'undici';
import { compatStats } from '../../src/compat/compat-stats.ts';
import { connect } from '../../src/compat/create-connection.ts';
import { patchNet, unpatchNet } from '../../src/compat/patch-net.ts';
import { createServer, type Server } from '../../src/compat/server.ts';
import type { AddressInfo, Socket } from '../../src/compat/socket.ts';
import {
  defaultAndPoll,
  describeWithFdCheck,
  type LoopCase,
  nextEvent,
  onLoop,
  within,
} from '../../src/compat/test-support.ts';
import type { EventLoop } from '../../src/loop/event-loop.ts';

/** Node's http server behind an nbio listener; echoes `<method> <url> <body bytes>`. */
async function nbioHttpServer(loop: EventLoop): Promise<{ server: Server; url: string }> {
  const httpServer = http.createServer((req, res) => {
    let n = 0;
    req.on('data', (d: Buffer) => (n += d.length));
    req.on('end', () => res.end(`${req.method} ${req.url} ${n}`));
  });
  const server = createServer({ loop }, (socket) => httpServer.emit('connection', socket));
  server.listen(0, '127.0.0.1');
  await nextEvent(loop, server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** undici's documented connector shape, answered with an nbio socket once it connected. */
function nbioConnector(loop: EventLoop, made: Socket[]): buildConnector.connector {
  return (opts, callback) => {
    const socket = connect({ loop, host: opts.hostname, port: opts.port });
    made.push(socket);
    const onError = (err: Error) => callback(err, null);
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.removeListener('error', onError);
      callback(null, socket as unknown as NodeNet.Socket); // a Duplex with net.Socket's surface
    });
  };
}

/** GETs, a 1 MiB POST, and pipelined requests; returns what the server saw. */
async function session(loop: EventLoop, client: Client): Promise<void> {
  const texts: string[] = [];
  for (const path of ['/one', '/two']) {
    const r = await within(loop, 10_000, path, client.request({ path, method: 'GET' }));
    assert.equal(r.statusCode, 200);
    texts.push(await r.body.text());
  }
  const big = Buffer.alloc(1024 * 1024, 'u');
  const post = await within(loop, 10_000, 'POST', client.request({ path: '/up', method: 'POST', body: big }));
  texts.push(await post.body.text());
  const piped = await within(
    loop,
    10_000,
    'pipelined',
    Promise.all(
      ['/p1', '/p2', '/p3'].map(async (path) => {
        const r = await client.request({ path, method: 'GET' });
        return r.body.text();
      }),
    ),
  );
  texts.push(...piped);
  assert.deepEqual(texts, [
    'GET /one 0',
    'GET /two 0',
    `POST /up ${big.length}`,
    'GET /p1 0',
    'GET /p2 0',
    'GET /p3 0',
  ]);
}

async function closeAll(loop: EventLoop, client: Client, server: Server): Promise<void> {
  await within(loop, 5000, 'client close', client.close());
  const closed = nextEvent(loop, server, 'close', 10_000);
  server.close();
  await closed;
}

describeWithFdCheck('undici 7 through nbio sockets', () => {
  for (const c of defaultAndPoll()) {
    test(`the documented connect option hands undici nbio sockets (${c.name})`, () =>
      onLoop(c, async (loop) => {
        const io0 = loop.stats().ioCallbacks;
        const { server, url } = await nbioHttpServer(loop);
        const made: Socket[] = [];
        const client = new Client(url, { connect: nbioConnector(loop, made), pipelining: 3 });
        await session(loop, client);
        assert.equal(made.length, 1, 'one nbio connection served every request (keep-alive)');
        assert.equal(server.nbioServer?.stats().accepted, 1);
        const t = made[0]?.transport?.stats();
        assert.ok((t?.bytesWritten ?? 0) > 1024 * 1024, 'the nbio transport carried the upload');
        assert.ok(loop.stats().ioCallbacks > io0);
        await closeAll(loop, client, server);
        assert.equal(made[0]?.destroyed, true);
      }));

    test(`without any option, under patchNet(): undici’s own net.connect is nbio’s (${c.name})`, () =>
      onLoop(c, async (loop: EventLoop) => {
        const { server, url } = await nbioHttpServer(loop);
        const stats0 = compatStats();
        const client = new Client(url);
        patchNet((c satisfies LoopCase).backend === 'default' ? {} : { loop });
        let first: string;
        try {
          // undici connects when the first request is dispatched.
          const r = await within(
            loop,
            10_000,
            'first request',
            client.request({ path: '/first', method: 'GET' }),
          );
          first = await r.body.text();
        } finally {
          unpatchNet();
        }
        assert.equal(first, 'GET /first 0');
        await session(loop, client);
        const stats = compatStats();
        assert.equal(
          stats.patchedCalls - stats0.patchedCalls,
          1,
          'undici called the patched net.connect once',
        );
        assert.equal(stats.connectsStarted - stats0.connectsStarted, 1);
        assert.ok(stats.bytesWritten - stats0.bytesWritten > 1024 * 1024, 'the upload went through nbio');
        await closeAll(loop, client, server);
      }));
  }
});
