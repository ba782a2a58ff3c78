// Node's own http.createServer() — code nobody here wrote — serving requests that arrive on
// nbio sockets: an nbio compat server emits its connections into the http server. Clients:
// Node's http with its own sockets (on the default guest loop, where Node's loop runs freely),
// and Node's http with an Agent whose connections are nbio sockets too (every loop, owner-mode
// poll included). Keep-alive: several requests on one connection, counted by nbio's server.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { test } from 'node:test';
import { compatStats } from '../../src/compat/compat-stats.ts';
import { connect } from '../../src/compat/create-connection.ts';
import { createServer, type Server } from '../../src/compat/server.ts';
import type { AddressInfo } from '../../src/compat/socket.ts';
import {
  describeWithFdCheck,
  type LoopCase,
  loopCases,
  nextEvent,
  onLoop,
  within,
} from '../../src/compat/test-support.ts';
import type { EventLoop } from '../../src/loop/event-loop.ts';

/** Node's http server behind an nbio listener; answers `<method> <url> <body bytes>`. */
async function nbioHttpServer(
  loop: EventLoop,
): Promise<{ server: Server; port: number; requests: () => number }> {
  let requests = 0;
  const httpServer = http.createServer((req, res) => {
    requests++;
    let n = 0;
    req.on('data', (d: Buffer) => (n += d.length));
    req.on('end', () => {
      res.setHeader('content-type', 'text/plain');
      res.end(`${req.method} ${req.url} ${n}`);
    });
  });
  const server = createServer({ loop }, (socket) => httpServer.emit('connection', socket));
  server.listen(0, '127.0.0.1');
  await nextEvent(loop, server, 'listening');
  return { server, port: (server.address() as AddressInfo).port, requests: () => requests };
}

/** An http.Agent whose connections are nbio compat sockets on `loop`. */
class NbioAgent extends http.Agent {
  readonly #loop: EventLoop;
  constructor(loop: EventLoop) {
    super({ keepAlive: true, maxSockets: 1 });
    this.#loop = loop;
  }
  override createConnection(options: { host?: string; port?: number }): Duplex {
    return connect({ loop: this.#loop, host: options.host ?? '127.0.0.1', port: Number(options.port) });
  }
}

interface Reply {
  status: number;
  body: string;
  reused: boolean;
}

function request(loop: EventLoop, options: http.RequestOptions, body?: Buffer): Promise<Reply> {
  return within(
    loop,
    10_000,
    `${options.method ?? 'GET'} ${options.path}`,
    new Promise((resolve, reject) => {
      const req = http.request(options, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, reused: req.reusedSocket }));
      });
      req.on('error', reject);
      req.end(body);
    }),
  );
}

/** Three GETs and a 1 MiB POST on one keep-alive connection; checks replies and nbio's counts. */
async function keepAliveSession(loop: EventLoop, agent: http.Agent): Promise<void> {
  const io0 = loop.stats().ioCallbacks;
  const stats0 = compatStats();
  const { server, port, requests } = await nbioHttpServer(loop);
  const base = { host: '127.0.0.1', port, agent };
  const replies: Reply[] = [];
  for (const path of ['/a', '/b', '/c']) replies.push(await request(loop, { ...base, path }));
  const big = Buffer.alloc(1024 * 1024, 'z');
  replies.push(await request(loop, { ...base, path: '/upload', method: 'POST' }, big));
  assert.deepEqual(
    replies.map((r) => `${r.status} ${r.body}`),
    ['200 GET /a 0', '200 GET /b 0', '200 GET /c 0', `200 POST /upload ${big.length}`],
  );
  assert.deepEqual(
    replies.map((r) => r.reused),
    [false, true, true, true],
    'one connection, kept alive',
  );
  assert.equal(requests(), 4);
  assert.equal(server.nbioServer?.stats().accepted, 1, 'nbio accepted exactly one connection');
  const stats = compatStats();
  assert.ok(stats.bytesRead - stats0.bytesRead > big.length, 'the request bytes came through nbio');
  assert.ok(loop.stats().ioCallbacks > io0, 'the nbio loop dispatched the I/O');
  agent.destroy(); // the client closes the connection; the http server closes its side
  const closed = nextEvent(loop, server, 'close', 10_000);
  server.close();
  await closed;
}

describeWithFdCheck('Node’s http server on nbio sockets', () => {
  test('Node’s http client, on its own sockets, keep-alive (default guest loop)', () =>
    onLoop({ name: 'default guest loop', backend: 'default', mode: 'guest' }, (loop) =>
      keepAliveSession(loop, new http.Agent({ keepAlive: true, maxSockets: 1 })),
    ));

  for (const c of loopCases()) {
    test(`Node’s http client on nbio sockets too, keep-alive (${c.name})`, () =>
      onLoop(c, (loop: EventLoop) => keepAliveSession(loop, new NbioAgent(loop))));
  }

  test('a malformed request gets Node’s 400 and the nbio connection closes', () =>
    onLoop({ name: 'poll owner', backend: 'poll', mode: 'owner' } satisfies LoopCase, async (loop) => {
      const { server, port } = await nbioHttpServer(loop);
      const s = connect({ loop, port, host: '127.0.0.1' });
      let reply = '';
      s.on('data', (d: Buffer) => (reply += d));
      const closed = nextEvent(loop, s, 'close');
      s.write('THIS IS NOT HTTP\r\n\r\n');
      await closed;
      assert.match(reply, /^HTTP\/1\.1 400 Bad Request/);
      const serverClosed = nextEvent(loop, server, 'close');
      server.close();
      await serverClosed;
    }));
});
