/**
 * What one request costs the HTTP server in JavaScript, without sockets (issue 10): 100
 * `HttpConnection`s made as `serve()`/`serveRaw()` make them, each fed the same request in one
 * loop callback (as one `epoll_wait` reporting 100 readable sockets under `wrk -c100`), by a
 * fake transport that delivers it as `SocketTransport` does (a view of one read buffer to a
 * protocol that sets `copiesData`, else a fresh copy) and takes the responses as it does before
 * its `send` (a string encoded into a scratch buffer, small pieces copied there, a Buffer as it
 * is), then drops them; the handlers answer in the microtasks after it, and the next callback
 * comes on the next iteration. The
 * handlers are B3's (bench/servers/http-nbio.ts): hello world, and POST /echo of 16 KiB. No
 * system calls, no loop iteration: what is left of B3's server CPU per request is this plus
 * `recv`/`send` and the loop. Much steadier than wrk on a shared machine, so small changes to
 * the per-request path can be compared; the figure is the median of the rounds, in ns of this
 * process's CPU time (user + system) per request.
 *
 *   node --import tsx bench/http-request-cost.ts [hello|echo] [light|plain|raw] [rounds]
 *
 * `light`: `serve()`'s default (`new Response(...)` is nbio's `LightResponse`); `plain`:
 * `serve()` returning `PlainResponse`s; `raw`: `serveRaw`.
 *
 * @module
 */
import type { ConnectionConfig, Exchange } from '../src/http/server/exchange.ts';
import { HttpConnection } from '../src/http/server/http-connection.ts';
import { installLightResponse } from '../src/http/server/light-response.ts';
import { PlainResponse } from '../src/http/server/plain-response.ts';
import { sendResponse } from '../src/http/server/send-response.ts';
import { ServerRequest } from '../src/http/server/server-request.ts';
import { EventLoop } from '../src/loop/event-loop.ts';
import type { Transport } from '../src/net/transport.ts';

const workload = process.argv[2] ?? 'hello';
const api = process.argv[3] ?? 'light';
const rounds = Number(process.argv[4] ?? 7);
const REQUESTS_PER_ROUND = workload === 'echo' ? 20_000 : 100_000;
const TEXT = { 'content-type': 'text/plain' };
const BYTES = { 'content-type': 'application/octet-stream' };

installLightResponse();
const loop = new EventLoop({ selector: 'epoll' });

type FetchHandler = (req: ServerRequest) => Promise<Response | PlainResponse>;
const light: FetchHandler = async (req) => {
  const path = req.url.slice(req.url.indexOf('/', 8));
  if (path === '/') return new Response('hello world', { headers: TEXT });
  if (path === '/echo') return new Response(await req.arrayBuffer(), { headers: BYTES });
  return new Response(null, { status: 404 });
};
const plain: FetchHandler = async (req) => {
  const path = req.head.target;
  if (path === '/') return new PlainResponse('hello world', { headers: TEXT });
  if (path === '/echo') return new PlainResponse(await req.bytes(), { headers: BYTES });
  return new PlainResponse(null, { status: 404 });
};
async function raw({ head, body, response }: Exchange): Promise<void> {
  if (head.target === '/') {
    response.writeHead(200, TEXT);
    response.end('hello world');
  } else if (head.target === '/echo') {
    response.writeHead(200, BYTES);
    response.end(await body.readAll());
  } else {
    response.writeHead(404);
    response.end();
  }
}

function dispatch(ex: Exchange): void {
  if (api === 'raw') {
    void raw(ex);
    return;
  }
  const handler = api === 'plain' ? plain : light;
  void handler(new ServerRequest(ex, '127.0.0.1:8080')).then((r) =>
    sendResponse(ex.response, r, false, false),
  );
}

const config: ConnectionConfig = {
  loop,
  limits: {},
  headersTimeoutMs: 20_000,
  keepAliveTimeoutMs: 5_000,
  requestTimeoutMs: 300_000,
  dispatch,
  isClosing: () => false,
  forget: () => {},
};

let bytesOut = 0;
/**
 * What SocketTransport does before `send`: a string is encoded into its scratch buffer, pieces
 * copied there; a Buffer is sent as it is.
 */
const scratch = Buffer.allocUnsafe(256 * 1024);
const fakeTransport = {
  write(data: Uint8Array | string): void {
    bytesOut += typeof data === 'string' ? scratch.write(data, 0) : data.length;
  },
  writeLines(chunks: readonly (Uint8Array | string)[]): void {
    let at = 0;
    for (const c of chunks) {
      if (typeof c === 'string') at += scratch.write(c, at);
      else {
        scratch.set(c, at);
        at += c.length;
      }
    }
    bytesOut += at;
  },
  close(): void {},
  abort(): void {},
  pauseReading(): void {},
  resumeReading(): void {},
  isClosing: false,
  getExtraInfo: (): null => null,
} as unknown as Transport;

const request =
  workload === 'echo'
    ? Buffer.concat([
        Buffer.from(
          'POST /echo HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Length: 16384\r\nContent-Type: application/octet-stream\r\n\r\n',
        ),
        Buffer.alloc(16384, 0x78),
      ])
    : Buffer.from('GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n');
const readBuffer = Buffer.allocUnsafe(64 * 1024);
request.copy(readBuffer);
const lentView = readBuffer.subarray(0, request.length);

const CONNECTIONS = 100;
const connections = Array.from({ length: CONNECTIONS }, () => {
  const c = new HttpConnection(config);
  c.connectionMade(fakeTransport);
  return c;
});
const lends = connections[0]?.copiesData === true;

/** One request to every connection, in one loop callback. */
function feedAll(): void {
  for (const c of connections) {
    let data = lentView;
    if (!lends) {
      data = Buffer.allocUnsafe(request.length);
      readBuffer.copy(data, 0, 0, request.length);
    }
    c.dataReceived(data);
  }
}

/** About `n` requests, in turns of one per connection (answered before the next turn). */
async function run(n: number): Promise<void> {
  for (let i = 0; i < n / CONNECTIONS; i++) {
    await new Promise<void>((resolve) =>
      loop.callSoon(() => {
        feedAll();
        resolve();
      }),
    );
  }
}

const perRequestNs: number[] = [];
await loop.runUntilComplete(async () => {
  await run(REQUESTS_PER_ROUND / 5); // warm-up
  const outPerTurn = bytesOut;
  await run(CONNECTIONS);
  if (bytesOut === outPerTurn) throw new Error('no response was written: the handler did not answer');
  for (let r = 0; r < rounds; r++) {
    const t0 = process.cpuUsage();
    await run(REQUESTS_PER_ROUND);
    const t = process.cpuUsage(t0);
    perRequestNs.push(((t.user + t.system) * 1000) / REQUESTS_PER_ROUND);
  }
});
const sorted = [...perRequestNs].sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
console.log(
  `${workload} ${api}: ${median.toFixed(0)} ns/request (median of ${rounds}; rounds ${perRequestNs.map((x) => x.toFixed(0)).join(' ')})`,
);
for (const c of connections) c.connectionLost();
loop.close();
